package handlers

// The signed-in person's own sign-in security (GET /account/security): changing their
// password, which signs out every other session of the account, and the account's sessions
// (where it is signed in), each of which they can sign out.

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"chargedesk/queries"
	"chargedesk/users"
)

// accountSecurity is GET /account/security, for anyone signed in.
func (a *App) accountSecurity(c *gin.Context) {
	notice := map[string]string{
		"password":      "Your password is changed. Every other session of your account is signed out.",
		"removed":       "The second factor is removed.",
		"removed-last":  "Your last second factor is removed, with your recovery codes; every other session of your account is signed out.",
		"session-ended": "That session is signed out: the browser that held it has to sign in again.",
		"others-ended":  "Every other session of your account is signed out (" + c.Query("n") + "); this one stays signed in.",
		"recovery-used": "You signed in with a recovery code, which now no longer works (" + c.Query("left") + " left). If your phone or passkey is lost, add a new factor and get new recovery codes.",
	}[c.Query("done")]
	a.showSecurity(c, http.StatusOK, "", notice)
}

func (a *App) showSecurity(c *gin.Context, status int, problem, notice string) {
	a.showSecurityWith(c, status, securityData{}, problem, notice)
}

// changePassword is POST /account/password: current_password, new_password. A wrong current
// password counts as a guess against the login limits (the form is a password oracle
// otherwise); a change gives its guess back.
func (a *App) changePassword(c *gin.Context) {
	u := currentUser(c)
	undo, wait, _ := a.limits.Logins.Take(c.ClientIP(), strings.ToLower(u.Email), a.now())
	if undo == nil {
		secs := retryAfter(c, wait)
		a.showSecurity(c, http.StatusTooManyRequests, fmt.Sprintf("Too many attempts with a wrong password. Wait %d seconds and try again; nothing was changed.", secs), "")
		return
	}
	caller := c.MustGet(keyCaller).(*queries.GetCallerRow)
	err := a.db.Tx(c.Request.Context(), func(tx *sql.Tx) error {
		_, err := users.ChangePassword(context.WithoutCancel(c.Request.Context()), tx, a.trail, users.PasswordChange{
			User: u.ID, Current: c.PostForm("current_password"), New: c.PostForm("new_password"), KeepSession: caller.SessionKey,
			IP: c.ClientIP(), UserAgent: c.Request.UserAgent(), Now: a.now()})
		return err
	})
	if a.refused(c, err, func(status int, msg string) { a.showSecurity(c, status, msg, "") }) {
		return
	}
	undo()
	a.redirect(c, "/account/security?done=password")
}

// endSession is POST /account/sessions/end: session (a handle from the page's list). It signs
// that session out; the one asking is refused (that is Sign out).
func (a *App) endSession(c *gin.Context) {
	a.endSessions(c, users.SessionEnd{Handle: c.PostForm("session")})
}

// endOtherSessions is POST /account/sessions/end-others: every session of the account but
// this one is signed out.
func (a *App) endOtherSessions(c *gin.Context) { a.endSessions(c, users.SessionEnd{Others: true}) }

func (a *App) endSessions(c *gin.Context, e users.SessionEnd) {
	e.User, e.Current, e.IP, e.UserAgent, e.Now = currentUser(c).ID, callerRow(c).SessionKey, c.ClientIP(), c.Request.UserAgent(), a.now()
	var ended int64
	err := a.db.Tx(c.Request.Context(), func(tx *sql.Tx) (err error) {
		ended, err = users.EndSessions(context.WithoutCancel(c.Request.Context()), tx, a.trail, e)
		return err
	})
	if a.refused(c, err, func(status int, msg string) { a.showSecurity(c, status, msg, "") }) {
		return
	}
	if !e.Others {
		a.redirect(c, "/account/security?done=session-ended#sessions")
		return
	}
	a.redirect(c, "/account/security?done=others-ended&n="+strconv.FormatInt(ended, 10)+"#sessions")
}
