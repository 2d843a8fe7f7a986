package handlers

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// customerURL builds a customer-surface URL. When as is not zero (an admin impersonating),
// it appends ?as=, so that no link, form or redirect drops the marker. Every customer-surface
// URL, in templates (Page.Href) and in redirects (a.seeOther), is built here.
func customerURL(as int64, path string) string {
	if as == 0 {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "as=" + strconv.FormatInt(as, 10)
}

// idURL is customerURL(as, prefix+id) in one allocation: the links of list rows
// ("/sessions/42?as=7"), built for every row of every page.
func idURL(as int64, prefix string, id int64) string {
	var sb strings.Builder
	sb.Grow(len(prefix) + 44)
	var num [20]byte
	sb.WriteString(prefix)
	sb.Write(strconv.AppendInt(num[:0], id, 10))
	if as != 0 {
		sb.WriteString("?as=")
		sb.Write(strconv.AppendInt(num[:0], as, 10))
	}
	return sb.String()
}

// Href formats a customer-surface path (fmt verbs, e.g. "/sessions/%d") and adds the
// impersonation marker when there is one.
func (p *Page) Href(format string, args ...any) string {
	return customerURL(p.As, fmt.Sprintf(format, args...))
}

// HrefQ is Href for a path with query parameters given as name, value pairs; empty values
// are left out.
func (p *Page) HrefQ(path string, pairs ...any) string {
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if v := fmt.Sprint(pairs[i+1]); v != "" && v != "0" {
			q.Set(fmt.Sprint(pairs[i]), v)
		}
	}
	if enc := q.Encode(); enc != "" {
		path += "?" + enc
	}
	return customerURL(p.As, path)
}

// seeOther redirects to a customer-surface path after a successful POST, keeping the marker.
func (a *App) seeOther(c *gin.Context, path string) {
	a.redirect(c, customerURL(marker(c), path))
}

// pathID reads the :id parameter; anything but a positive decimal number is "not found".
func pathID(c *gin.Context) (int64, bool) { return parseID(c.Param("id")) }

// notices are the fixed messages a redirect can ask a page to show (?notice=key); user text
// is never reflected.
var notices = map[string]string{
	"card-added":      "Your new EV card is active. The physical card is on its way.",
	"card-blocked":    "The card is blocked. It can no longer start charging sessions.",
	"pm-added":        "The payment method was added.",
	"pm-default":      "The default payment method was changed.",
	"pm-deleted":      "The payment method was removed.",
	"res-created":     "Your reservation is confirmed.",
	"res-cancelled":   "The reservation was cancelled.",
	"session-started": "Charging started. This page updates every 10 seconds.",
	"session-stopped": "Charging stopped. Your receipt is ready.",
	"access-granted":  "ChargeDesk support can see your account for the next 24 hours.",
	"access-revoked":  "Support's access is revoked; anyone from support looking at your account now was stopped.",
	"consent-allowed": "ChargeDesk support can see your account for the time you chose. You can take it back here at any time.",
	"consent-denied":  "You said no. Support was told, and cannot open your account on that request.",
	"notices-on":      "You will get an email each time ChargeDesk support opens your account.",
	"notices-off":     "No more emails when support opens your account (it is still recorded here).",
}

func notice(c *gin.Context) string { return notices[c.Query("notice")] }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// ConfirmWrite is the hx-confirm text of a customer-surface write. While an admin impersonates
// with changes allowed it says the action is real; otherwise it is empty and htmx asks nothing.
func (p *Page) ConfirmWrite() string {
	if p.Imp == nil || p.Imp.Imp.AllowChanges == 0 {
		return "" // read-only: the write is refused anyway, with its own page
	}
	return "You are acting as " + p.Imp.CustomerName + ". This action is real: it changes their account and is recorded. Continue?"
}

// ConfirmDestructive is the hx-confirm text of a write that cannot be taken back from here
// (block a card, remove a payment method, cancel a reservation, stop charging): it always
// asks, and while an admin impersonates it also says the action is theirs to answer for.
func (p *Page) ConfirmDestructive(what string) string {
	if p.ReadOnly() {
		return "" // disabled: the write would be refused and recorded, nothing to confirm
	}
	if w := p.ConfirmWrite(); w != "" {
		return what + " " + w
	}
	return what
}

// ReadOnly says the page is shown in a read-only impersonation: its write buttons are disabled
// (and the server refuses the writes anyway, recording the attempt).
func (p *Page) ReadOnly() bool { return p.Imp != nil && !p.Imp.ChangesAllowed }

// PaymentsLocked says the page is shown in an impersonation that may not change payment
// methods (read-only, or changes allowed without the ticket authorizing payment changes).
func (p *Page) PaymentsLocked() bool { return p.Imp != nil && !p.Imp.PaymentsAllowed }

// addQuery adds k=v to a local path that may carry a query already.
func addQuery(path, k, v string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + url.QueryEscape(k) + "=" + url.QueryEscape(v)
}
