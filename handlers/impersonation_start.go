package handlers

// Starting an impersonation: POST /api/customer/impersonation/start, its form or JSON input,
// and its answers (refused, already impersonating, waiting for a second staff member).

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"chargedesk/access"
	"chargedesk/errs"
	"chargedesk/impersonation"
	"chargedesk/text"
)

// startInput is the start request, from a form or a JSON body.
type startInput struct {
	CustomerUserID string
	Ticket, Reason string
	AllowChanges   bool
	AllowPayments  bool   // the ticket authorizes changing payment methods (admins, with changes)
	Page           string // the customer page to land on (a ticket's deep link), checked by customerPage
}

// splitTicket reads "SUP-1234: what I am checking" typed in the ticket field alone as the
// ticket and the reason, so that a start takes one field.
func (in *startInput) splitTicket() {
	if strings.TrimSpace(in.Reason) != "" {
		return
	}
	if t, r, ok := strings.Cut(in.Ticket, ":"); ok && strings.TrimSpace(t) != "" && strings.TrimSpace(r) != "" {
		in.Ticket, in.Reason = strings.TrimSpace(t), strings.TrimSpace(r)
	}
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
		in.Page = str("page")
		in.splitTicket()
		return in, nil
	}
	in.CustomerUserID = c.PostForm("customer_user_id")
	in.Ticket, in.Reason = c.PostForm("ticket"), c.PostForm("reason")
	in.AllowChanges = truthy(c.PostForm("allow_changes"))
	in.AllowPayments = truthy(c.PostForm("allow_payments"))
	in.Page = c.PostForm("page")
	in.splitTicket()
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
		TTL: a.impTTL, IP: c.ClientIP(), UserAgent: c.Request.UserAgent(), Asked: asked(c), Notify: a.notify(c),
	}, a.now())
	e, coded := errs.As(err)
	var need *impersonation.ApprovalNeeded
	switch {
	case errors.As(err, &need):
		a.awaitingApproval(c, need, in)
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
		c.JSON(http.StatusCreated, gin.H{"impersonation_id": imp.ID, "redirect": customerURL(target, a.landing(in.Page))})
	default:
		a.redirect(c, customerURL(target, a.landing(in.Page)))
	}
}

// landing is where a started impersonation opens: the page asked for when it is a customer
// page, the home page otherwise.
func (a *App) landing(page string) string {
	if p, ok := a.customerPage(page); ok && page != "" {
		return p
	}
	return "/"
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
	form := map[string]string{"ticket": in.Ticket, "reason": in.Reason, "page": in.Page}
	if in.AllowChanges {
		form["allow_changes"] = "on"
	}
	if in.AllowPayments {
		form["allow_payments"] = "on"
	}
	if !utf8.ValidString(in.Ticket + in.Reason + in.Page) {
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

// awaitingApproval answers a start on a protected customer that waits for a second staff
// member: JSON clients get 202; a browser goes to the request's waiting page, which turns
// into "Approved by … — Start now" by itself.
func (a *App) awaitingApproval(c *gin.Context, need *impersonation.ApprovalNeeded, in startInput) {
	if wantsJSON(c) {
		c.JSON(http.StatusAccepted, gin.H{"approval_id": need.ApprovalID, "status": "waiting for a second staff member's approval"})
		return
	}
	page, _ := a.customerPage(in.Page)
	a.redirect(c, approvalURL(need.ApprovalID, page)) // its own page: a reload asks nothing again
}
