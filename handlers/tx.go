package handlers

import (
	"context"
	"database/sql"
	"net/http"

	"github.com/gin-gonic/gin"

	"chargedesk/access"
	"chargedesk/account"
	"chargedesk/audit"
	"chargedesk/errs"
)

// keyWriteAudited marks a request whose change was audited inside its own transaction.
const keyWriteAudited = "chargedesk.write_audited"

// tx runs a customer-surface change in one write transaction. While an admin impersonates,
// the change's impersonation_audit row is written in that same transaction: the change and
// its record commit together or not at all.
//
// Once the change runs it is not cancelled by a client that hangs up: it shares its
// transaction with other writes (group commit), and an interrupted statement would roll them
// all back. (A client that gives up while the change still waits its turn cancels it.)
func (a *App) tx(c *gin.Context, fn func(tx *sql.Tx) error) error {
	ctx := c.Request.Context()
	req := c.Request
	c.Request = req.WithContext(context.WithoutCancel(ctx))
	defer func() { c.Request = req }()
	return a.db.Tx(ctx, func(tx *sql.Tx) error {
		ctx := c.Request.Context()
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

// change is the account change this request makes: who (the actor, with their impersonation
// when there is one), for which customer, and when.
func (a *App) change(c *gin.Context) account.Change {
	ch := account.Change{Actor: access.Actor{UserID: currentUser(c).ID}, Customer: actingAs(c), Now: a.now()}
	if b := activeImpersonation(c); b != nil {
		ch.Actor.ImpersonationID = b.Imp.ID
	}
	return ch
}

// afterChange answers a customer-surface change: on success, 303 to done (keeping the
// marker); on invalid input or a conflict, the form again with the message (reshow); on
// anything else, the error page.
func (a *App) afterChange(c *gin.Context, err error, done string, reshow func(status int, msg string)) {
	if !a.refused(c, err, reshow) {
		a.seeOther(c, done)
	}
}

// refused answers a change that failed, and reports whether it did: invalid input or a
// conflict shows the form again with the message (reshow, when there is one and the client
// reads HTML); anything else is the error page. A nil err is not answered.
func (a *App) refused(c *gin.Context, err error, reshow func(status int, msg string)) bool {
	if err == nil {
		return false
	}
	if e, ok := errs.As(err); ok && (e.Code == errs.Invalid || e.Code == errs.Conflict) && !wantsJSON(c) && reshow != nil {
		reshow(status(e), e.Message)
		return true
	}
	a.fail(c, err)
	return true
}
