package handlers

// Protected customers: a second staff member's approval, an admin protecting an account.

import (
	"context"
	"database/sql"

	"github.com/gin-gonic/gin"

	"chargedesk/impersonation"
)

// approveImpersonation is POST /admin/approvals/:id/approve: a second staff member lets a
// request to impersonate a protected customer go ahead.
func (a *App) approveImpersonation(c *gin.Context) {
	id, _ := pathID(c)
	_, err := impersonation.Approve(c.Request.Context(), a.db, a.trail, currentUser(c).ID, id, c.ClientIP(), c.Request.UserAgent(), a.now())
	if err != nil {
		a.fail(c, err)
		return
	}
	a.redirect(c, "/admin?approved=1")
}

// protectCustomer is POST /admin/customers/:id/protect (admins): protect=true|false, reason.
func (a *App) protectCustomer(c *gin.Context) {
	id, _ := pathID(c)
	protect, ok := a.formBool(c, "protect", "Say whether to protect the account")
	if !ok {
		return
	}
	err := a.db.Tx(c.Request.Context(), func(tx *sql.Tx) error {
		return impersonation.SetProtected(context.WithoutCancel(c.Request.Context()), tx, a.trail, currentUser(c).ID, id, protect, c.PostForm("reason"), c.ClientIP(), c.Request.UserAgent(), a.now())
	})
	if a.changeRefused(c, err, nil) {
		return
	}
	done := "unprotected"
	if protect {
		done = "protected"
	}
	a.redirect(c, "/admin/customers/"+itoa(id)+"?notice="+done+"#account")
}
