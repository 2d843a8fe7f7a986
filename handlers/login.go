package handlers

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/sessions"
	"golang.org/x/crypto/bcrypt"

	"chargedesk/access"
	"chargedesk/audit"
	"chargedesk/errs"
	"chargedesk/mfa"
	"chargedesk/queries"
	"chargedesk/users"
	"chargedesk/websession"
)

// dummyHash is compared against when the email is unknown, so that an unknown email and a
// wrong password take the same time and get the same answer.
// Made on first use, at the cost of every real hash.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("chargedesk-no-such-user"), users.HashCost)
	return h
})

func (a *App) loginPage(c *gin.Context) {
	if u := currentUser(c); u != nil {
		a.redirect(c, homeFor(u.Role))
		return
	}
	a.render(c, http.StatusOK, "login", &Page{Title: "Log in", Form: map[string]string{"next": safeNext(c.Query("next"))}, Data: a.sso != nil})
}

// safeNext is where a login may send the browser on: a path of this site ("/admin/audit?…"),
// never another site ("//evil.example", "https://…", "/\\evil"), else "".
func safeNext(s string) string {
	if len(s) > 2000 || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") || strings.ContainsAny(s, "\\\r\n\t") {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return s
}

// landing is where u goes after logging in: next when it is theirs to see (support pages for
// support, customer pages for customers), else their home.
func landing(role, next string) string {
	next = safeNext(next)
	admin := next == "/admin" || strings.HasPrefix(next, "/admin/") || strings.HasPrefix(next, "/admin?")
	if strings.HasPrefix(next, "/account/") {
		return next // everyone's own pages
	}
	if next == "" || next == "/login" || strings.HasPrefix(next, "/login?") || admin != access.IsStaff(role) {
		return homeFor(role)
	}
	return next
}

// homeFor is where a role lands after login.
func homeFor(role string) string {
	if access.IsStaff(role) {
		return "/admin"
	}
	return "/"
}

func (a *App) loginProblem(c *gin.Context, status int, email, msg string) {
	if wantsJSON(c) {
		c.JSON(status, gin.H{"error": msg})
		return
	}
	a.render(c, status, "login", &Page{Title: "Log in", Form: map[string]string{"email": email, "next": safeNext(c.PostForm("next"))}, Problem: msg, Data: a.sso != nil})
}

// login is POST /login: limits first (counted before the password is compared), then one
// answer for an unknown email, a wrong password and a disabled account.
func (a *App) login(c *gin.Context) {
	email, password, problem := loginForm(c)
	if problem != nil {
		a.loginProblem(c, status(problem), email, problem.Message)
		return
	}
	undo, wait, perAccount := a.limits.Logins.Take(c.ClientIP(), strings.ToLower(email), a.now())
	if undo == nil {
		secs := retryAfter(c, wait)
		msg := fmt.Sprintf("Too many failed attempts for this email from your network. Wait %d seconds and try again.", secs)
		if perAccount {
			msg = fmt.Sprintf("Too many failed attempts for this account: logins to it are slowed down. Wait %d seconds and try again.", secs)
		}
		a.loginProblem(c, http.StatusTooManyRequests, email, msg)
		return
	}
	u, found, ok, err := a.checkPassword(c, email, password)
	if err != nil {
		a.fail(c, err)
		return
	}
	if ok && a.noStaffPass && access.IsStaff(u.Role) {
		undo()
		if _, err := a.trail.Log(c.Request.Context(), a.db, a.now(), audit.Entry{Tag: audit.TagLoginFailure, Actor: u.ID, Target: u.ID,
			IP: c.ClientIP(), UserAgent: c.Request.UserAgent(), Metadata: map[string]any{"email": strings.ToLower(email), "why": "staff password login is off"}}); err != nil {
			a.fail(c, err)
			return
		}
		a.loginProblem(c, http.StatusForbidden, email, "Staff sign in with single sign-on here: use “Sign in with your company account”.")
		return
	}
	entry := audit.Entry{IP: c.ClientIP(), UserAgent: c.Request.UserAgent(), Metadata: map[string]any{"email": strings.ToLower(email)}}
	if !ok {
		entry.Tag = audit.TagLoginFailure
		if found {
			entry.Target = u.ID
		}
		if _, err := a.trail.Log(c.Request.Context(), a.db, a.now(), entry); err != nil {
			a.fail(c, err)
			return
		}
		a.loginProblem(c, http.StatusUnauthorized, email, "That email and password do not match an account.")
		return
	}
	undo() // a success does not count against the limits
	n, err := a.r.CountFactors(c.Request.Context(), u.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	if n > 0 {
		a.secondStep(c, u, c.PostForm("next"))
		return
	}
	a.signIn(c, u, entry, "", c.PostForm("next"))
}

// loginForm reads and checks the login form; problem is the answer to a bad one.
func loginForm(c *gin.Context) (email, password string, problem *errs.Error) {
	email, password = strings.TrimSpace(c.PostForm("email")), c.PostForm("password")
	switch {
	case !utf8.ValidString(email) || !utf8.ValidString(password):
		return "", "", errBadRequest("Email and password must be plain text.")
	case email == "" || password == "":
		return email, "", errInvalid("Enter your email and your password.")
	case len(email) > 254:
		return "", "", errInvalid("That email address is too long (254 characters at most).")
	case len(password) > 1024:
		return email, "", errInvalid("That password is too long (1024 characters at most).")
	}
	return email, password, nil
}

// checkPassword compares the password with the account's, or with a dummy hash when there is
// no such account, so both take the same time. ok needs an active account.
func (a *App) checkPassword(c *gin.Context, email, password string) (u queries.User, found, ok bool, err error) {
	u, err = a.r.GetUserByEmailForAuth(c.Request.Context(), email)
	found = err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return u, false, false, err
	}
	hash := dummyHash()
	if found {
		hash = []byte(u.PasswordHash)
	}
	ok = bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil && found && u.Status == "active"
	return u, found, ok, nil
}

// signIn starts a fresh session (a new id: whatever id the browser brought is dropped, the
// second step's session too) and writes login.success naming the factor used ("" for none).
// No login without its row: if the row cannot be written, the session just saved is deleted
// and the login is refused.
func (a *App) signIn(c *gin.Context, u queries.User, entry audit.Entry, factor, next string) {
	sess, ok := a.freshSession(c)
	if !ok {
		return
	}
	sess.Values[websession.UserIDKey] = u.ID
	if factor != "" {
		sess.Values[websession.FactorKey], sess.Values[websession.FactorAtKey] = factor, a.now().Unix()
	}
	if err := sess.Save(c.Request, c.Writer); err != nil {
		a.fail(c, err)
		return
	}
	if err := a.web.Describe(c.Request.Context(), sess.ID, c.ClientIP(), c.Request.UserAgent()); err != nil {
		a.logErr(c, "note where a login was made from", err) // the list of sessions shows it as unknown
	}
	entry.Tag, entry.Actor = audit.TagLoginSuccess, u.ID
	if entry.Metadata == nil {
		entry.Metadata = map[string]any{}
	}
	entry.Metadata["factor"] = cmp.Or(factor, mfa.None)
	if _, err := a.trail.Log(c.Request.Context(), a.db, a.now(), entry); err != nil {
		if derr := a.web.Delete(context.WithoutCancel(c.Request.Context()), sess.ID); derr != nil {
			a.logErr(c, "delete the session of an unrecorded login", derr)
		}
		c.Writer.Header().Del("Set-Cookie")
		a.fail(c, err)
		return
	}
	a.redirect(c, landing(u.Role, next))
}

// freshSession drops the session the browser brought (if any) and returns a new one, unsaved.
func (a *App) freshSession(c *gin.Context) (*sessions.Session, bool) {
	if old, err := a.web.Get(c.Request, a.cookieName(c)); err == nil && !old.IsNew {
		if err := a.web.Delete(c.Request.Context(), old.ID); err != nil {
			a.fail(c, err)
			return nil, false
		}
	}
	return a.web.Fresh(a.cookieName(c)), true
}

func (a *App) logout(c *gin.Context) {
	sess, err := a.web.Get(c.Request, a.cookieName(c))
	if err != nil {
		a.fail(c, err)
		return
	}
	if u := currentUser(c); u != nil {
		// Logging out ends an impersonation still open, so that it cannot outlive the login.
		if cur, err := a.r.ActiveImpersonationOf(c.Request.Context(), u.ID); err == nil {
			a.endImpersonation(c, cur, access.ViaLogout)
		}
		if _, err := a.trail.Log(c.Request.Context(), a.db, a.now(), audit.Entry{
			Tag: audit.TagLogout, Actor: u.ID, IP: c.ClientIP(), UserAgent: c.Request.UserAgent(),
		}); err != nil {
			a.logErr(c, "audit logout", err)
		}
	}
	sess.Options.MaxAge = -1
	if err := sess.Save(c.Request, c.Writer); err != nil {
		a.fail(c, err)
		return
	}
	a.redirect(c, "/login")
}
