package support

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"chargedesk/audit"
	"chargedesk/charging"
	"chargedesk/errs"
	"chargedesk/queries"
)

// PlanReview reads a session held for review (its charger reported more energy than its
// connector can deliver): what the confirmation page shows.
func PlanReview(ctx context.Context, q *queries.Queries, t Tool, id int64) (queries.ChargingSession, error) {
	s, err := q.GetSession(ctx, queries.GetSessionParams{ID: id, ActingAs: t.Customer})
	if errors.Is(err, sql.ErrNoRows) {
		return s, errs.NotFoundf("This charging session")
	} else if err != nil {
		return s, err
	}
	if s.HeldReason == "" || s.HeldOutcome != "" {
		return s, errs.Conflictf("Session #%d is not held for review.", id)
	}
	return s, nil
}

// ReleaseHeld issues the receipt of a held session at a corrected meter reading an admin
// checked, recorded as admin.session.release with what the charger said.
func ReleaseHeld(ctx context.Context, tx *sql.Tx, trail *audit.Trail, t Tool, id, meterStopWh int64) (Done, error) {
	return commit(ctx, tx, trail, t, "admin.session.release", func(q *queries.Queries) (string, map[string]any, error) {
		s, err := PlanReview(ctx, q, t, id)
		if err != nil {
			return "", nil, err
		}
		receipt, err := charging.ReleaseHeld(ctx, tx, id, t.Customer, meterStopWh, t.Now)
		if err != nil {
			return "", nil, err
		}
		return fmt.Sprintf("Support checked the meter of your charging session #%d and issued its receipt", id),
			map[string]any{"session_id": id, "receipt_id": receipt, "held_because": s.HeldReason,
				"reported_meter_stop_wh": s.MeterStopWh.Int64, "corrected_meter_stop_wh": meterStopWh}, nil
	})
}

// VoidHeld closes a held session with nothing charged, recorded as admin.session.void.
func VoidHeld(ctx context.Context, tx *sql.Tx, trail *audit.Trail, t Tool, id int64) (Done, error) {
	return commit(ctx, tx, trail, t, "admin.session.void", func(q *queries.Queries) (string, map[string]any, error) {
		s, err := PlanReview(ctx, q, t, id)
		if err != nil {
			return "", nil, err
		}
		if err := charging.VoidHeld(ctx, tx, id, t.Customer); err != nil {
			return "", nil, err
		}
		return fmt.Sprintf("Support voided your charging session #%d: its meter could not be trusted, nothing is charged", id),
			map[string]any{"session_id": id, "held_because": s.HeldReason, "reported_meter_stop_wh": s.MeterStopWh.Int64}, nil
	})
}
