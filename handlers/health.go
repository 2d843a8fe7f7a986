package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// healthz answers 200 only when the database answers.
func (a *App) healthz(c *gin.Context) {
	if err := a.db.Ping(c.Request.Context()); err != nil {
		a.Log.Error("healthz", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "error": "The database does not answer."})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok", "version": a.version})
}
