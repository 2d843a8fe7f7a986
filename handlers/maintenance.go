package handlers

import (
	"context"
	"database/sql"
	"time"

	"chargedesk/charging"
	"chargedesk/impersonation"
)

// RunMaintenance does periodic housekeeping until ctx ends: every 15 seconds it ends the
// impersonations that must end (expired, role revoked, a disabled admin or customer) and
// advances the simulated meter feed; every minute it deletes expired web sessions.
func (a *App) RunMaintenance(ctx context.Context) {
	go a.runSimulator(ctx, 15*time.Second)
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if n, err := a.web.Sweep(ctx); err != nil && ctx.Err() == nil {
			a.Log.Error("sweep web sessions", "err", err)
		} else if n > 0 {
			a.Log.Info("swept expired web sessions", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (a *App) runSimulator(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		a.SweepImpersonations(ctx, false)
		err := a.db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := charging.Simulate(ctx, tx, a.now())
			return err
		})
		if err != nil && ctx.Err() == nil {
			a.Log.Error("simulated meter feed", "err", err)
		}
	}
}

// SweepImpersonations ends every impersonation that must end, each with its
// impersonation.end row; at start-up, expired ones end as server_restart.
func (a *App) SweepImpersonations(ctx context.Context, atStartup bool) {
	n, err := impersonation.Sweep(ctx, a.db, a.now(), atStartup)
	if err != nil && ctx.Err() == nil {
		a.Log.Error("AUDIT: impersonation sweep", "err", err)
	}
	if n > 0 {
		a.Log.Info("ended stale impersonations", "count", n, "at_startup", atStartup)
	}
}
