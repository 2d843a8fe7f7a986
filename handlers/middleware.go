package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/gin-gonic/gin"

	"chargedesk/access"
	"chargedesk/audit"
	"chargedesk/errs"
	"chargedesk/mfa"
	"chargedesk/queries"
)

// requestLog gives every request an id and writes one slog line when it is done.
func (a *App) requestLog(c *gin.Context) {
	start := time.Now()
	b := make([]byte, 8)
	rand.Read(b)
	id := hex.EncodeToString(b)
	c.Set(keyRequestID, id)
	c.Header("X-Request-Id", id)
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "(unmatched)"
	}
	metrics.GetOrCreateHistogram(`chargedesk_http_request_duration_seconds{route="` + route + `"}`).UpdateDuration(start)
	var uid, imp int64
	if u := currentUser(c); u != nil {
		uid = u.ID
	}
	if b := activeImpersonation(c); b != nil {
		imp = b.Imp.ID
	}
	a.Log.Info("request",
		"request_id", id,
		"method", c.Request.Method,
		"route", route,
		"path", audit.Truncate(c.Request.URL.Path, 200),
		"status", c.Writer.Status(),
		"duration_ms", float64(time.Since(start).Microseconds())/1000,
		"user_id", uid,
		"acting_as", actingAs(c),
		"impersonation_id", imp,
	)
}

// recover turns a panic into the generic internal-error answer.
func (a *App) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			a.fail(c, fmt.Errorf("panic: %v", v))
		}
	}()
	c.Next()
}

// polled reports a page's background poll: the approvals badge, and a waiting page asking
// whether its request was approved (?poll=1).
func polled(c *gin.Context) bool {
	return c.Request.URL.Path == "/admin/approvals/badge" || (c.Query("poll") == "1" && strings.HasPrefix(c.Request.URL.Path, "/admin/approvals/"))
}

// loadUser resolves the session cookie to the caller in one query (websession.Caller): the
// user, re-read from the database on every request so that a disabled account or a changed
// role takes effect at once, and their open impersonation, which customerSurface decides on.
func (a *App) loadUser(c *gin.Context) {
	lookup := a.web.Caller
	if polled(c) {
		lookup = a.web.Polled // a background poll is not the person at work
	}
	caller, err := lookup(c.Request, a.cookieName(c))
	if err != nil {
		a.fail(c, err)
		return
	}
	if caller == nil {
		return
	}
	if caller.UserID == 0 || caller.UserStatus != "active" {
		// The account is gone or disabled: the session dies with it, and so does any
		// impersonation it had open.
		if caller.ImpID != 0 {
			a.endImpersonation(c, callerImpersonation(caller), access.ViaAdminDisabled)
		}
		if derr := a.web.Revoke(c.Request.Context(), caller.SessionKey); derr != nil {
			a.logErr(c, "delete session of disabled user", derr)
		}
		return
	}
	if caller.SessionPending == 1 {
		c.Set(keyPending, caller) // the second step is due: nobody is signed in yet
		return
	}
	c.Set(keyUser, &queries.User{ID: caller.UserID, PublicID: caller.UserPublicID, Email: caller.UserEmail, Name: caller.UserName,
		Role: caller.UserRole, Status: caller.UserStatus, CreatedAt: caller.UserCreatedAt})
	c.Set(keyCaller, caller)
}

// callerImpersonation is the caller's open impersonation as an impersonations row.
func callerImpersonation(f *queries.GetCallerRow) queries.Impersonation {
	return queries.Impersonation{ID: f.ImpID, AdminUserID: f.UserID, CustomerUserID: f.ImpCustomerUserID, Ticket: f.ImpTicket,
		Reason: f.ImpReason, AllowChanges: f.ImpAllowChanges, AllowPayments: f.ImpAllowPayments, StartedAt: f.ImpStartedAt, ExpiresAt: f.ImpExpiresAt}
}

// requireUser sends anonymous visitors to the login page (401 for JSON clients).
func (a *App) requireUser(c *gin.Context) {
	if currentUser(c) != nil {
		return
	}
	if wantsJSON(c) {
		a.fail(c, &errs.Error{Code: errs.Unauthenticated, Message: "Log in first."})
		return
	}
	to := "/login"
	if (c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead) && c.Request.URL.RequestURI() != "/" {
		to += "?next=" + url.QueryEscape(c.Request.URL.RequestURI()) // back here after logging in
	}
	a.redirect(c, to)
	c.Abort()
}

// requireFactor keeps a signed-in session that owes a second factor to what settles it: an
// account with a factor whose session used none goes to /login/verify; a staff member without
// any factor, while the team requires them (--require-staff-mfa), goes to enrol one on
// /account/security and reaches nothing else — unless their trusted identity provider checked
// a second factor (factor sso).
func (a *App) requireFactor(c *gin.Context) {
	switch a.factorOwed(c) {
	case "verify":
		a.factorDue(c, "/login/verify", &errs.Error{Code: errs.Unauthenticated, Message: "Confirm it's you with your second factor first (/login/verify)."})
	case "enrol":
		a.factorDue(c, "/account/security", errForbidden("Your team requires a second factor for staff: add a passkey or an authenticator app on your Security page (/account/security) first."))
	}
}

// factorOwed says what the caller owes before the console opens: "verify" (a factor of
// theirs not used in this session), "enrol" (staff without one, under the policy), or "".
func (a *App) factorOwed(c *gin.Context) string {
	caller, u := callerRow(c), currentUser(c)
	switch {
	case caller == nil || u == nil:
		return ""
	case caller.UserHasFactor == 1 && caller.SessionFactor == "":
		return "verify"
	case caller.UserHasFactor == 0 && a.staffMFA && access.IsStaff(u.Role) && caller.SessionFactor != mfa.SSO:
		return "enrol"
	}
	return ""
}

func (a *App) factorDue(c *gin.Context, to string, e *errs.Error) {
	// A page's own fetch (htmx) gets the refusal, never a whole page to put in its place.
	if wantsJSON(c) || c.Request.Method != http.MethodGet || c.GetHeader("HX-Request") == "true" {
		a.fail(c, e)
		return
	}
	a.redirect(c, to)
	c.Abort()
}

// requireStaff lets staff (support and admins) into the console; anyone else gets 403 and a
// privilege_violation row, unless they only followed a link from another site.
func (a *App) requireStaff(c *gin.Context) {
	if access.IsStaff(currentUser(c).Role) {
		return
	}
	// A link from elsewhere (an email, another site) that a customer followed is not their
	// act: they are sent home, and nothing is recorded against them.
	if c.Request.Method == http.MethodGet && c.GetHeader("Sec-Fetch-Site") == "cross-site" && c.GetHeader("Sec-Fetch-Mode") == "navigate" {
		a.redirect(c, "/")
		c.Abort()
		return
	}
	a.privilegeViolation(c, "admin route")
	a.fail(c, errForbidden("This page is for ChargeDesk support staff only."))
}

// requireAdmin lets admins through to the admin-only routes (the admin tools, staff
// management, settings); support agents and anyone else get 403 and a privilege_violation
// row. The domain checks the role again inside each change's transaction.
func (a *App) requireAdmin(c *gin.Context) {
	if currentUser(c).Role == access.RoleAdmin {
		return
	}
	a.privilegeViolation(c, "admin-only route")
	a.fail(c, errForbidden("Only an admin can do this. Support agents can search, view and impersonate read-only."))
}

// privilegeViolation records an attempt to use a privilege the caller does not have. The
// first from a user and address in a minute is written at once; repeats in that minute are
// counted into one row (limits.Violations; maintenance writes it), so a flood cannot fill the
// disk and none is dropped.
func (a *App) privilegeViolation(c *gin.Context, what string) {
	var actor int64
	if u := currentUser(c); u != nil {
		actor = u.ID
	}
	e := audit.Entry{
		Tag: audit.TagPrivilegeViolation, Actor: actor, IP: c.ClientIP(), UserAgent: c.Request.UserAgent(),
		Metadata: map[string]any{"what": what, "method": c.Request.Method, "path": audit.Truncate(c.Request.URL.Path, 200)},
	}
	first, closed := a.limits.Violations.Note(e, a.now())
	if closed != nil {
		if _, err := a.trail.Log(c.Request.Context(), a.db, a.now(), closed.Summary()); err != nil {
			a.logErr(c, "AUDIT WRITE FAILED: aggregated privilege_violation", err)
		}
	}
	if !first {
		return
	}
	if _, err := a.trail.Log(c.Request.Context(), a.db, a.now(), e); err != nil {
		a.logErr(c, "AUDIT WRITE FAILED: privilege_violation", err)
	}
}

// redirect answers 303 See Other, or HX-Redirect for an HTMX request so the whole page moves.
func (a *App) redirect(c *gin.Context, to string) {
	if c.GetHeader("HX-Request") == "true" {
		c.Header("HX-Redirect", to)
		c.Status(http.StatusNoContent)
		return
	}
	c.Redirect(http.StatusSeeOther, to)
}
