package handlers

import (
	"context"
	"database/sql"
	"time"

	"chargedesk/charging"
)

// RunMaintenance does periodic housekeeping until ctx ends: it deletes expired web sessions
// and, every 15 seconds, advances the simulated meter feed of sessions charging now.
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
		err := a.db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := charging.Simulate(ctx, tx, a.now())
			return err
		})
		if err != nil && ctx.Err() == nil {
			a.Log.Error("simulated meter feed", "err", err)
		}
	}
}
