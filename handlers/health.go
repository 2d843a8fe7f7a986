package handlers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"chargedesk/audit"

	"github.com/gin-gonic/gin"

	"chargedesk/db"
)

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
	err := a.db.Check(ctx)
	if err == nil {
		body := gin.H{"status": "ok", "version": a.version}
		if a.replica != nil {
			st, rerr := a.replica.Status(ctx)
			rep := gin.H{"url": st.URL, "local_txid": st.LocalTXID, "replicated_txid": st.RemoteTXID, "in_sync": st.InSync, "transactions_behind": st.Behind}
			if rerr != nil {
				rep["error"] = "the replica could not be read: " + audit.Truncate(rerr.Error(), 200)
			}
			body["replica"] = rep
		}
		return http.StatusOK, body
	}
	reason := "Free disk space is below the reserve kept for the audit trail: ordinary writes are refused."
	var ce *db.CheckError
	switch {
	case errors.As(err, &ce) && ce.Reads:
		reason = "The database does not answer."
	case errors.As(err, &ce):
		reason = "The database refuses writes: " + faultSentence(err) + "."
	}
	a.Log.Error("healthz", "reason", reason, "err", err)
	return http.StatusServiceUnavailable, gin.H{"status": "unavailable", "error": reason}
}
