package support

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"chargedesk/audit"
	"chargedesk/charging"
	"chargedesk/errs"
	"chargedesk/queries"
)

// StopPlan is a stuck session and why it looks stuck.
type StopPlan struct {
	Session queries.GetSessionForForceStopRow
	Why     []string
}

// PlanForceStop checks that a session is active and looks stuck (charging.StuckReasons).
func PlanForceStop(ctx context.Context, q *queries.Queries, t Tool, id int64) (StopPlan, error) {
	s, err := q.GetSessionForForceStop(ctx, queries.GetSessionForForceStopParams{ID: id, ActingAs: t.Customer})
	if errors.Is(err, sql.ErrNoRows) {
		return StopPlan{}, errs.NotFoundf("This charging session")
	} else if err != nil {
		return StopPlan{}, err
	}
	p := StopPlan{Session: s, Why: charging.StuckReasons(t.Now, s.StartedAt, s.LastSeenAt, s.HeartbeatIntervalS, s.ConnectorStatus, s.LastReadingAt)}
	switch {
	case s.Status != "ACTIVE":
		return p, errs.Invalidf("Session #%d has already ended.", id)
	case len(p.Why) == 0:
		return p, errs.Invalidf("Session #%d is charging normally, not stuck; the driver or the station can stop it.", id)
	}
	return p, nil
}

// ChargerStop is what the session's charge point did when asked to stop it before the
// force-stop (package central asks; a nil ChargerStop means it was not asked).
type ChargerStop interface {
	// Stopped: it accepted and reported the stop itself (the session is then completed by its
	// StopTransaction, ended_by remote_stop).
	Stopped() bool
	// Answer is what it answered, or why the session is closed in the database instead
	// ("offline", "Rejected", "no answer: …").
	Answer() string
}

// ForceStop ends a stuck session. When its charge point stopped it on request, this records
// that (the session already completed with the charge point's own figures). Otherwise it
// closes the session in the database at its last meter reading (ended by
// admin_force_close), frees its connector and prices its receipt up to that reading; a late
// StopTransaction from the station is still accepted later (charging.LateStop).
func ForceStop(ctx context.Context, tx *sql.Tx, trail *audit.Trail, t Tool, id int64, remote ChargerStop) (Done, error) {
	stopped, answer := false, ""
	if remote != nil {
		stopped, answer = remote.Stopped(), remote.Answer()
	}
	return commit(ctx, tx, trail, t, "admin.session_force_stop", func(q *queries.Queries) (string, map[string]any, error) {
		if stopped {
			s, err := q.GetSession(ctx, queries.GetSessionParams{ID: id, ActingAs: t.Customer})
			if err != nil {
				return "", nil, err
			}
			return fmt.Sprintf("Support stopped your charging session #%d at the charger; its receipt is issued", id),
				map[string]any{"session_id": id, "via": "RemoteStopTransaction", "charger_answer": answer, "ended_by": s.EndedBy.String}, nil
		}
		p, err := PlanForceStop(ctx, q, t, id)
		if err != nil {
			return "", nil, err
		}
		stopAt := t.Now // priced up to the last reading: that is where the session really stopped
		if p.Session.LastReadingAt > 0 {
			stopAt = time.Unix(p.Session.LastReadingAt, 0)
		}
		stopped, err := charging.Stop(ctx, tx, charging.StopRequest{
			SessionID: id, ActingAs: t.Customer, At: stopAt, EndedBy: charging.EndedByAdmin, Reason: "Closed by support: " + t.Reason,
		})
		if errors.Is(err, charging.ErrNotActive) {
			return "", nil, errs.Conflictf("Session #%d has ended meanwhile.", id)
		} else if err != nil {
			return "", nil, err
		}
		if stopped.Held != "" {
			return fmt.Sprintf("Support closed your stuck charging session #%d; its receipt waits for a review of its energy", id),
				map[string]any{"session_id": id, "held": stopped.Held, "stuck_because": p.Why, "via": "database", "charger_answer": answer}, nil
		}
		return fmt.Sprintf("Support closed your stuck charging session #%d; its receipt is issued", id),
			map[string]any{"session_id": id, "receipt_id": stopped.Receipt, "stuck_because": p.Why, "via": "database", "charger_answer": answer}, nil
	})
}
