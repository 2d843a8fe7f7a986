package impersonation

// The emails a customer gets about support's access (package mail's outbox, queued in the
// transaction of what they tell): a request for their permission, and — when they asked for
// it on their Activity page — each time support opens their account.

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"chargedesk/access"
	"chargedesk/errs"
	"chargedesk/format"
	"chargedesk/mail"
	"chargedesk/queries"
)

// Notify is where notices go: the outbox (nil: email is off) and the site's address for the
// links in them (https://support.example.com).
type Notify struct {
	Mail *mail.Outbox
	Site string
}

// consentRequested queues the email of a new consent request.
func (n Notify) consentRequested(ctx context.Context, tx *sql.Tx, r *ConsentAsk, agent string, expires time.Time) error {
	if !n.Mail.Enabled() {
		return nil
	}
	c, err := queries.New(tx).CustomerForNotice(ctx, r.Customer)
	if err != nil {
		return err
	}
	body := fmt.Sprintf(`Hello %s,

%s from ChargeDesk support asks to see your account, for ticket %s:

    %s

Sign in to answer: %s
You choose how long they may see it (1 hour, 24 hours or 7 days), or say no. Until you answer,
nothing changes. Without an answer the request lapses on %s (UTC).

Every page support opens is recorded; you can read it under Activity, and take access back there
at any time. If you did not contact ChargeDesk support, say no and tell us.
`, c.Name, agent, r.Ticket, r.Reason, n.Site+"/", expires.UTC().Format("2 Jan 2006, 15:04"))
	return n.Mail.Enqueue(ctx, tx, mail.Message{UserID: r.Customer, Kind: "consent_request", To: c.Email,
		Subject: "ChargeDesk support asks to see your account (ticket " + r.Ticket + ")", Body: body}, r.Now)
}

// opened queues "support opened your account" when the customer asked for it.
func (n Notify) opened(ctx context.Context, tx *sql.Tx, r Request, now time.Time) error {
	if !n.Mail.Enabled() {
		return nil
	}
	c, err := queries.New(tx).CustomerForNotice(ctx, r.Customer)
	if err != nil || c.NotifySupportAccess != 1 {
		return err
	}
	mode := "They can look, not change anything."
	if r.AllowChanges {
		mode = "They may change things for you, as the ticket says."
	}
	body := fmt.Sprintf(`Hello %s,

ChargeDesk support opened your account at %s (UTC), for ticket %s:

    %s

%s Every page they open is recorded; you can read it under Activity: %s

You get this email because you asked for it on your Activity page; you can turn it off there.
`, c.Name, format.When(now.Unix()), r.Ticket, r.Reason, mode, n.Site+"/activity")
	return n.Mail.Enqueue(ctx, tx, mail.Message{UserID: r.Customer, Kind: "support_access", To: c.Email,
		Subject: "ChargeDesk support opened your account (ticket " + r.Ticket + ")", Body: body}, now)
}

// SetSupportNotices is the customer's own choice (never an impersonating admin's) to get an
// email each time support opens their account; it cannot be turned on without email.
func SetSupportNotices(ctx context.Context, tx *sql.Tx, a access.Actor, customer int64, on, available bool, now time.Time) error {
	q := queries.New(tx)
	if err := ownOnly(ctx, q, a, customer, now); err != nil {
		return err
	}
	if on && !available {
		return errs.Conflictf("Email notices are not available on this server: it has no mail server set up.")
	}
	var v int64
	summary := "Stopped the emails when ChargeDesk support opens this account"
	if on {
		v, summary = 1, "Asked for an email each time ChargeDesk support opens this account"
	}
	if n, err := q.SetNotifySupportAccess(ctx, queries.SetNotifySupportAccessParams{Notify: v, ActingAs: customer}); err != nil {
		return err
	} else if n != 1 {
		return errs.NotFoundf("This account")
	}
	return q.InsertActivity(ctx, queries.InsertActivityParams{ActingAs: customer, At: now.Unix(), Kind: "access", Summary: summary, ActorRole: "customer"})
}
