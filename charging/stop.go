// Package charging holds what happens to a charging session outside HTTP: stopping it and
// pricing its receipt with the tariff frozen at its start.
package charging

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"chargedesk/queries"
	"chargedesk/tariff"
)

// Who ended a session (charging_sessions.ended_by).
const (
	EndedByStation = "station"
	EndedByDriver  = "driver"
	EndedByRemote  = "remote_stop"
	EndedByAdmin   = "admin_force_close"
)

// ErrMeterBelowStart means a stop's meter value is below the session's start value.
var ErrMeterBelowStart = errors.New("charging: the stop meter value is below the start value")

// ErrNotActive means the session is already stopped (or is not the customer's).
var ErrNotActive = errors.New("charging: session is not active")

// StopRequest closes an ACTIVE session.
type StopRequest struct {
	SessionID int64
	ActingAs  int64 // the session's customer
	At        time.Time
	// MeterStopWh is the final meter value; nil means the last meter reading (or the start
	// value when there is none), which is how an admin force-stop closes a stuck session.
	MeterStopWh *int64
	// ChargingEndedAt is when energy stopped flowing; nil means the time of the last reading
	// with power, or At. The time between it and At is parking.
	ChargingEndedAt *time.Time
	EndedBy         string
	Reason          string
}

// Stop completes the session, frees its connector and issues its receipt, all inside tx.
// It returns the receipt id.
func Stop(ctx context.Context, tx *sql.Tx, r StopRequest) (int64, error) {
	q := queries.New(tx)
	s, err := q.GetSession(ctx, queries.GetSessionParams{ID: r.SessionID, ActingAs: r.ActingAs})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotActive
	} else if err != nil {
		return 0, err
	}
	if s.Status != "ACTIVE" {
		return 0, ErrNotActive
	}
	last, err := q.LastReading(ctx, queries.LastReadingParams{SessionID: s.ID, ActingAs: r.ActingAs})
	hasReading := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	meterStop := s.MeterStartWh
	if r.MeterStopWh != nil {
		meterStop = *r.MeterStopWh
	} else if hasReading {
		meterStop = last.EnergyWh
	}
	if meterStop < s.MeterStartWh {
		return 0, fmt.Errorf("%w: stop meter %d Wh, start meter %d Wh", ErrMeterBelowStart, meterStop, s.MeterStartWh)
	}
	stopAt := r.At.Unix()
	if stopAt < s.StartedAt {
		stopAt = s.StartedAt
	}
	chargingEnd := stopAt
	switch {
	case r.ChargingEndedAt != nil:
		chargingEnd = min(max(r.ChargingEndedAt.Unix(), s.StartedAt), stopAt)
	case hasReading:
		chargingEnd = min(max(last.At, s.StartedAt), stopAt)
	}
	n, err := q.CompleteSession(ctx, queries.CompleteSessionParams{
		ID: s.ID, ActingAs: r.ActingAs,
		StoppedAt:       sql.NullInt64{Int64: stopAt, Valid: true},
		ChargingEndedAt: sql.NullInt64{Int64: chargingEnd, Valid: true},
		MeterStopWh:     sql.NullInt64{Int64: meterStop, Valid: true},
		EndedBy:         sql.NullString{String: r.EndedBy, Valid: true},
		StopReason:      r.Reason,
	})
	if err != nil {
		return 0, err
	}
	if n != 1 {
		return 0, ErrNotActive
	}
	if err := q.SetConnectorStatus(ctx, queries.SetConnectorStatusParams{ID: s.ConnectorID, Status: "Available"}); err != nil {
		return 0, err
	}
	readings, err := q.ListReadings(ctx, queries.ListReadingsParams{SessionID: s.ID, ActingAs: r.ActingAs})
	if err != nil {
		return 0, err
	}
	tz, err := q.SessionTimeZone(ctx, queries.SessionTimeZoneParams{SessionID: s.ID, ActingAs: r.ActingAs})
	if err != nil {
		return 0, err
	}
	t, err := tariff.FromSnapshot(s.TariffSnapshot)
	if err != nil {
		return 0, fmt.Errorf("charging: session %d has an unreadable tariff: %w", s.ID, err)
	}
	priced, err := tariff.PriceSession(t, PricingSession(Completed{StartedAt: s.StartedAt, StoppedAt: stopAt, ChargingEndedAt: chargingEnd,
		MeterStartWh: s.MeterStartWh, MeterStopWh: meterStop, Readings: readings, TimeZone: tz}))
	if err != nil {
		return 0, fmt.Errorf("charging: session %d cannot be priced: %w", s.ID, err)
	}
	receipt := priced.Receipt()
	status := "open"
	if s.PaymentMethodID.Valid {
		status = "paid"
	}
	return IssueReceipt(ctx, q, s, t.Currency, receipt, status, stopAt)
}

// IssueReceipt writes a priced receipt and its lines for session s.
func IssueReceipt(ctx context.Context, q *queries.Queries, s queries.ChargingSession, currency string, r tariff.Receipt, status string, at int64) (int64, error) {
	if currency == "" {
		currency = "EUR"
	}
	id, err := q.InsertReceipt(ctx, queries.InsertReceiptParams{
		SessionID: s.ID, ActingAs: s.UserID, Number: ReceiptNumber(at, s.ID), Status: status, Currency: currency,
		NetCents: r.NetCents, VatCents: r.VATCents, GrossCents: r.GrossCents, IssuedAt: at,
	})
	if err != nil {
		return 0, err
	}
	for i, l := range r.Lines {
		err := q.InsertReceiptLine(ctx, queries.InsertReceiptLineParams{
			ReceiptID: id, ActingAs: s.UserID, Position: int64(i + 1), Dimension: l.Dimension,
			MeasuredQty: l.MeasuredQty, BilledQty: l.BilledQty, UnitPrice: l.UnitPrice, VatBp: l.VatBP, NetCents: l.NetCents,
		})
		if err != nil {
			return 0, err
		}
	}
	return id, nil
}

// ReceiptNumber is the printed receipt number, e.g. R-2026-000042.
func ReceiptNumber(at, sessionID int64) string {
	return fmt.Sprintf("R-%d-%06d", time.Unix(at, 0).In(tariff.Zone).Year(), sessionID)
}
