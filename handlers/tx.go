package handlers

import (
	"database/sql"
	"net/http"

	"github.com/gin-gonic/gin"

	"chargedesk/audit"
)

// keyWriteAudited marks a request whose change was audited inside its own transaction.
const keyWriteAudited = "chargedesk.write_audited"

// tx runs a customer-surface change in one write transaction. While an admin impersonates,
// the change's impersonation_audit row is written in that same transaction: the change and
// its record commit together or not at all.
func (a *App) tx(c *gin.Context, fn func(tx *sql.Tx) error) error {
	ctx := c.Request.Context()
	return a.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		imp := activeImpersonation(c)
		if imp == nil {
			return nil
		}
		// The change succeeded, so the answer is the redirect to the result page.
		_, err := a.trail.WriteRoute(ctx, tx, a.now().Unix(), audit.RouteEntry{
			ImpersonationID: imp.Imp.ID, Admin: imp.Imp.AdminUserID, Customer: imp.Imp.CustomerUserID,
			Method: c.Request.Method, Route: c.FullPath(), Path: c.Request.URL.RequestURI(),
			Status: http.StatusSeeOther, Outcome: audit.Changed,
		})
		if err == nil {
			c.Set(keyWriteAudited, true)
		}
		return err
	})
}
