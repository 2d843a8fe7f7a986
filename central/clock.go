package central

import (
	"context"
	"time"

	"chargedesk/queries"
)

// clockAhead is how far ahead of the server a charger's timestamp may be: further, its clock
// is wrong.
const clockAhead = 15 * time.Minute

// chargerTime is the instant a charger stamped on a message, when it can be believed: not
// before floor (the transaction's start; for a start, a day before the charger's boot, so that
// a message queued across a reboot is still believed), not more than clockAhead after now.
// Otherwise it is the server's receive time, with a note saying what the charger said.
func chargerTime(ts *time.Time, floor, now time.Time, what string) (time.Time, string) {
	switch {
	case ts == nil:
		return now, ""
	case ts.After(now.Add(clockAhead)):
		return now, what + " was stamped " + ts.UTC().Format(time.RFC3339) + ", " + ts.Sub(now).Round(time.Minute).String() +
			" ahead of ChargeDesk's clock: the time it arrived (" + now.UTC().Format(time.RFC3339) + ") was used"
	case ts.Before(floor):
		return now, what + " was stamped " + ts.UTC().Format(time.RFC3339) + ", before " + floor.UTC().Format(time.RFC3339) +
			" when it cannot have happened: the time it arrived (" + now.UTC().Format(time.RFC3339) + ") was used"
	}
	return *ts, ""
}

// noteClock records that charger's clock was found wrong, on the charger and on the session
// (0: none), for support to see.
func noteClock(ctx context.Context, q *queries.Queries, charger, session, customer int64, note string) error {
	if note == "" {
		return nil
	}
	if err := q.NoteChargerClock(ctx, queries.NoteChargerClockParams{ClockNote: note, ID: charger}); err != nil {
		return err
	}
	if session == 0 {
		return nil
	}
	return q.NoteSessionClock(ctx, queries.NoteSessionClockParams{ClockNote: note, ID: session, ActingAs: customer})
}
