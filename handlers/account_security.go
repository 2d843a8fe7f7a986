package handlers

// The signed-in person's own sign-in security (GET /account/security): changing their
// password, which signs out every other session of the account.

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
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
