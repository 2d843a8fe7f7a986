package handlers

// Ending an impersonation: POST /api/customer/impersonation/end (Exit), the page behind its
// GET, and the answer when the database refuses the end.

import (
	"database/sql"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"chargedesk/access"
	"chargedesk/errs"
	"chargedesk/impersonation"
	"chargedesk/queries"
)

// endImpersonationRoute is POST /api/customer/impersonation/end: it ends the caller's own
// active impersonation, if any, and answers success (idempotent) — unless the end itself could
// not be committed, which it says (503) instead of pretending.
func (a *App) endImpersonationRoute(c *gin.Context) {
	u := currentUser(c)
	ended := false
	if cur, err := a.r.ActiveImpersonationOf(c.Request.Context(), u.ID); err == nil {
		if ended, err = a.endImpersonation(c, cur, access.ViaExit); err != nil {
			a.endNotRecorded(c, cur, err)
			return
		}
	} else if !errors.Is(err, sql.ErrNoRows) {
		a.fail(c, err)
		return
	}
	to := homeFor(u.Role)
	if wantsJSON(c) {
		c.JSON(http.StatusOK, gin.H{"ended": ended, "redirect": to})
		return
	}
	a.redirect(c, to)
}

// endPage is GET /api/customer/impersonation/end: a page with the button, so that opening
// the address in a tab never changes anything by itself.
func (a *App) endPage(c *gin.Context) {
	a.render(c, http.StatusOK, "end_impersonation", &Page{Title: "End impersonation", Data: a.myImpersonation(c)})
}

// endImpersonation ends imp with via (impersonation.Guard.End: with its end row, or held as
// ending and retried when the database refuses).
func (a *App) endImpersonation(c *gin.Context, imp queries.Impersonation, via string) (bool, error) {
	return a.guard.End(c.Request.Context(), imp, via, impersonation.From{IP: c.ClientIP(), UserAgent: c.Request.UserAgent(), RequestID: requestID(c)})
}

// endNotRecorded answers 503 for an impersonation whose end could not be committed: it says
// so, and when it expires. Nothing of the customer's is shown meanwhile.
func (a *App) endNotRecorded(c *gin.Context, imp queries.Impersonation, err error) {
	why := "the database refused the write"
	if err != nil {
		why = faultSentence(err)
	}
	c.Header("Retry-After", "30")
	c.Header("Cache-Control", "no-store")
	a.fail(c, &errs.Error{Code: errs.Unavailable, Title: "Impersonation not ended yet",
		Message: "Your impersonation could not be recorded as ended (" + why + "). No customer page will be shown meanwhile; it expires at " +
			expiresClock(imp.ExpiresAt) + ", and ChargeDesk ends it as soon as the database takes writes again."})
}
