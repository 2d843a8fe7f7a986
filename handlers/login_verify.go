package handlers

// The second step of signing in (GET/POST /login/verify): after a right password, an account
// with a second factor proves it with a passkey or a code (TOTP or recovery) before it gets a
// session. Until then its session is pending: it signs no one in (loadUser).

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chargedesk/audit"
	"chargedesk/errs"
	"chargedesk/mfa"
	"chargedesk/queries"
	"chargedesk/websession"
)

// pendingFor is how long the second step may take after the password.
const pendingFor = 10 * time.Minute

// nextKey is the session value keeping where the browser goes once signed in.
const nextKey = "next"

// secondStep keeps u's right password in a pending session and sends the browser to
// /login/verify.
func (a *App) secondStep(c *gin.Context, u queries.User, next string) {
	sess, ok := a.freshSession(c)
	if !ok {
		return
	}
	sess.Options.MaxAge = int(pendingFor / time.Second)
	sess.Values[websession.UserIDKey] = u.ID
	sess.Values[websession.PendingKey] = true
	sess.Values[nextKey] = safeNext(next)
	if err := sess.Save(c.Request, c.Writer); err != nil {
		a.fail(c, err)
		return
	}
	a.redirect(c, "/login/verify")
}

// owesFactor is the session at the second step: a pending one, or a signed-in one of an
// account with a factor that this session never used (it was added elsewhere since).
func (a *App) owesFactor(c *gin.Context) *queries.GetCallerRow {
	if p := pendingCaller(c); p != nil {
		return p
	}
	if r := callerRow(c); r != nil && r.UserHasFactor == 1 && r.SessionFactor == "" {
		return r
	}
	return nil
}

// verifyData is what the second step's page shows.
type verifyData struct {
	Email    string
	Passkeys bool // the account has a passkey and this host can use it
	Recovery bool // after a recovery code: the warning on the next page
}

// loginVerifyPage is GET /login/verify.
func (a *App) loginVerifyPage(c *gin.Context) {
	p := a.owesFactor(c)
	if p == nil {
		a.redirect(c, "/login")
		return
	}
	a.showVerify(c, http.StatusOK, p, "")
}

func (a *App) showVerify(c *gin.Context, status int, p *queries.GetCallerRow, problem string) {
	d := verifyData{Email: p.UserEmail, Passkeys: a.hasPasskey(c, p.UserID)}
	if wantsJSON(c) && problem != "" {
		c.JSON(status, gin.H{"error": problem})
		return
	}
	a.render(c, status, "login_verify", &Page{Title: "Confirm it's you", Data: d, Problem: problem})
}

// loginVerify is POST /login/verify: the form's code (TOTP or recovery code) or passkey (the
// browser's answer, JSON). A wrong one counts against the login limits and is recorded as
// login.failure; a right one signs in with a fresh session naming the factor.
func (a *App) loginVerify(c *gin.Context) {
	p := a.owesFactor(c)
	if p == nil {
		a.fail(c, &errs.Error{Code: errs.Unauthenticated, Message: "Your sign-in expired or was not started. Log in again with your email and password."})
		return
	}
	u, err := a.r.GetUserForAuth(c.Request.Context(), p.UserID)
	if err != nil {
		a.fail(c, err)
		return
	}
	used, err := a.proveFactor(c, u, "second factor")
	if err != nil {
		if e, ok := personal(err); ok {
			st := status(e)
			if e.Code == errs.Invalid {
				st = http.StatusUnauthorized // like a wrong password
			}
			a.showVerify(c, st, p, e.Message)
			return
		}
		a.fail(c, err)
		return
	}
	next := ""
	if sess, err := a.web.Get(c.Request, a.cookieName(c)); err == nil {
		next, _ = sess.Values[nextKey].(string)
	}
	if used.Kind == mfa.Recovery {
		next = "/account/security?done=recovery-used&left=" + itoa(used.Remaining)
	}
	a.signIn(c, u, audit.Entry{IP: c.ClientIP(), UserAgent: c.Request.UserAgent(), Metadata: map[string]any{"email": strings.ToLower(u.Email)}}, used.Kind, next)
}

// proveFactor checks the second factor the form carries for u — a passkey answer (field
// passkey) or a code (field code) — in one transaction. Guesses count against the login
// limits (per address and per account, like passwords); a wrong or replayed one is recorded
// as login.failure naming step.
func (a *App) proveFactor(c *gin.Context, u queries.User, step string) (mfa.Used, error) {
	code, raw := strings.TrimSpace(cmp.Or(c.PostForm("code"), c.GetHeader(codeHeader))), c.PostForm("passkey")
	if code == "" && raw == "" {
		return mfa.Used{}, errs.Invalidf("Enter the 6-digit code from your authenticator app, or one of your recovery codes, or use your passkey.")
	}
	undo, wait, _ := a.limits.Logins.Take(c.ClientIP(), strings.ToLower(u.Email), a.now())
	if undo == nil {
		secs := retryAfter(c, wait)
		return mfa.Used{}, &errs.Error{Code: errs.TooMany, Message: fmt.Sprintf("Too many wrong codes for this account. Wait %d seconds and try again.", secs)}
	}
	var answer *passkeyAnswer
	if raw != "" {
		var err error
		if answer, err = a.readPasskey(c, raw); err != nil {
			return mfa.Used{}, a.factorFailed(c, u, step, err)
		}
	}
	by := mfa.By{Actor: u.ID, IP: c.ClientIP(), UserAgent: c.Request.UserAgent(), Now: a.now()}
	var used mfa.Used
	ctx := context.WithoutCancel(c.Request.Context())
	err := a.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if answer != nil {
			used, err = answer.use(ctx, tx, u, by.Now)
		} else {
			used, err = mfa.Verify(ctx, tx, a.trail, u.ID, code, by)
		}
		return err
	})
	if err != nil {
		return used, a.factorFailed(c, u, step, err)
	}
	undo() // a right factor does not count against the limits
	return used, nil
}

// factorFailed records a refused factor (login.failure with the step) and returns err.
func (a *App) factorFailed(c *gin.Context, u queries.User, step string, err error) error {
	if _, ok := personal(err); !ok {
		return err
	}
	if _, lerr := a.trail.Log(c.Request.Context(), a.db, a.now(), audit.Entry{Tag: audit.TagLoginFailure, Actor: u.ID, Target: u.ID,
		IP: c.ClientIP(), UserAgent: c.Request.UserAgent(),
		Metadata: map[string]any{"email": strings.ToLower(u.Email), "step": step, "why": cmp.Or(failureWhy(err), "wrong code")}}); lerr != nil {
		return lerr
	}
	return err
}

func failureWhy(err error) string {
	switch {
	case err == mfa.ErrReplayed:
		return "code used already"
	case err == errPasskey:
		return "passkey refused"
	}
	return ""
}
