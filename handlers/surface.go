package handlers

import (
	"database/sql"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chargedesk/audit"
	"chargedesk/impersonation"
	"chargedesk/queries"
)

// customerSurface decides whose data a customer-surface request shows, from the ?as= marker
// and the caller's role and impersonation, both re-read from the database on every request:
//
//   - no marker, a customer: their own account.
//   - no marker, an admin with an active impersonation: it ends (marker_removed) and the admin
//     is sent to /admin. Without one: sent to /admin.
//   - a malformed or repeated marker: 400.
//   - a marker from someone who is not an admin: 403 and a privilege_violation row.
//   - a marker that does not match the admin's active impersonation (stale tab, expired): 403.
//   - a matching marker: scoped to that customer; writes need allow_changes, or are blocked.
//
// An impersonated response is held back until its impersonation_audit row is committed; when
// the row cannot be written, the admin gets 503 and none of the customer's data (fail closed).
func (a *App) customerSurface(c *gin.Context) {
	u := currentUser(c)
	ctx, now := c.Request.Context(), a.now()
	marks := c.Request.URL.Query()["as"]

	if fromElsewhere(c.Request) && (len(marks) > 0 || u.Role == "admin") {
		// A link on another site, or a prefetch: it changes nothing (no end, no violation
		// against whoever clicked) and shows nothing of a customer's.
		a.fail(c, &Error{Status: http.StatusForbidden, Title: "Open the customer from the console",
			Message: "This address came from another site or was fetched ahead by the browser, so ChargeDesk did not act on it. Support staff: open the customer from the admin console. Customers: go to your own home page."})
		return
	}
	cur, err := a.r.ActiveImpersonationOf(ctx, u.ID)
	hasImp := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		a.fail(c, errInternal(err))
		return
	}
	if hasImp && a.ending.has(cur.ID) {
		a.endNotRecorded(c, cur, nil)
		return
	}
	if hasImp && u.Role != "admin" {
		// The role was revoked while impersonating: the impersonation ends now.
		a.endImpersonation(c, cur, impersonation.ViaRoleRevoked)
		hasImp = false
	}
	if hasImp && cur.ExpiresAt <= now.Unix() {
		a.endImpersonation(c, cur, impersonation.ViaExpired)
		hasImp = false
		if len(marks) > 0 {
			a.fail(c, errForbidden("Your impersonation expired, so it has ended. Start a new one from the customer's page if you still need it."))
			return
		}
	}

	if len(marks) == 0 {
		switch {
		case u.Role == "customer":
			c.Set(keyActingAs, u.ID)
			if write(c) {
				a.limitWrite(c, u.ID)
			}
		case hasImp:
			if _, err := a.endImpersonation(c, cur, impersonation.ViaMarkerRemoved); err != nil {
				a.endNotRecorded(c, cur, err)
				return
			}
			a.redirect(c, "/admin")
			c.Abort()
		default:
			a.redirect(c, "/admin")
			c.Abort()
		}
		return
	}
	if len(marks) > 1 {
		a.fail(c, errBadRequest("The address has more than one as= marker. Open the customer again from the admin console."))
		return
	}
	as, ok := parseID(marks[0])
	if !ok {
		a.fail(c, errBadRequest("The as= marker in the address is not a customer id. Open the customer again from the admin console."))
		return
	}
	if u.Role != "admin" {
		a.privilegeViolation(c, "as= marker on the customer surface")
		a.fail(c, errForbidden("Only ChargeDesk support staff can view another account. This attempt was logged."))
		return
	}
	if !hasImp || cur.CustomerUserID != as {
		a.fail(c, errForbidden("You are not impersonating this customer: the impersonation in this tab has ended or belongs to another customer. Start one from the customer's page in the admin console."))
		return
	}
	cust, err := a.r.GetImpersonatedCustomer(ctx, as)
	switch {
	case errors.Is(err, sql.ErrNoRows) || (err == nil && cust.Status != "active"):
		a.endImpersonation(c, cur, impersonation.ViaCustomerDisabled)
		a.fail(c, errForbidden("This customer's account is disabled, so the impersonation has ended."))
		return
	case err != nil: // a database error never ends an impersonation
		a.fail(c, errInternal(err))
		return
	}

	c.Set(keyActingAs, as)
	c.Set(keyMarker, as)
	c.Set(keyImp, &bannerData{Imp: cur, CustomerName: cust.Name, PublicID: cust.PublicID,
		MinutesLeft: max(0, (cur.ExpiresAt-now.Unix()+59)/60)})
	c.Header("Cache-Control", "no-store")
	a.impersonated(c, cur)
}

// impersonated runs the rest of an impersonated request with its response held back, writes
// its impersonation_audit row, and only then lets the response go. If the row cannot be
// committed, the held response is dropped and the admin gets 503 without customer data.
func (a *App) impersonated(c *gin.Context, cur queries.Impersonation) {
	real := c.Writer
	buf := newBufferedWriter(real)
	c.Writer = buf
	defer func() {
		c.Writer = real
		if v := recover(); v != nil {
			panic(v) // the recover middleware answers; nothing held back is sent
		}
	}()
	write := write(c)
	outcome := audit.Viewed
	switch {
	case write && cur.AllowChanges == 0:
		a.fail(c, &Error{Status: http.StatusForbidden, Title: "This impersonation is read-only", Message: "This impersonation is read-only: it was started without “allow changes”, so nothing on this account can be changed. The attempt was recorded."})
		outcome = audit.Blocked
	case write:
		outcome = audit.Blocked // a write that changed nothing (refused, invalid, too many)
		if a.limitWrite(c, cur.CustomerUserID) && c.Writer.Status() < 400 {
			outcome = audit.Changed
		}
	default:
		c.Next()
	}
	if !c.GetBool(keyWriteAudited) { // a change is recorded inside its own transaction (a.tx)
		if err := a.recordRoute(c, cur, write, outcome); err != nil {
			c.Writer = real
			a.auditUnavailable(c, cur, err)
			return
		}
	}
	buf.release()
}

// fromElsewhere reports a request the person did not make from ChargeDesk itself: a
// navigation from another site (Fetch Metadata) or a prefetch. Typing the address is "none",
// and counts as the person's own.
func fromElsewhere(r *http.Request) bool {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return true
	}
	for _, h := range []string{"Sec-Purpose", "Purpose", "X-Moz", "X-Purpose"} {
		if strings.Contains(strings.ToLower(r.Header.Get(h)), "prefetch") || strings.EqualFold(r.Header.Get(h), "preview") {
			return true
		}
	}
	return false
}

// write reports whether the request may change something.
func write(c *gin.Context) bool {
	return c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead
}

// auditUnavailable answers 503 when an impersonated request could not be recorded: the page
// is not shown, and neither is anything of the customer's (no banner, no marker links).
func (a *App) auditUnavailable(c *gin.Context, cur queries.Impersonation, err error) {
	a.Log.Error("AUDIT WRITE FAILED: impersonated response withheld", "request_id", requestID(c),
		"impersonation_id", cur.ID, "path", audit.Truncate(c.Request.URL.Path, 200), "err", err)
	c.Set(keyImp, (*bannerData)(nil))
	c.Set(keyMarker, int64(0))
	c.Set(keyActingAs, int64(0))
	c.Header("Retry-After", "30")
	a.fail(c, &Error{Status: http.StatusServiceUnavailable, Title: "Not recorded, so not shown",
		Message: "This page could not be recorded in the impersonation audit trail (" + faultSentence(err) + "), so it is not shown. Nothing of the customer's account left the server. Try again in a minute; if it persists, the server's disk or database needs attention."})
}

// bannerData is what the ImpersonationBanner shows.
type bannerData struct {
	Imp          queries.Impersonation
	CustomerName string
	PublicID     string
	MinutesLeft  int64
}

// myImpersonation is the caller's own active impersonation as the console shows it, nil
// when there is none.
func (a *App) myImpersonation(c *gin.Context) *bannerData {
	cur, err := a.r.ActiveImpersonationOf(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		return nil
	}
	b, _ := a.banner(c, cur)
	return b
}

func (a *App) banner(c *gin.Context, imp queries.Impersonation) (*bannerData, error) {
	cust, err := a.r.GetImpersonatedCustomer(c.Request.Context(), imp.CustomerUserID)
	if err != nil {
		return nil, err
	}
	return &bannerData{Imp: imp, CustomerName: cust.Name, PublicID: cust.PublicID,
		MinutesLeft: max(0, (imp.ExpiresAt-a.now().Unix()+59)/60)}, nil
}

// expiresClock is when an impersonation ends, for the banner.
func expiresClock(unix int64) string { return time.Unix(unix, 0).In(displayZone).Format("15:04") }
