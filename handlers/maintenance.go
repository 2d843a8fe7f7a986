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
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	for tick := 0; ; tick++ {
		if tick%4 == 0 {
			a.sweepWebSessions(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		a.SweepImpersonations(ctx, false)
		a.simulate(ctx)
	}
}

func (a *App) sweepWebSessions(ctx context.Context) {
	if n, err := a.web.Sweep(ctx); err != nil && ctx.Err() == nil {
		a.Log.Error("sweep web sessions", "err", err)
	} else if n > 0 {
		a.Log.Info("swept expired web sessions", "count", n)
	}
}

func (a *App) simulate(ctx context.Context) {
	err := a.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := charging.Simulate(ctx, tx, a.now())
		return err
	})
	if err != nil && ctx.Err() == nil {
		a.Log.Error("simulated meter feed", "err", err)
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
