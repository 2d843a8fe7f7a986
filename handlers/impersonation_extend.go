package handlers

// Extending an impersonation: POST /api/customer/impersonation/extend.

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"chargedesk/access"
	"chargedesk/impersonation"
)

// extendImpersonation is POST /api/customer/impersonation/extend: the caller's own active
// impersonation runs --impersonation-ttl longer, up to --impersonation-max after its start,
// recorded like its start; then back to the customer page it was asked from.
func (a *App) extendImpersonation(c *gin.Context) {
	u := currentUser(c)
	if !access.IsStaff(u.Role) {
		a.privilegeViolation(c, "impersonation extend")
		a.fail(c, errForbidden("Only ChargeDesk support staff can extend an impersonation. This attempt was logged."))
		return
	}
	imp, err := impersonation.Extend(c.Request.Context(), a.db, a.trail, impersonation.ExtendRequest{
		Admin: u.ID, Step: a.impTTL, Max: a.impMax, Idle: a.impIdle, LastActive: a.guard.LastActive, IP: c.ClientIP(), UserAgent: c.Request.UserAgent(), Asked: asked(c),
	}, a.now())
	if err != nil {
		a.fail(c, err) // a fault of the disk or the writer is 503/507 "nothing was changed"
		return
	}
	if wantsJSON(c) {
		c.JSON(http.StatusOK, gin.H{"impersonation_id": imp.ID, "expires_at": imp.ExpiresAt})
		return
	}
	a.redirect(c, backToCustomer(c, imp.CustomerUserID))
}

// backToCustomer is the customer page the request came from (its Referer, on this host,
// carrying exactly this customer's marker), or the customer's home: never a page without the
// marker, which would end the impersonation.
func backToCustomer(c *gin.Context, cust int64) string {
	ref, err := url.Parse(c.GetHeader("Referer"))
	if err == nil && ref.Host == c.Request.Host {
		p := safeNext(ref.RequestURI())
		as := ref.Query()["as"]
		if p != "" && !strings.HasPrefix(p, "/admin") && !strings.HasPrefix(p, "/api/") && len(as) == 1 && as[0] == strconv.FormatInt(cust, 10) {
			return p
		}
	}
	return customerURL(cust, "/")
}
