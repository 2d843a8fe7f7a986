package handlers

// Step-up: the sensitive actions (starting an impersonation, approving one, every admin tool,
// staff, settings, the kill switch, a colleague's factors) need a second factor used within
// the step-up window (--step-up-window). Otherwise the action asks for one in place: a page
// that keeps everything the form carried and posts it again with a code or a passkey. The
// factor used and its age go into the action's audit rows (audit.WithFactor).

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"chargedesk/access"
	"chargedesk/audit"
	"chargedesk/errs"
	"chargedesk/format"
	"chargedesk/mfa"
)

// codeHeader carries a second factor's code for JSON clients (a form sends the field code).
const codeHeader = "X-Second-Factor-Code"

// stepUp lets a sensitive action through when the session used a factor within the window,
// or the request proves one now, or neither the policy nor the account has one (factor
// "none"); otherwise it asks for one (401) and nothing is done.
func (a *App) stepUp(c *gin.Context) {
	u, caller, now := currentUser(c), callerRow(c), a.now()
	if caller.SessionFactor != "" {
		if age := now.Sub(time.Unix(caller.SessionFactorAt, 0)); age >= 0 && age < a.stepUpFor {
			a.steppedUp(c, caller.SessionFactor, age)
			return
		}
	}
	if caller.UserHasFactor == 0 {
		if caller.SessionFactor == mfa.SSO {
			// The identity provider's factor, now too old: signing in there again renews it.
			a.askStepUp(c, http.StatusUnauthorized, "")
			return
		}
		if a.staffMFA && access.IsStaff(u.Role) {
			// requireFactor sends such a session to enrol first; this is the backstop.
			a.fail(c, errForbidden("Your team requires a second factor for staff. Add one on your Security page first."))
			return
		}
		a.steppedUp(c, mfa.None, 0)
		return
	}
	if c.PostForm("code") == "" && c.PostForm("passkey") == "" && c.GetHeader(codeHeader) == "" {
		a.askStepUp(c, http.StatusUnauthorized, "")
		return
	}
	used, err := a.proveFactor(c, *u, "step-up")
	if err != nil {
		e, ok := personal(err)
		if !ok {
			a.fail(c, err)
			return
		}
		st := status(e)
		if e.Code == errs.Invalid {
			st = http.StatusUnauthorized
		}
		a.askStepUp(c, st, e.Message)
		return
	}
	if err := a.web.SetFactor(c.Request.Context(), caller.SessionKey, used.Kind, now); err != nil {
		a.fail(c, err)
		return
	}
	rotated, err := a.web.Rotate(c.Writer, c.Request, a.cookieName(c), caller.SessionKey)
	if err != nil {
		a.fail(c, err)
		return
	}
	caller.SessionKey, caller.SessionFactor, caller.SessionFactorAt = rotated, used.Kind, now.Unix()
	a.steppedUp(c, used.Kind, 0)
}

// stepUpStaff is stepUp for a route anyone signed in may call but only staff may use (the
// impersonation start): others go on to the handler's refusal, which is audited.
func (a *App) stepUpStaff(c *gin.Context) {
	if access.IsStaff(currentUser(c).Role) {
		a.stepUp(c)
	}
}

// steppedUp lets the action run, its audit rows carrying the factor and its age.
func (a *App) steppedUp(c *gin.Context, kind string, age time.Duration) {
	c.Set(keyStepUp, kind)
	c.Request = c.Request.WithContext(audit.WithFactor(c.Request.Context(), audit.Factor{User: currentUser(c).ID, Kind: kind, Age: age}))
}

// stepUpDue reports whether a sensitive action now would ask for a factor first: forms show
// the code field and passkey button in place when it is.
func (a *App) stepUpDue(c *gin.Context) bool {
	caller := callerRow(c)
	if caller == nil || caller.UserHasFactor == 0 {
		return false
	}
	age := a.now().Sub(time.Unix(caller.SessionFactorAt, 0))
	return caller.SessionFactor == "" || age < 0 || age >= a.stepUpFor
}

// stepUpData is the page asking for a factor before an action: the action's address, and
// every field the form carried, posted again with the factor.
type stepUpData struct {
	Action   string
	Fields   []formField
	Window   string
	Passkeys bool
	Back     string // where Cancel goes
	// SSO: the account's only second factor is its identity provider's; signing in there
	// again renews it (the form is not kept).
	SSO bool
}

type formField struct{ Name, Value string }

// askStepUp answers a sensitive action that needs a factor first.
func (a *App) askStepUp(c *gin.Context, status int, problem string) {
	c.Abort()
	if wantsJSON(c) || c.Request.Method != http.MethodPost {
		if callerRow(c).UserHasFactor == 0 {
			c.JSON(status, gin.H{"error": fmt.Sprintf("This needs a second factor used in the last %s: sign in again with single sign-on (/login/sso?reauth=1).", format.Span(a.stepUpFor)), "step_up": true})
			return
		}
		msg := fmt.Sprintf("This needs a second factor used in the last %s: send the code from your authenticator app (or a recovery code) in the %s header, or the form field code.", format.Span(a.stepUpFor), codeHeader)
		if problem != "" {
			msg = problem
		}
		c.JSON(status, gin.H{"error": msg, "step_up": true})
		return
	}
	d := stepUpData{Action: c.Request.URL.RequestURI(), Window: format.Span(a.stepUpFor), Passkeys: a.hasPasskey(c, currentUser(c).ID),
		Back: homeFor(currentUser(c).Role), SSO: callerRow(c).UserHasFactor == 0 && a.sso != nil}
	keys := make([]string, 0, len(c.Request.PostForm))
	for k := range c.Request.PostForm {
		if k != "code" && k != "passkey" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range c.Request.PostForm[k] {
			d.Fields = append(d.Fields, formField{k, v})
		}
	}
	if u, err := url.Parse(d.Action); err != nil || u.Host != "" {
		d.Action = "/"
	}
	a.render(c, status, "step_up", &Page{Title: "Confirm it's you", Data: d, Problem: problem})
}
