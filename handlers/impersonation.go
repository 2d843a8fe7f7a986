package handlers

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"chargedesk/access"
	"chargedesk/errs"
	"chargedesk/impersonation"
	"chargedesk/queries"
	"chargedesk/text"
)

// startInput is the start request, from a form or a JSON body.
type startInput struct {
	CustomerUserID string
	Ticket, Reason string
	AllowChanges   bool
	AllowPayments  bool // the ticket authorizes changing payment methods (admins, with changes)
}

func readStartInput(c *gin.Context) (startInput, error) {
	var in startInput
	if strings.HasPrefix(c.ContentType(), "application/json") {
		var body map[string]any
		dec := json.NewDecoder(c.Request.Body)
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return in, tooLarge()
			}
			return in, errBadRequest("The request body is not valid JSON.")
		}
		str := func(k string) string {
			switch v := body[k].(type) {
			case string:
				return v
			case json.Number:
				return v.String()
			}
			return ""
		}
		in.CustomerUserID, in.Ticket, in.Reason = str("customer_user_id"), str("ticket"), str("reason")
		flag := func(k string) bool {
			switch v := body[k].(type) {
			case bool:
				return v
			case string:
				return truthy(v)
			}
			return false
		}
		in.AllowChanges, in.AllowPayments = flag("allow_changes"), flag("allow_payments")
		return in, nil
	}
	in.CustomerUserID = c.PostForm("customer_user_id")
	in.Ticket, in.Reason = c.PostForm("ticket"), c.PostForm("reason")
	in.AllowChanges = truthy(c.PostForm("allow_changes"))
	in.AllowPayments = truthy(c.PostForm("allow_payments"))
	return in, nil
}

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "on", "yes":
		return true
	}
	return false
}

// reasonField is every admin tool's reason, like the start form's.
var reasonField = impersonation.ReasonField

// validText checks one field; its error is the 422 the form shows.
func validText(f text.Field, s string) (string, *errs.Error) {
	v, err := f.Check(s)
	if err != nil {
		return "", errInvalid(err.(*errs.Error).Message)
	}
	return v, nil
}

// startRoute is the start's route, as the impersonation timeline tells it apart.
const startRoute = "/api/customer/impersonation/start"

// asked is request c as an impersonation's start or extension records it: answered 303
// (or 201 with JSON) when it succeeds.
func asked(c *gin.Context) impersonation.Asked {
	return impersonation.Asked{Method: c.Request.Method, Route: c.FullPath(), Status: http.StatusSeeOther}
}

// startImpersonation is POST /api/customer/impersonation/start.
func (a *App) startImpersonation(c *gin.Context) {
	u := currentUser(c)
	if !access.IsStaff(u.Role) {
		a.privilegeViolation(c, "impersonation start")
		a.fail(c, errForbidden("Only ChargeDesk support staff (role admin) can impersonate a customer. This attempt was logged."))
		return
	}
	in, err := readStartInput(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	target, ok := parseID(strings.TrimSpace(in.CustomerUserID))
	if !ok {
		a.startProblem(c, 0, errInvalid("Say which customer to impersonate: customer_user_id must be a user id."), in)
		return
	}
	imp, err := impersonation.Start(c.Request.Context(), a.db, a.trail, impersonation.Request{
		Admin: u.ID, Customer: target, Ticket: in.Ticket, Reason: in.Reason, AllowChanges: in.AllowChanges, AllowPayments: in.AllowPayments,
		TTL: a.impTTL, IP: c.ClientIP(), UserAgent: c.Request.UserAgent(), Asked: asked(c),
	}, a.now())
	e, coded := errs.As(err)
	var need *impersonation.ApprovalNeeded
	switch {
	case errors.As(err, &need):
		a.awaitingApproval(c, need, target, in)
	case errors.Is(err, impersonation.ErrAlreadyActive):
		a.alreadyImpersonating(c)
	case coded && e.Code == errs.Invalid:
		a.startProblem(c, target, errInvalid(e.Message), in)
	case coded:
		a.fail(c, err)
	case err != nil:
		a.Log.Error("impersonation start refused: it could not be recorded", "request_id", requestID(c), "err", err)
		c.Header("Retry-After", "30")
		a.fail(c, &errs.Error{Code: errs.Unavailable, Message: "The impersonation could not be recorded in the audit log (" + faultSentence(err) + "), so it was not started. Try again in a moment.", Err: err})
	case wantsJSON(c):
		c.JSON(http.StatusCreated, gin.H{"impersonation_id": imp.ID, "redirect": customerURL(target, "/")})
	default:
		a.redirect(c, customerURL(target, "/"))
	}
}

// startProblem answers a refused start: JSON clients get the error; the admin's form is shown
// again with the message.
func (a *App) startProblem(c *gin.Context, target int64, e *errs.Error, in startInput) {
	if wantsJSON(c) || target == 0 {
		a.fail(c, e)
		return
	}
	if _, err := a.r.GetCustomerForAdmin(c.Request.Context(), target); err != nil {
		a.fail(c, e) // not a customer's page to go back to (an admin, yourself, nobody)
		return
	}
	form := map[string]string{"ticket": in.Ticket, "reason": in.Reason}
	if in.AllowChanges {
		form["allow_changes"] = "on"
	}
	if in.AllowPayments {
		form["allow_payments"] = "on"
	}
	if !utf8.ValidString(in.Ticket + in.Reason) {
		form = map[string]string{}
	}
	a.showImpersonateForm(c, target, status(e), e.Message, form)
}

// alreadyImpersonating answers 409 with the way out: the current impersonation and its Exit.
func (a *App) alreadyImpersonating(c *gin.Context) {
	const msg = "Already impersonating; end the current session first."
	if wantsJSON(c) {
		c.JSON(http.StatusConflict, gin.H{"error": msg})
		return
	}
	a.render(c, http.StatusConflict, "already_impersonating", &Page{Title: "Already impersonating", Data: a.myImpersonation(c), Problem: msg})
}

// endImpersonationRoute is POST /api/customer/impersonation/end: it ends the caller's own
// active impersonation, if any, and answers success (idempotent) — unless the end itself could
// not be committed, which it says (503) instead of pretending.
func (a *App) endImpersonationRoute(c *gin.Context) {
	u := currentUser(c)
	ended := false
	if cur, err := a.r.ActiveImpersonationOf(c.Request.Context(), u.ID); err == nil {
		if ended, err = a.endImpersonation(c, cur, impersonation.ViaExit); err != nil {
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
		Admin: u.ID, Step: a.impTTL, Max: a.impMax, Idle: a.impIdle, IP: c.ClientIP(), UserAgent: c.Request.UserAgent(), Asked: asked(c),
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

type approvalData struct {
	Customer queries.GetCustomerForAdminRow
	Created  bool
	Ticket   string
	Reason   string
	Allow    bool
}

// awaitingApproval answers a start on a protected customer that waits for a second staff
// member (202): what was asked, and a Start button to press again once it is approved.
func (a *App) awaitingApproval(c *gin.Context, need *impersonation.ApprovalNeeded, target int64, in startInput) {
	if wantsJSON(c) {
		c.JSON(http.StatusAccepted, gin.H{"approval_id": need.ApprovalID, "status": "waiting for a second staff member's approval"})
		return
	}
	cust, err := a.r.GetCustomerForAdmin(c.Request.Context(), target)
	if !a.found(c, err, "This customer") {
		return
	}
	a.render(c, http.StatusAccepted, "approval_pending", &Page{Title: "Waiting for approval", Nav: "customers",
		Data: approvalData{Customer: cust, Created: need.Created, Ticket: in.Ticket, Reason: in.Reason, Allow: in.AllowChanges}})
}

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
