package handlers

import (
	"context"
	"time"
)

// RunMaintenance does periodic housekeeping until ctx ends: it deletes expired web sessions.
func (a *App) RunMaintenance(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if n, err := a.sessions.Sweep(ctx); err != nil && ctx.Err() == nil {
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
