package handlers

import (
	"context"
	"database/sql"
	"net/http"

	"github.com/gin-gonic/gin"

	"chargedesk/errs"
	"chargedesk/queries"
	"chargedesk/staff"
)

type adminStaffData struct {
	Staff []queries.ListStaffRow
	// NewLink is a one-time password-set link just made, shown once, for NewFor.
	NewLink, NewFor string
}

// staffChange is the change an admin's request makes.
func (a *App) staffChange(c *gin.Context) staff.Change {
	return staff.Change{Admin: currentUser(c).ID, Now: a.now(), IP: c.ClientIP(), UserAgent: c.Request.UserAgent(), Trail: a.trail}
}

// adminStaff is GET /admin/staff (admins): the staff, with forms to add, change and disable.
func (a *App) adminStaff(c *gin.Context) { a.showStaff(c, http.StatusOK, adminStaffData{}, "", nil) }

func (a *App) showStaff(c *gin.Context, status int, d adminStaffData, problem string, form map[string]string) {
	var err error
	if d.Staff, err = a.r.ListStaff(c.Request.Context()); err != nil {
		a.fail(c, err)
		return
	}
	notice := map[string]string{"role": "The role was changed; it applies from their next request.",
		"disabled": "The account is disabled and logged out everywhere.", "enabled": "The account is enabled again.",
		"signout":   "They are signed out everywhere; they sign in again with their password and factor. To keep them out, disable the account.",
		"mfa-reset": "Their second factors and recovery codes are removed and they are logged out everywhere. They sign in next with their password and add a new factor."}[c.Query("done")]
	if d.NewLink != "" {
		c.Header("Cache-Control", "no-store")
	}
	a.render(c, status, "admin_staff", &Page{Title: "Staff", Nav: "staff", Data: d, Problem: problem, Form: form, Notice: notice})
}

// createStaff is POST /admin/staff: email, name, role. The answer shows the new member's
// one-time link to set a password (there is no mail here: the admin passes it on).
func (a *App) createStaff(c *gin.Context) {
	var u queries.User
	var token string
	err := a.db.Tx(c.Request.Context(), func(tx *sql.Tx) (err error) {
		u, token, err = staff.Create(context.WithoutCancel(c.Request.Context()), tx, a.staffChange(c), c.PostForm("email"), c.PostForm("name"), c.PostForm("role"))
		return err
	})
	if a.changeRefused(c, err, formValues(c, "email", "name", "role")) {
		return
	}
	a.showStaff(c, http.StatusCreated, adminStaffData{NewLink: a.passwordLink(c, token), NewFor: u.Name + " (" + u.Email + ")"}, "", nil)
}

// staffLink is POST /admin/staff/:id/link: a new one-time link for a staff member.
func (a *App) staffLink(c *gin.Context) {
	id, _ := pathID(c)
	var token string
	err := a.db.Tx(c.Request.Context(), func(tx *sql.Tx) (err error) {
		token, err = staff.NewLink(context.WithoutCancel(c.Request.Context()), tx, a.staffChange(c), id)
		return err
	})
	if a.changeRefused(c, err, nil) {
		return
	}
	a.showStaff(c, http.StatusOK, adminStaffData{NewLink: a.passwordLink(c, token), NewFor: "staff member #" + itoa(id)}, "", nil)
}

// staffSignOut is POST /admin/staff/:id/signout: reason. Every session of theirs ends.
func (a *App) staffSignOut(c *gin.Context) {
	id, _ := pathID(c)
	err := a.db.Tx(c.Request.Context(), func(tx *sql.Tx) error {
		return staff.SignOut(context.WithoutCancel(c.Request.Context()), tx, a.staffChange(c), id, c.PostForm("reason"))
	})
	if !a.changeRefused(c, err, nil) {
		a.redirect(c, "/admin/staff?done=signout")
	}
}

// staffRole is POST /admin/staff/:id/role: role, reason.
func (a *App) staffRole(c *gin.Context) {
	id, _ := pathID(c)
	err := a.db.Tx(c.Request.Context(), func(tx *sql.Tx) error {
		return staff.SetRole(context.WithoutCancel(c.Request.Context()), tx, a.staffChange(c), id, c.PostForm("role"), c.PostForm("reason"))
	})
	if !a.changeRefused(c, err, nil) {
		a.redirect(c, "/admin/staff?done=role")
	}
}

// accountStatus is POST /admin/staff/:id/status and /admin/customers/:id/status: enabled
// (true/false) and a reason.
func (a *App) accountStatus(back func(id int64, done string) string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, _ := pathID(c)
		enable, ok := a.formBool(c, "enabled", "Say whether the account should be enabled")
		if !ok {
			return
		}
		err := a.db.Tx(c.Request.Context(), func(tx *sql.Tx) error {
			return staff.SetStatus(context.WithoutCancel(c.Request.Context()), tx, a.staffChange(c), id, enable, c.PostForm("reason"))
		})
		if a.changeRefused(c, err, nil) {
			return
		}
		done := "disabled"
		if enable {
			done = "enabled"
		}
		a.redirect(c, back(id, done))
	}
}

// changeRefused answers a refused admin change: with form, a problem with it is shown on the
// staff page with what was typed; anything else goes through a.fail (a fault of the disk or
// the writer is 503/507 "nothing was changed").
func (a *App) changeRefused(c *gin.Context, err error, form map[string]string) bool {
	if e, coded := errs.As(err); coded && e.Code == errs.Invalid && form != nil {
		a.showStaff(c, http.StatusUnprocessableEntity, adminStaffData{}, e.Message, form)
	} else if err != nil {
		a.fail(c, err)
	}
	return err != nil
}

// formBool reads a true/false form field; anything else is 400 with say ("Say whether …").
func (a *App) formBool(c *gin.Context, field, say string) (value, ok bool) {
	switch c.PostForm(field) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	a.fail(c, errBadRequest(say+": "+field+" must be true or false."))
	return false, false
}

// passwordLink is the address of a one-time link on this server.
func (a *App) passwordLink(c *gin.Context, token string) string {
	scheme := "http"
	if c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host + "/password/set?token=" + token
}

type passwordSetData struct {
	Link  staff.Link
	Token string
	Done  bool
}

// passwordSetPage is GET /password/set?token=…: the form of a one-time link (anyone with the
// link; nothing changes until the POST).
func (a *App) passwordSetPage(c *gin.Context) {
	token := c.Query("token")
	l, err := staff.CheckLink(c.Request.Context(), a.r, token, a.now())
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Referrer-Policy", "no-referrer") // the token is in the address
	a.render(c, http.StatusOK, "password_set", &Page{Title: "Set your password", Data: passwordSetData{Link: l, Token: token}})
}

// passwordSet is POST /password/set: token and password.
func (a *App) passwordSet(c *gin.Context) {
	token := c.PostForm("token")
	var l staff.Link
	err := a.db.Tx(c.Request.Context(), func(tx *sql.Tx) (err error) {
		l, err = staff.SetPassword(context.WithoutCancel(c.Request.Context()), tx, a.trail, token, c.PostForm("password"), c.ClientIP(), c.Request.UserAgent(), a.now())
		return err
	})
	if e, coded := errs.As(err); coded && e.Code == errs.Invalid {
		c.Header("Cache-Control", "no-store")
		a.render(c, http.StatusUnprocessableEntity, "password_set", &Page{Title: "Set your password", Data: passwordSetData{Link: l, Token: token}, Problem: e.Message})
		return
	} else if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "password_set", &Page{Title: "Password set", Data: passwordSetData{Link: l, Done: true}})
}
