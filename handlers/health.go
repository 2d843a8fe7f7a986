package handlers

import (
	"context"
	"database/sql"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"chargedesk/queries"
)

// probeWrites remembers when the probe write last succeeded, so that a busy monitor costs at
// most one write a second; reads and disk space are checked on every call.
type probeWrites struct {
	mu      sync.Mutex
	wroteAt time.Time
}

// healthz answers 200 only when the database answers reads and takes writes (a one-row probe
// write, which also finds a read-only or full file), and free disk space is above the reserve
// kept for the audit trail; otherwise 503 with the reason as JSON.
func (a *App) healthz(c *gin.Context) {
	status, body := a.probe(c.Request.Context())
	c.Header("Cache-Control", "no-store")
	c.JSON(status, body)
}

func (a *App) probe(ctx context.Context) (int, gin.H) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	down := func(reason string, err error) (int, gin.H) {
		a.Log.Error("healthz", "reason", reason, "err", err)
		return http.StatusServiceUnavailable, gin.H{"status": "unavailable", "error": reason}
	}
	if err := a.db.Ping(ctx); err != nil {
		return down("The database does not answer.", err)
	}
	if a.db.LowOnSpace() {
		return down("Free disk space is below the reserve kept for the audit trail: ordinary writes are refused.", nil)
	}
	h := &a.health
	h.mu.Lock()
	defer h.mu.Unlock()
	if time.Since(h.wroteAt) >= time.Second {
		err := a.db.CriticalTx(ctx, func(tx *sql.Tx) error {
			return queries.New(tx).TouchHealthProbe(ctx, time.Now().Unix())
		})
		if err != nil {
			return down("The database refuses writes: "+faultSentence(err)+".", err)
		}
		h.wroteAt = time.Now()
	}
	return http.StatusOK, gin.H{"status": "ok", "version": a.version}
}
