package handlers

// Single sign-on for staff (OpenID Connect, package sso): GET /login/sso leaves for the
// identity provider with state, nonce and PKCE kept in an encrypted cookie; the provider sends
// the browser back to GET /login/sso/callback, where the answer is checked and matched by its
// verified email to an existing, active staff account. The provider's second factor counts
// when the team trusts it (--oidc-trust-mfa); otherwise an account with a factor still takes
// the second step. Every refusal is a sentence on the login page and a login.failure row.

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"chargedesk/access"
	"chargedesk/audit"
	"chargedesk/errs"
	"chargedesk/mfa"
	"chargedesk/sso"
)

const (
	ssoCookie   = "chargedesk_sso"
	ssoPath     = "/login/sso"
	ssoCallback = "/login/sso/callback"
)

// ssoFlow is what the browser keeps during a trip to the provider.
type ssoFlow struct {
	sso.Flow
	Next string
}

// ssoStart is GET /login/sso.
func (a *App) ssoStart(c *gin.Context) {
	if a.sso == nil {
		a.fail(c, errNotFound("Single sign-on (it is not set up on this server; ask your admin about --oidc-issuer)"))
		return
	}
	to, flow, err := a.sso.Begin(c.Request.Context(), a.origin(c)+ssoCallback, c.Query("reauth") != "")
	if err != nil {
		a.fail(c, err)
		return
	}
	if err := a.web.SetFlowCookie(c.Writer, c.Request, ssoCookie, ssoPath, ssoFlow{Flow: flow, Next: safeNext(c.Query("next"))}); err != nil {
		a.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, to)
}

// ssoFinish is GET /login/sso/callback?state=…&code=… (or ?error=… when the provider
// refused).
func (a *App) ssoFinish(c *gin.Context) {
	if a.sso == nil {
		a.fail(c, errNotFound("Single sign-on (it is not set up on this server)"))
		return
	}
	var flow ssoFlow
	kept := a.web.TakeFlowCookie(c.Writer, c.Request, ssoCookie, ssoPath, &flow)
	entry := audit.Entry{Tag: audit.TagLoginFailure, IP: c.ClientIP(), UserAgent: c.Request.UserAgent(),
		Metadata: map[string]any{"via": "sso", "issuer": a.sso.Issuer()}}
	refuse := func(status int, why, msg string) {
		entry.Metadata["why"] = why
		if _, err := a.trail.Log(c.Request.Context(), a.db, a.now(), entry); err != nil {
			a.fail(c, err)
			return
		}
		a.loginProblem(c, status, "", msg)
	}
	if e := c.Query("error"); e != "" {
		refuse(http.StatusUnauthorized, "provider error: "+audit.Truncate(e+" "+c.Query("error_description"), 200),
			"The identity provider did not sign you in ("+audit.Truncate(e, 60)+"). Try again, or ask your admin.")
		return
	}
	if !kept {
		refuse(http.StatusBadRequest, "no flow cookie", "This sign-in expired or did not start here (single sign-on must finish within 10 minutes, in the same browser). Start again.")
		return
	}
	id, err := a.sso.Finish(c.Request.Context(), flow.Flow, c.Query("state"), c.Query("code"))
	if err != nil {
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Unauthenticated {
			a.fail(c, err)
			return
		}
		refuse(http.StatusUnauthorized, e.Err.Error(), e.Message)
		return
	}
	entry.Metadata["email"], entry.Metadata["subject"], entry.Metadata["amr"] = strings.ToLower(id.Email), id.Subject, id.Methods
	u, err := a.r.GetUserByEmailForAuth(c.Request.Context(), id.Email)
	if err != nil || !access.IsStaff(u.Role) || u.Status != access.StatusActive {
		// No account is made by single sign-on; customers sign in with their password.
		refuse(http.StatusForbidden, "no active staff account", "No active ChargeDesk staff account has the email "+id.Email+". An admin adds staff on the Staff page.")
		return
	}
	entry.Actor, entry.Target = u.ID, u.ID
	if id.MFA {
		a.signIn(c, u, audit.Entry{IP: entry.IP, UserAgent: entry.UserAgent, Metadata: entry.Metadata}, mfa.SSO, flow.Next)
		return
	}
	n, err := a.r.CountFactors(c.Request.Context(), u.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	if n > 0 {
		a.secondStep(c, u, flow.Next) // the provider's word alone is one factor
		return
	}
	a.signIn(c, u, audit.Entry{IP: entry.IP, UserAgent: entry.UserAgent, Metadata: entry.Metadata}, "", flow.Next)
}
