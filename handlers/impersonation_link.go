package handlers

import (
	"database/sql"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"chargedesk/errs"
)

// impersonateLink is GET /admin/impersonate?customer=…&ticket=…&reason=…&page=…: the link a
// ticket system holds (customer is an email, a Public ID or an id). It opens the start form
// prefilled, with Start focused: a GET never starts anything, and logged out the link
// survives the login (requireUser's next=). Start lands on page, a customer page.
func (a *App) impersonateLink(c *gin.Context) {
	handle := strings.TrimSpace(c.Query("customer"))
	if handle == "" {
		a.fail(c, errBadRequest("This link does not say which customer: it needs customer=<email or Public ID>, e.g. /admin/impersonate?customer=jane@example.com&ticket=SUP-1234."))
		return
	}
	id, ok := parseID(handle)
	if !ok {
		var err error
		id, err = a.r.CustomerByHandle(c.Request.Context(), handle)
		if errors.Is(err, sql.ErrNoRows) {
			a.fail(c, &errs.Error{Code: errs.NotFound, Title: "No such customer",
				Message: "No customer has the email or Public ID \u201c" + handle + "\u201d. Search for them in the console; the ticket may name them differently."})
			return
		} else if err != nil {
			a.fail(c, err)
			return
		}
	}
	form := map[string]string{"ticket": c.Query("ticket"), "reason": c.Query("reason")}
	problem := ""
	if p := c.Query("page"); p != "" {
		if page, ok := a.customerPage(p); ok {
			form["page"] = page
		} else {
			problem = "The link's page \u201c" + p + "\u201d is not a page of the customer's account, so Start opens their home page."
		}
	}
	a.showImpersonateForm(c, id, http.StatusOK, problem, form)
}

// customerPage checks p as the page an impersonation starts on: a local path of a customer
// page (a GET route of the customer surface), its query kept without any as= marker. The
// answer is the path to put behind customerURL.
func (a *App) customerPage(p string) (string, bool) {
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(p, "//") {
		return "", false
	}
	for _, rt := range a.customerRoutes() {
		if rt.Method == http.MethodGet && routeMatches(rt.Path, u.Path) {
			q := u.Query()
			q.Del("as")
			if len(q) == 0 {
				return u.Path, true
			}
			return u.Path + "?" + q.Encode(), true
		}
	}
	return "", false
}

// routeMatches reports whether path fits pattern, a Gin route whose :params are ids.
func routeMatches(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i, p := range ps {
		if strings.HasPrefix(p, ":") {
			if _, ok := parseID(xs[i]); !ok {
				return false
			}
		} else if p != xs[i] {
			return false
		}
	}
	return true
}
