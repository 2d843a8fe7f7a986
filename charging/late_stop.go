package charging

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"chargedesk/format"
	"chargedesk/queries"
	"chargedesk/tariff"
)

// LateStop records a station's StopTransaction for a session support already force-closed
// (DOMAIN.md: a late stop is still accepted and corrected by a credit note). The station's
// stop time and meter are kept beside the session; the session is priced again with them,
// and when that comes to less than its receipt, a credit note refunds the difference. It
// never charges more than the receipt the customer was given. It returns a sentence for the
// charge point's protocol log.
func LateStop(ctx context.Context, tx *sql.Tx, session, customer int64, at time.Time, meterStop int64) (string, error) {
	q := queries.New(tx)
	s, err := q.GetSession(ctx, queries.GetSessionParams{ID: session, ActingAs: customer})
	if err != nil {
		return "", err
	}
	if err := q.SetStationStop(ctx, queries.SetStationStopParams{ID: s.ID, ActingAs: customer, At: sql.NullInt64{Int64: at.Unix(), Valid: true},
		MeterStopWh: sql.NullInt64{Int64: meterStop, Valid: true}}); err != nil {
		return "", err
	}
	head := fmt.Sprintf("late stop for session #%d (force-closed by support): the station reports %d Wh at %s", s.ID, meterStop, at.UTC().Format("2006-01-02 15:04 UTC"))
	rec, err := q.ReceiptOfSession(ctx, queries.ReceiptOfSessionParams{SessionID: s.ID, ActingAs: customer})
	if err != nil {
		return "", err
	}
	if meterStop < s.MeterStartWh || at.Unix() < s.StartedAt {
		return head + "; it contradicts the session's start, so the receipt stays as it is", nil
	}
	readings, err := q.ListReadings(ctx, queries.ListReadingsParams{SessionID: s.ID, ActingAs: customer})
	if err != nil {
		return "", err
	}
	tz, err := q.SessionTimeZone(ctx, queries.SessionTimeZoneParams{SessionID: s.ID, ActingAs: customer})
	if err != nil {
		return "", err
	}
	ended := s.ChargingEndedAt.Int64
	_, priced, err := Reprice(s.TariffSnapshot, Completed{StartedAt: s.StartedAt, StoppedAt: at.Unix(), ChargingEndedAt: max(ended, at.Unix()),
		MeterStartWh: s.MeterStartWh, MeterStopWh: meterStop, Readings: readings, TimeZone: tz})
	if err != nil {
		return "", err
	}
	gross := priced.Receipt().GrossCents
	if gross >= rec.GrossCents {
		return head + fmt.Sprintf("; priced with it the session comes to %s, not less than receipt %s (%s), so nothing changes: a force-closed session is never billed more",
			format.Money(gross), rec.Number, format.Money(rec.GrossCents)), nil
	}
	diff := rec.GrossCents - gross
	serial, err := q.NextCreditNoteSerial(ctx)
	if err != nil {
		return "", err
	}
	number := fmt.Sprintf("CN-%d-%06d", at.In(tariff.Zone).Year(), serial)
	if _, err := q.InsertRefund(ctx, queries.InsertRefundParams{ReceiptID: rec.ID, ActingAs: customer, AmountCents: diff,
		Reason: "Corrected by the station's own stop after a force-close", Reference: "ocpp-late-stop", CreditNoteNumber: number,
		CreatedAt: at.Unix()}); err != nil {
		return "", err
	}
	return head + fmt.Sprintf("; priced with it the session comes to %s, so credit note %s refunds %s on receipt %s",
		format.Money(gross), number, format.Money(diff), rec.Number), nil
}
