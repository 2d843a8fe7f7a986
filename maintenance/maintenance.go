// Package maintenance is ChargeDesk's housekeeping: what runs on a clock rather than on a
// request. main builds one Tasks from the same services it hands to the HTTP layer and runs
// it (Run); tests call one round at a time.
package maintenance

import (
	"context"
	"log/slog"
	"time"

	"chargedesk/audit"
	"chargedesk/central"
	"chargedesk/db"
	"chargedesk/impersonation"
	"chargedesk/limits"
	"chargedesk/websession"
)

// Tasks are the services housekeeping works on.
type Tasks struct {
	DB    *db.DB
	Trail *audit.Trail
	// CheckpointFile receives a copy of every signed audit checkpoint; empty means none.
	CheckpointFile string
	Guard          *impersonation.Guard
	Limits         *limits.Limits
	Web            *websession.Store
	Central        *central.Central // nil: no charge points
	Log            *slog.Logger
	Now            func() time.Time
	// Retention prunes audit rows older than this (hourly), archived first to ArchiveDir and
	// shipped by Ship (the replica; nil: none); zero keeps every row.
	Retention  time.Duration
	ArchiveDir string
	Ship       func(ctx context.Context, path string) error
}

// Run does the housekeeping until ctx ends, a Round every `every` (15 s when zero), a
// Minutely every fourth round and an Hourly every 240th. When ctx ends it writes what it
// still holds and a last checkpoint (Final).
func (t *Tasks) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 15 * time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for n := 0; ; n++ {
		if n%240 == 239 {
			t.Hourly(ctx)
		}
		if n%4 == 0 {
			t.Minutely(ctx)
		}
		select {
		case <-ctx.Done():
			t.Final()
			return
		case <-tick.C:
		}
		t.Round(ctx)
	}
}

// Round is one round of the housekeeping: impersonations that must end (and ends to retry,
// end rows owed), privilege violations counted, a checkpoint, and reservations due at their
// chargers.
func (t *Tasks) Round(ctx context.Context) {
	t.Guard.Sweep(ctx, false)
	t.FlushViolations(false)
	t.Checkpoint(ctx)
	if t.Central != nil {
		if _, err := t.Central.SendDueReservations(ctx); err != nil && ctx.Err() == nil {
			t.Log.Error("send reservations to their chargers", "err", err)
		}
	}
}

// Minutely deletes expired web sessions and forgets limits that are full again.
func (t *Tasks) Minutely(ctx context.Context) {
	if n, err := t.Web.Sweep(ctx); err != nil && ctx.Err() == nil {
		t.Log.Error("sweep web sessions", "err", err)
	} else if n > 0 {
		t.Log.Info("swept expired web sessions", "count", n)
	}
	t.Limits.Forget(t.Now())
}

// Hourly refreshes the planner's statistics where they are stale, and prunes the audit rows
// older than the retention period (when there is one).
func (t *Tasks) Hourly(ctx context.Context) {
	if err := t.DB.Optimize(ctx); err != nil && ctx.Err() == nil {
		t.Log.Error("PRAGMA optimize", "err", err)
	}
	t.Prune(ctx)
}

// Prune archives and removes the audit rows older than Retention, then checkpoints.
func (t *Tasks) Prune(ctx context.Context) {
	if t.Retention <= 0 {
		return
	}
	now := t.Now()
	m, err := t.Trail.Prune(ctx, t.DB, t.ArchiveDir, now.Add(-t.Retention), now, t.Ship)
	switch {
	case err != nil && ctx.Err() == nil:
		t.Log.Error("AUDIT: retention prune", "err", err)
	case m.Auth.Rows+m.Routes.Rows > 0:
		t.Log.Info("audit rows archived and pruned", "auth_audit", m.Auth.Rows, "impersonation_audit", m.Routes.Rows,
			"archive", t.ArchiveDir, "segments", []string{m.Auth.Segment, m.Routes.Segment})
		t.Checkpoint(ctx)
	}
}

// Final writes every privilege-violation window still open and a last checkpoint (at
// shutdown, before the database closes).
func (t *Tasks) Final() {
	t.FlushViolations(true)
	t.Checkpoint(context.Background())
}

// FlushViolations writes the rows of the violation windows that are over (all of them when
// all is set).
func (t *Tasks) FlushViolations(all bool) {
	for _, w := range t.Limits.Violations.Due(t.Now(), all) {
		if _, err := t.Trail.Log(context.Background(), t.DB, t.Now(), w.Summary()); err != nil {
			t.Log.Error("AUDIT WRITE FAILED: aggregated privilege_violation", "count", w.Repeats(), "err", err)
		}
	}
}

// Checkpoint signs the audit chains' heads when they moved, into the database and the
// checkpoint file.
func (t *Tasks) Checkpoint(ctx context.Context) {
	if _, err := t.Trail.Checkpoint(ctx, t.DB, t.CheckpointFile, t.Now(), false); err != nil && ctx.Err() == nil {
		t.Log.Error("AUDIT: checkpoint", "err", err)
	}
}
