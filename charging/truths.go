package charging

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"chargedesk/errs"
	"chargedesk/format"
	"chargedesk/queries"
)

// ChargingEnded is when energy stopped flowing in a session that started at start and stopped
// at stop with the register at meterStop: the first instant after which the register stays
// flat until the stop (OCPI's total_parking_time: "the EV was not charging"), judged from the
// readings, however long the charger went on sampling a full car. A register still rising
// after the last reading means charging until the stop. A connector that reported SuspendedEV
// or Finishing (statusAt) before that, with no energy after it, ended charging then.
func ChargingEnded(start, stop, meterStop int64, readings []queries.ListReadingsRow, status string, statusAt int64) int64 {
	end := stop
	for i := len(readings) - 1; i >= 0; i-- {
		r := readings[i]
		if r.At <= start || r.At > stop {
			continue
		}
		if r.EnergyWh < meterStop {
			break // the register rose after this reading
		}
		end = r.At // at the final value already: charging ended no later
	}
	if (status == "SuspendedEV" || status == "Finishing") && statusAt >= start && statusAt < end {
		for _, r := range readings {
			if r.At >= statusAt && r.At <= stop && r.EnergyWh < meterStop {
				return end // energy still came after the car said it was full
			}
		}
		end = statusAt
	}
	return max(end, start)
}

// PlausibleMargin is how much more energy than its connector's maximum power over the elapsed
// time a session may report before it is held for review: meters round and sessions start a
// little before their first timestamp.
const (
	plausibleFactor = 1.25
	plausibleSlackW = 1000 // Wh, whatever the time
)

// Implausible says why energyWh in the time from start to stop is more than a connector of
// maxPowerW can deliver (with a margin), or "" when it is not.
func Implausible(maxPowerW, start, stop, energyWh int64) string {
	secs := max(stop-start, 60)
	limit := float64(maxPowerW)*float64(secs)/3600*plausibleFactor + plausibleSlackW
	if float64(energyWh) <= limit {
		return ""
	}
	return fmt.Sprintf("the charger reported %s in %s, more than its connector (%s) can deliver in that time (at most %s)",
		kWh(float64(energyWh)), format.Span(time.Duration(secs)*time.Second), kW(maxPowerW), kWh(limit))
}

func kWh(wh float64) string { return fmt.Sprintf("%.2f kWh", wh/1000) }
func kW(w int64) string     { return fmt.Sprintf("%.1f kW", float64(w)/1000) }

// ReleaseHeld prices a session held for review at meterStop, a reading an admin checked
// (it must be plausible now), and issues its receipt; it returns the receipt id.
func ReleaseHeld(ctx context.Context, tx *sql.Tx, session, customer, meterStop int64, at time.Time) (int64, error) {
	q := queries.New(tx)
	s, err := q.GetSession(ctx, queries.GetSessionParams{ID: session, ActingAs: customer})
	if err != nil {
		return 0, err
	}
	if s.HeldReason == "" || s.HeldOutcome != "" {
		return 0, errs.Conflictf("Session #%d is not held for review.", session)
	}
	conn, err := q.ConnectorForStop(ctx, queries.ConnectorForStopParams{SessionID: s.ID, ActingAs: customer})
	if err != nil {
		return 0, err
	}
	stop := s.StoppedAt.Int64
	switch {
	case meterStop < s.MeterStartWh:
		return 0, errs.Invalidf("The corrected meter reading must be at least the session's start reading, %d Wh.", s.MeterStartWh)
	case Implausible(conn.MaxPowerW, s.StartedAt, stop, meterStop-s.MeterStartWh) != "":
		return 0, errs.Invalidf("%d Wh is still more than this connector can deliver in the session's time: %s.", meterStop,
			Implausible(conn.MaxPowerW, s.StartedAt, stop, meterStop-s.MeterStartWh))
	}
	readings, err := q.ListReadings(ctx, queries.ListReadingsParams{SessionID: s.ID, ActingAs: customer})
	if err != nil {
		return 0, err
	}
	ended := ChargingEnded(s.StartedAt, stop, meterStop, readings, "", 0)
	if n, err := q.ReleaseHeldSession(ctx, queries.ReleaseHeldSessionParams{MeterStopWh: sql.NullInt64{Int64: meterStop, Valid: true},
		ChargingEndedAt: sql.NullInt64{Int64: ended, Valid: true}, ID: s.ID, ActingAs: customer}); err != nil {
		return 0, err
	} else if n != 1 {
		return 0, errs.Conflictf("Session #%d is not held for review any more.", session)
	}
	return issue(ctx, q, s, Completed{StartedAt: s.StartedAt, StoppedAt: stop, ChargingEndedAt: ended,
		MeterStartWh: s.MeterStartWh, MeterStopWh: meterStop, Readings: readings}, at.Unix())
}

// VoidHeld closes a session held for review without a receipt: nothing is charged.
func VoidHeld(ctx context.Context, tx *sql.Tx, session, customer int64) error {
	n, err := queries.New(tx).VoidHeldSession(ctx, queries.VoidHeldSessionParams{ID: session, ActingAs: customer})
	if err != nil {
		return err
	}
	if n != 1 {
		return errs.Conflictf("Session #%d is not held for review.", session)
	}
	return nil
}
