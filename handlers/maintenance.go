package handlers

import (
	"context"
	"time"

	"chargedesk/impersonation"
)

// RunMaintenance does periodic housekeeping until ctx ends. Every 15 seconds: it ends the
// impersonations that must end (expired, role revoked, a disabled admin or customer) and
// retries ends that could not be committed; writes end rows still owed; writes the privilege
// violations counted in the last minute; and signs an audit checkpoint when the chains moved.
// Every minute it deletes expired web sessions. When ctx
// ends it writes what it still holds and a last checkpoint.
func (a *App) RunMaintenance(ctx context.Context) {
	t := time.NewTicker(a.every)
	defer t.Stop()
	for tick := 0; ; tick++ {
		if tick%240 == 239 { // hourly
			if err := a.db.Optimize(ctx); err != nil && ctx.Err() == nil {
				a.Log.Error("PRAGMA optimize", "err", err)
			}
		}
		if tick%4 == 0 {
			a.sweepWebSessions(ctx)
			a.writes.customer.forget(a.now())
			a.logins.forget(a.now())
		}
		select {
		case <-ctx.Done():
			a.flushViolations(true)
			a.Checkpoint(context.Background())
			return
		case <-t.C:
		}
		a.Tick(ctx)
	}
}

// Tick is one round of the housekeeping: impersonations that must end, end rows owed,
// privilege violations counted, a checkpoint, and reservations due at their chargers.
func (a *App) Tick(ctx context.Context) {
	a.SweepImpersonations(ctx, false)
	a.flushViolations(false)
	a.Checkpoint(ctx)
	a.sendReservations(ctx)
}

// sendReservations asks chargers to hold the reservations whose window has started.
func (a *App) sendReservations(ctx context.Context) {
	if _, err := a.central.SendDueReservations(ctx); err != nil && ctx.Err() == nil {
		a.Log.Error("send reservations to their chargers", "err", err)
	}
}

func (a *App) sweepWebSessions(ctx context.Context) {
	if n, err := a.web.Sweep(ctx); err != nil && ctx.Err() == nil {
		a.Log.Error("sweep web sessions", "err", err)
	} else if n > 0 {
		a.Log.Info("swept expired web sessions", "count", n)
	}
}

// SweepImpersonations keeps "every start has its end": it retries ends that could not be
// committed, ends every impersonation that must end, each with its impersonation.end row
// (at start-up, expired ones end as server_restart), and writes end rows still owed.
func (a *App) SweepImpersonations(ctx context.Context, atStartup bool) {
	for _, p := range a.ending.list() {
		ended, auditErr, err := impersonation.End(ctx, a.db, a.trail, p.imp, p.via, a.now(), "", "chargedesk")
		if err != nil {
			continue // still refused; tried again next time
		}
		a.ending.remove(p.imp.ID)
		if auditErr != nil {
			a.Log.Error("AUDIT WRITE FAILED: impersonation ended, its end row is owed", "impersonation_id", p.imp.ID, "err", auditErr)
		}
		if ended {
			a.Log.Info("ended an impersonation whose end had been refused", "impersonation_id", p.imp.ID, "via", p.via)
		}
	}
	n, err := impersonation.Sweep(ctx, a.db, a.trail, a.now(), a.impIdle, atStartup)
	if err != nil && ctx.Err() == nil {
		a.Log.Error("AUDIT: impersonation sweep", "err", err)
	}
	if n > 0 {
		a.Log.Info("ended stale impersonations", "count", n, "at_startup", atStartup)
	}
	owed, err := impersonation.RecordOwedEnds(ctx, a.db, a.trail, a.now())
	if err != nil && ctx.Err() == nil {
		a.Log.Error("AUDIT: owed impersonation.end rows", "err", err)
	}
	if owed > 0 {
		a.Log.Warn("wrote impersonation.end rows that were owed", "count", owed)
	}
}

// Checkpoint signs the audit chains' heads when they moved, into the database and the
// checkpoint file.
func (a *App) Checkpoint(ctx context.Context) {
	if _, err := a.trail.Checkpoint(ctx, a.db, a.cpFile, a.now(), false); err != nil && ctx.Err() == nil {
		a.Log.Error("AUDIT: checkpoint", "err", err)
	}
}
