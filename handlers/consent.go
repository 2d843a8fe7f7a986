package handlers

// Consent on request: the console's "Ask the customer" (POST /admin/customers/:id/consent)
// and the customer's answer (POST /support-access/requests/:id), shown on every page of theirs
// while it waits.

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chargedesk/impersonation"
	"chargedesk/queries"
)

// askConsent is POST /admin/customers/:id/consent (staff): ticket and reason ("SUP-1234: to
// check your receipt" in the ticket field alone works too).
func (a *App) askConsent(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This customer"))
		return
	}
	in := startInput{Ticket: c.PostForm("ticket"), Reason: c.PostForm("reason")}
	in.splitTicket()
	r := impersonation.ConsentAsk{Agent: currentUser(c).ID, Customer: id, Ticket: in.Ticket, Reason: in.Reason,
		IP: c.ClientIP(), UserAgent: c.Request.UserAgent(), Now: a.now(), Notify: a.notify(c)}
	err := a.db.Tx(c.Request.Context(), func(tx *sql.Tx) error {
		_, err := impersonation.AskConsent(context.WithoutCancel(c.Request.Context()), tx, a.trail, &r)
		return err
	})
	if a.refused(c, err, func(status int, msg string) {
		a.showAdminCustomer(c, id, status, msg, map[string]string{"consent_ticket": c.PostForm("ticket"), "consent_reason": c.PostForm("reason")})
	}) {
		return
	}
	a.redirect(c, "/admin/customers/"+itoa(id)+"?notice=consent-asked#consent")
}

// answerConsent is POST /support-access/requests/:id (the customer themself): answer = 1h, 24h,
// 7d or deny.
func (a *App) answerConsent(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This request"))
		return
	}
	ch := a.change(c)
	answer := strings.TrimSpace(c.PostForm("answer"))
	err := a.tx(c, func(tx *sql.Tx) error {
		_, err := impersonation.AnswerConsent(c.Request.Context(), tx, a.trail, ch.Actor, ch.Customer, id, answer, c.ClientIP(), c.Request.UserAgent(), ch.Now)
		return err
	})
	notice := "consent-allowed"
	if answer == "deny" {
		notice = "consent-denied"
	}
	a.afterChange(c, err, "/activity?notice="+notice, nil)
}

// notify is where this request's notices go: the outbox (nil when email is off) and the
// site's address for their links.
func (a *App) notify(c *gin.Context) impersonation.Notify {
	return impersonation.Notify{Mail: a.mail, Site: a.origin(c)}
}

// setNotices is POST /activity/notices (the customer themself): notify=true|false, an email
// each time support opens the account.
func (a *App) setNotices(c *gin.Context) {
	on, ok := a.formBool(c, "notify", "Say whether to email you when support opens your account")
	if !ok {
		return
	}
	ch := a.change(c)
	err := a.tx(c, func(tx *sql.Tx) error {
		return impersonation.SetSupportNotices(c.Request.Context(), tx, ch.Actor, ch.Customer, on, a.mail.Enabled(), ch.Now)
	})
	notice := "notices-off"
	if on {
		notice = "notices-on"
	}
	a.afterChange(c, err, "/activity?notice="+notice+"#support-access", nil)
}

// pendingConsent is what the customer is asked now (shown at the top of their pages); nil
// while impersonating or for staff.
func (a *App) pendingConsent(c *gin.Context, p *Page) []queries.PendingConsentRequestsRow {
	if p.User == nil || p.Staff || p.As != 0 || p.Imp != nil {
		return nil
	}
	rows, err := a.r.PendingConsentRequests(c.Request.Context(), queries.PendingConsentRequestsParams{ActingAs: p.User.ID, Now: p.Now.Unix()})
	if err != nil {
		return nil // the page stands without the request; it shows on the next one
	}
	return rows
}

// consentRow is one request as the console lists it, its state in words.
type consentRow struct {
	queries.ListConsentRequestsRow
	State, StateClass string // "waiting for the answer", "allowed until 14:30", "denied", "expired", …
}

// consentRows are customer's requests, newest first, each with where it stands at now.
func (a *App) consentRows(ctx context.Context, customer int64, now time.Time) ([]consentRow, error) {
	rows, err := a.r.ListConsentRequests(ctx, customer)
	if err != nil {
		return nil, err
	}
	out := make([]consentRow, len(rows))
	for i, r := range rows {
		out[i] = consentRow{ListConsentRequestsRow: r}
		st := &out[i]
		switch t := now.Unix(); {
		case r.Answer == "deny":
			st.State, st.StateClass = "denied "+when(r.AnsweredAt), "bad"
		case r.Answer == "allow" && r.GrantRevokedAt != 0:
			st.State, st.StateClass = "allowed, then taken back "+when(r.GrantRevokedAt), "warn"
		case r.Answer == "allow" && r.GrantUntil > t:
			st.State, st.StateClass = "allowed until "+when(r.GrantUntil), "ok"
		case r.Answer == "allow":
			st.State, st.StateClass = "allowed; ended "+when(r.GrantUntil), ""
		case r.ExpiresAt <= t:
			st.State, st.StateClass = "expired unanswered "+when(r.ExpiresAt), ""
		default:
			st.State, st.StateClass = "waiting for the answer (until "+when(r.ExpiresAt)+")", "warn"
		}
	}
	return out, nil
}
