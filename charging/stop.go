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
	// ChargingEndedAt is when energy stopped flowing; nil means ChargingEnded works it out
	// from the readings (the register going flat) and the connector's status. The time
	// between it and At is parking.
	ChargingEndedAt *time.Time
	EndedBy         string
	Reason          string
	// ClockNote says that a timestamp of the charger's was replaced (its clock is wrong).
	ClockNote string
}

// Stopped is what Stop did: the receipt it issued, or why it issued none (the session is
// held for review: its energy is more than its connector can deliver).
type Stopped struct {
	Receipt int64
	Held    string
}

// Stop completes the session, frees its connector and issues its receipt, all inside tx. A
// session whose charger reported more energy than its connector can deliver in the time is
// completed but held: no receipt and no payment until an admin releases it at a corrected
// reading or voids it.
func Stop(ctx context.Context, tx *sql.Tx, r StopRequest) (Stopped, error) {
	q := queries.New(tx)
	s, err := q.GetSession(ctx, queries.GetSessionParams{ID: r.SessionID, ActingAs: r.ActingAs})
	if errors.Is(err, sql.ErrNoRows) {
		return Stopped{}, ErrNotActive
	} else if err != nil {
		return Stopped{}, err
	}
	if s.Status != "ACTIVE" {
		return Stopped{}, ErrNotActive
	}
	last, err := q.LastReading(ctx, queries.LastReadingParams{SessionID: s.ID, ActingAs: r.ActingAs})
	hasReading := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Stopped{}, err
	}
	meterStop := s.MeterStartWh
	if r.MeterStopWh != nil {
		meterStop = *r.MeterStopWh
	} else if hasReading {
		meterStop = last.EnergyWh
	}
	if meterStop < s.MeterStartWh {
		return Stopped{}, fmt.Errorf("%w: stop meter %d Wh, start meter %d Wh", ErrMeterBelowStart, meterStop, s.MeterStartWh)
	}
	stopAt := max(r.At.Unix(), s.StartedAt)
	readings, err := q.ListReadings(ctx, queries.ListReadingsParams{SessionID: s.ID, ActingAs: r.ActingAs})
	if err != nil {
		return Stopped{}, err
	}
	conn, err := q.ConnectorForStop(ctx, queries.ConnectorForStopParams{SessionID: s.ID, ActingAs: r.ActingAs})
	if err != nil {
		return Stopped{}, err
	}
	chargingEnd := ChargingEnded(s.StartedAt, stopAt, meterStop, readings, conn.Status, conn.StatusAt.Int64)
	if r.ChargingEndedAt != nil {
		chargingEnd = min(max(r.ChargingEndedAt.Unix(), s.StartedAt), stopAt)
	}
	held := ""
	if r.EndedBy != EndedByAdmin {
		// What the charger reported. An admin's force-stop prices at the last reading as
		// DOMAIN.md says, and the station's late stop corrects it by a credit note.
		held = Implausible(conn.MaxPowerW, s.StartedAt, stopAt, meterStop-s.MeterStartWh)
	}
	n, err := q.CompleteSession(ctx, queries.CompleteSessionParams{
		ID: s.ID, ActingAs: r.ActingAs,
		StoppedAt:       sql.NullInt64{Int64: stopAt, Valid: true},
		ChargingEndedAt: sql.NullInt64{Int64: chargingEnd, Valid: true},
		MeterStopWh:     sql.NullInt64{Int64: meterStop, Valid: true},
		EndedBy:         sql.NullString{String: r.EndedBy, Valid: true},
		StopReason:      r.Reason,
		HeldReason:      held,
		ClockNote:       r.ClockNote,
	})
	if err != nil {
		return Stopped{}, err
	}
	if n != 1 {
		return Stopped{}, ErrNotActive
	}
	if err := q.SetConnectorStatus(ctx, queries.SetConnectorStatusParams{ID: s.ConnectorID, Status: "Available"}); err != nil {
		return Stopped{}, err
	}
	if held != "" {
		return Stopped{Held: held}, nil
	}
	id, err := issue(ctx, q, s, Completed{StartedAt: s.StartedAt, StoppedAt: stopAt, ChargingEndedAt: chargingEnd,
		MeterStartWh: s.MeterStartWh, MeterStopWh: meterStop, Readings: readings}, stopAt)
	return Stopped{Receipt: id}, err
}

// issue prices completed session s (its frozen tariff, c's readings, its location's zone) and
// writes its receipt: paid when it has a payment method.
func issue(ctx context.Context, q *queries.Queries, s queries.ChargingSession, c Completed, at int64) (int64, error) {
	tz, err := q.SessionTimeZone(ctx, queries.SessionTimeZoneParams{SessionID: s.ID, ActingAs: s.UserID})
	if err != nil {
		return 0, err
	}
	c.TimeZone = tz
	t, err := tariff.FromSnapshot(s.TariffSnapshot)
	if err != nil {
		return 0, fmt.Errorf("charging: session %d has an unreadable tariff: %w", s.ID, err)
	}
	priced, err := tariff.PriceSession(t, PricingSession(c))
	if err != nil {
		return 0, fmt.Errorf("charging: session %d cannot be priced: %w", s.ID, err)
	}
	status := "open"
	if s.PaymentMethodID.Valid {
		status = "paid"
	}
	return IssueReceipt(ctx, q, s, t.Currency, priced.Receipt(), status, at)
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
