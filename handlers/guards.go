package handlers

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"chargedesk/errs"

	"github.com/gin-gonic/gin"
)

// allowedHost answers 421 to a request whose Host is not one of ChargeDesk's own names, so a
// page on another site that resolves its own name to this server (DNS rebinding) cannot use
// it.
func (a *App) allowedHost(c *gin.Context) {
	host := c.Request.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if _, ok := a.hosts[strings.ToLower(strings.Trim(host, "[]"))]; ok {
		return
	}
	a.fail(c, &errs.Error{Code: errs.WrongHost, Title: "Wrong address",
		Message: "This server does not answer to the name “" + truncate(c.Request.Host, 80) + "”. Use ChargeDesk's own address (see --public-url)."})
}

// cleanQuery refuses a query string that is not well formed, or carries NUL bytes or text
// that is not UTF-8, before any handler reads it.
func (a *App) cleanQuery(c *gin.Context) {
	// Each name and value is unescaped and checked in turn, without building the map
	// (url.ParseQuery's rules; an unescape allocates only when there is something to unescape).
	for rest := c.Request.URL.RawQuery; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if strings.Contains(pair, ";") {
			a.fail(c, errBadRequest("The address is not well formed (its query string cannot be read)."))
			return
		}
		k, v, _ := strings.Cut(pair, "=")
		for _, s := range [2]string{k, v} {
			u, err := url.QueryUnescape(s)
			if err != nil {
				a.fail(c, errBadRequest("The address is not well formed (its query string cannot be read)."))
				return
			}
			if !utf8.ValidString(u) || strings.ContainsRune(u, 0) {
				a.fail(c, errBadRequest("The address contains characters that are not text (a NUL byte or invalid UTF-8)."))
				return
			}
		}
	}
}

// readForm reads a form body up front, so that one too large is 413 and one that cannot be
// parsed is 400, instead of handlers seeing empty fields.
func (a *App) readForm(c *gin.Context) {
	if c.Request.Method != http.MethodPost {
		return
	}
	if c.Request.ContentLength > maxBody {
		a.fail(c, tooLarge())
		return
	}
	ct := c.ContentType()
	if ct != "application/x-www-form-urlencoded" && ct != "multipart/form-data" {
		return
	}
	var err error
	if ct == "multipart/form-data" {
		err = c.Request.ParseMultipartForm(maxBody)
	} else {
		err = c.Request.ParseForm()
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		a.fail(c, tooLarge())
	case err != nil:
		a.fail(c, errBadRequest("The form could not be read. Reload the page and send it again."))
	}
}

func tooLarge() *errs.Error {
	return &errs.Error{Code: errs.TooLarge, Title: "Too large",
		Message: "What was sent is too large (1 MB at most); nothing was changed."}
}

// headAsGet answers HEAD on every GET route: the request is routed as a GET, and net/http
// drops the body because the client asked with HEAD.
func headAsGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			r = r.Clone(r.Context())
			r.Method = http.MethodGet
		}
		next.ServeHTTP(w, r)
	})
}

// noStore keeps every authenticated answer out of caches (the browser's back/forward cache
// included), so that a page of an ended impersonation does not come back with Back.
func noStore(c *gin.Context) {
	if currentUser(c) != nil {
		c.Header("Cache-Control", "no-store")
	}
}

// paymentGuard refuses a payment-method change through an impersonation that does not allow
// payments (403, recorded as blocked), before the form is read; the domain checks again in
// the write's transaction (access.CheckPaymentWrite).
func (a *App) paymentGuard(c *gin.Context) {
	if imp := activeImpersonation(c); imp != nil && !imp.PaymentsAllowed {
		a.fail(c, &errs.Error{Code: errs.Forbidden, Title: "Payment methods are not yours to change here",
			Message: "This impersonation may not change payment methods: they move money. An admin can start one that says the ticket authorizes it. The attempt was recorded."})
		c.Abort()
	}
}
