package handlers

// Second factors on the Security page: add an authenticator app (TOTP, confirmed by a code)
// or a passkey, see them with their last use, remove them, and get new recovery codes. Adding
// one to an account that has one, removing one and new codes need a recent factor (step-up).

import (
	"context"
	"database/sql"
	"net/http"

	"github.com/gin-gonic/gin"

	"chargedesk/access"
	"chargedesk/errs"
	"chargedesk/format"
	"chargedesk/mfa"
	"chargedesk/queries"
	"chargedesk/staff"
	"chargedesk/users"
)

// securityData is what the Security page shows.
type securityData struct {
	Factors      []queries.UserFactor
	RecoveryLeft int64
	Enrolment    *mfa.Enrolment // an authenticator app waiting for its first code
	NewCodes     []string       // recovery codes, shown once
	Required     bool           // staff without a factor while the team requires one
	NotRequired  string         // why no factor is asked for ("demo"), for staff
	PasskeyHost  bool           // this host can use passkeys (a name, not an address)
	HasPasskey   bool
	StepUpDue    bool // adding or removing a factor asks for one first
	Window       string
	Sessions     []users.Session // where the account is signed in, this session first
	Emailed      bool            // changes here are emailed to the account (users.SecurityNotices)
}

func (a *App) securityPage(c *gin.Context, d securityData) (*Page, error) {
	u := currentUser(c)
	ctx := c.Request.Context()
	var err error
	if d.Factors, err = a.r.ListFactors(ctx, u.ID); err != nil {
		return nil, err
	}
	confirmed := d.Factors[:0:0]
	for _, f := range d.Factors {
		if f.ConfirmedAt.Valid {
			confirmed = append(confirmed, f)
			d.HasPasskey = d.HasPasskey || f.Kind == mfa.Passkey
		}
	}
	d.Factors = confirmed
	if d.RecoveryLeft, err = a.r.CountRecoveryCodes(ctx, u.ID); err != nil {
		return nil, err
	}
	staffer := access.IsStaff(u.Role)
	d.Required = staffer && a.staffMFA && len(confirmed) == 0
	if staffer && !a.staffMFA {
		d.NotRequired = a.noMFAReason
	}
	d.PasskeyHost = passkeyHost(c)
	d.HasPasskey = d.HasPasskey && d.PasskeyHost
	d.StepUpDue = len(confirmed) > 0 && a.stepUpDue(c)
	d.Window = format.Span(a.stepUpFor)
	d.Emailed = a.mail.Enabled()
	if d.Sessions, err = users.Sessions(ctx, a.r, u.ID, callerRow(c).SessionKey, a.now(), a.web.Idle); err != nil {
		return nil, err
	}
	return &Page{Title: "Security", Nav: "security", Data: d}, nil
}

func (a *App) showSecurityWith(c *gin.Context, status int, d securityData, problem, notice string) {
	p, err := a.securityPage(c, d)
	if err != nil {
		a.fail(c, err)
		return
	}
	p.Problem, p.Notice = problem, notice
	a.render(c, status, "account_security", p)
}

func (a *App) by(c *gin.Context) mfa.By {
	return mfa.By{Actor: currentUser(c).ID, IP: c.ClientIP(), UserAgent: c.Request.UserAgent(), Now: a.now()}
}

// stepUpToAdd is stepUp for adding a factor: the first one needs none (that is how one
// enrols); another needs a recent one, so a stolen session cannot add its own.
func (a *App) stepUpToAdd(c *gin.Context) {
	if callerRow(c).UserHasFactor == 1 {
		a.stepUp(c)
	}
}

// confirmFactor is POST /account/confirm: a step-up on its own (the Security page asks for
// it before showing the add and remove buttons), then back to the page.
func (a *App) confirmFactor(c *gin.Context) { a.redirect(c, "/account/security") }

// beginTOTP is POST /account/totp: a new secret, shown as a QR code and as text, waiting for
// its first code.
func (a *App) beginTOTP(c *gin.Context) {
	u := currentUser(c)
	var e mfa.Enrolment
	err := a.db.Tx(c.Request.Context(), func(tx *sql.Tx) (err error) {
		e, err = mfa.BeginTOTP(context.WithoutCancel(c.Request.Context()), tx, u.ID, u.Email, a.by(c))
		return err
	})
	if a.refused(c, err, func(status int, msg string) { a.showSecurityWith(c, status, securityData{}, msg, "") }) {
		return
	}
	a.showSecurityWith(c, http.StatusOK, securityData{Enrolment: &e}, "", "")
}

// confirmTOTP is POST /account/totp/confirm: factor_id and code. The factor counts from now,
// this session has used it, and the first factor brings ten recovery codes (shown once).
func (a *App) confirmTOTP(c *gin.Context) {
	u := currentUser(c)
	id, _ := parseID(c.PostForm("factor_id"))
	var codes []string
	err := a.db.Tx(c.Request.Context(), func(tx *sql.Tx) (err error) {
		codes, err = mfa.ConfirmTOTP(context.WithoutCancel(c.Request.Context()), tx, a.trail, u.ID, id, c.PostForm("code"), a.by(c))
		return err
	})
	if err != nil {
		if e, ok := errs.As(err); ok && e.Code == errs.Invalid {
			if pend, perr := mfa.Pending(c.Request.Context(), a.r, u.ID, id); perr == nil {
				a.showSecurityWith(c, http.StatusUnprocessableEntity, securityData{Enrolment: &pend}, e.Message, "")
				return
			}
		}
	}
	if a.refused(c, err, func(status int, msg string) { a.showSecurityWith(c, status, securityData{}, msg, "") }) {
		return
	}
	a.factorAdded(c, mfa.TOTP, codes, "Your authenticator app is added: sign-ins and sensitive actions ask for its code.")
}

// factorAdded marks this session as having just used the new factor and shows the page (with
// the recovery codes, once, when there are new ones).
func (a *App) factorAdded(c *gin.Context, kind string, codes []string, notice string) {
	caller := callerRow(c)
	if err := a.web.SetFactor(c.Request.Context(), caller.SessionKey, kind, a.now()); err != nil {
		a.fail(c, err)
		return
	}
	caller.SessionFactor, caller.SessionFactorAt, caller.UserHasFactor = kind, a.now().Unix(), 1
	if len(codes) > 0 {
		notice += " Save your recovery codes below now: they are shown only this once."
	}
	a.showSecurityWith(c, http.StatusOK, securityData{NewCodes: codes}, "", notice)
}

// addPasskey is POST /account/passkeys: name and passkey (the browser's answer to the
// challenge of /account/passkeys/options).
func (a *App) addPasskey(c *gin.Context) {
	u := currentUser(c)
	name, err := mfa.PasskeyName(c.PostForm("name"))
	if a.refused(c, err, func(status int, msg string) { a.showSecurityWith(c, status, securityData{}, msg, "") }) {
		return
	}
	full, err := a.r.GetUserForAuth(c.Request.Context(), u.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	cred, err := a.newPasskey(c, full, c.PostForm("passkey"))
	var codes []string
	if err == nil {
		err = a.db.Tx(c.Request.Context(), func(tx *sql.Tx) error {
			ctx := context.WithoutCancel(c.Request.Context())
			if _, err := mfa.AddPasskey(ctx, tx, a.trail, u.ID, name, cred, a.by(c)); err != nil {
				return err
			}
			if left, err := queries.New(tx).CountRecoveryCodes(ctx, u.ID); err != nil || left > 0 {
				return err
			}
			codes, err = mfa.NewRecoveryCodes(ctx, tx, a.trail, u.ID, a.by(c))
			return err
		})
	}
	if a.refused(c, err, func(status int, msg string) { a.showSecurityWith(c, status, securityData{}, msg, "") }) {
		return
	}
	a.factorAdded(c, mfa.Passkey, codes, "Your passkey “"+name+"” is added.")
}

// removeFactor is POST /account/factors/:id/delete (after step-up). Removing the last one
// also drops the recovery codes and signs out every other session.
func (a *App) removeFactor(c *gin.Context) {
	u, caller := currentUser(c), callerRow(c)
	id, _ := pathID(c)
	var last bool
	err := a.db.Tx(c.Request.Context(), func(tx *sql.Tx) (err error) {
		last, _, err = mfa.Remove(context.WithoutCancel(c.Request.Context()), tx, a.trail, u.ID, id, caller.SessionKey, a.by(c))
		return err
	})
	if a.refused(c, err, func(status int, msg string) { a.showSecurityWith(c, status, securityData{}, msg, "") }) {
		return
	}
	done := "removed"
	if last {
		done = "removed-last"
	}
	a.redirect(c, "/account/security?done="+done)
}

// newRecoveryCodes is POST /account/recovery-codes (after step-up): ten new codes, the old
// ones stop working.
func (a *App) newRecoveryCodes(c *gin.Context) {
	u := currentUser(c)
	var codes []string
	err := a.db.Tx(c.Request.Context(), func(tx *sql.Tx) (err error) {
		codes, err = mfa.NewRecoveryCodes(context.WithoutCancel(c.Request.Context()), tx, a.trail, u.ID, a.by(c))
		return err
	})
	if a.refused(c, err, nil) {
		return
	}
	a.showSecurityWith(c, http.StatusOK, securityData{NewCodes: codes}, "", "New recovery codes: the old ones no longer work. Save these now: they are shown only this once.")
}

// resetFactors is POST /admin/staff/:id/factors/reset: reason. An admin (after step-up)
// removes a colleague's factors and recovery codes and signs them out everywhere.
func (a *App) resetFactors(c *gin.Context) {
	id, _ := pathID(c)
	err := a.db.Tx(c.Request.Context(), func(tx *sql.Tx) error {
		return staff.ResetFactors(context.WithoutCancel(c.Request.Context()), tx, a.staffChange(c), id, c.PostForm("reason"))
	})
	if !a.changeRefused(c, err, nil) {
		a.redirect(c, "/admin/staff?done=mfa-reset")
	}
}
