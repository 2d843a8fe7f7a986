package impersonation

// Consent on request: an agent asks a customer for access to their account, with the ticket
// and what for; the customer sees the request on their next page (and by email where they
// have one), and allows it for an hour, a day or a week, or denies it. An allowed request is
// a grant like the customer's own: a protected account may then be impersonated without a
// colleague's approval until it ends, and taking it back (RevokeAccess) ends any open
// impersonation at once. Every step is an auth_audit row and a line in the customer's
// activity.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"chargedesk/access"
	"chargedesk/audit"
	"chargedesk/errs"
	"chargedesk/format"
	"chargedesk/queries"
)

// ConsentAskValidFor is how long a request waits for the customer's answer.
const ConsentAskValidFor = 72 * time.Hour

// ConsentDurations are the answers a customer may give that allow access, and for how long.
var ConsentDurations = map[string]time.Duration{"1h": time.Hour, "24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour}

// ConsentAsk is an agent's request for a customer's permission.
type ConsentAsk struct {
	Agent, Customer int64
	Ticket, Reason  string
	IP, UserAgent   string
	Now             time.Time
	Notify          Notify // the customer's email (when email is on)
}

// AskConsent records an agent's request for the customer's permission (admin.consent.request)
// and a line in the customer's activity. One agent has one request waiting per customer.
func AskConsent(ctx context.Context, tx *sql.Tx, trail *audit.Trail, r *ConsentAsk) (int64, error) {
	q := queries.New(tx)
	var err error
	if r.Ticket, err = TicketField.Check(r.Ticket); err != nil {
		return 0, err
	}
	if r.Reason, err = ReasonField.Check(r.Reason); err != nil {
		return 0, err
	}
	if _, err := access.CheckStaff(ctx, q, access.Actor{UserID: r.Agent}); err != nil {
		return 0, err
	}
	agent, err := q.GetUserForAuth(ctx, r.Agent)
	if err != nil {
		return 0, err
	}
	t, err := q.GetImpersonationTarget(ctx, r.Customer)
	switch {
	case errors.Is(err, sql.ErrNoRows) || err == nil && t.Role != access.RoleCustomer:
		return 0, errs.NotFoundf("This customer")
	case err != nil:
		return 0, err
	case t.Status != access.StatusActive:
		return 0, errs.Invalidf("This customer's account is disabled: they cannot sign in to answer.")
	}
	now := r.Now.Unix()
	if _, err := q.PendingConsentByRequester(ctx, queries.PendingConsentByRequesterParams{ActingAs: r.Customer, RequesterID: r.Agent, Now: now}); err == nil {
		return 0, errs.Conflictf("You already asked this customer and are waiting for their answer.")
	} else if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	expires := r.Now.Add(ConsentAskValidFor)
	id, err := q.InsertConsentRequest(ctx, queries.InsertConsentRequestParams{ActingAs: r.Customer, RequesterID: r.Agent, Ticket: r.Ticket,
		Reason: r.Reason, RequestedAt: now, ExpiresAt: expires.Unix()})
	if err != nil {
		return 0, err
	}
	if err := r.Notify.consentRequested(ctx, tx, r, agent.Name, expires); err != nil {
		return 0, err
	}
	if _, err := trail.Write(ctx, tx, r.Now, audit.Entry{Tag: "admin.consent.request", Actor: r.Agent, Target: r.Customer, IP: r.IP, UserAgent: r.UserAgent,
		Metadata: map[string]any{"consent_request_id": id, "ticket": r.Ticket, "reason": r.Reason}}); err != nil {
		return 0, err
	}
	return id, q.InsertActivity(ctx, queries.InsertActivityParams{ActingAs: r.Customer, At: now, Kind: "access",
		Summary: fmt.Sprintf("ChargeDesk support asked to see this account (ticket %s): %s", r.Ticket, r.Reason), ActorRole: "support"})
}

// AnswerConsent is the customer's answer to request id: "deny", or one of ConsentDurations.
// Only the customer themself answers (never an impersonating admin); an answered or expired
// request is refused with a sentence and changes nothing. An allow replaces the grant in force.
// It returns until, the end of the access given (zero on a deny).
func AnswerConsent(ctx context.Context, tx *sql.Tx, trail *audit.Trail, a access.Actor, customer, id int64, answer, ip, ua string, now time.Time) (until time.Time, err error) {
	q := queries.New(tx)
	if err := ownOnly(ctx, q, a, customer, now); err != nil {
		return until, err
	}
	dur, allow := ConsentDurations[answer]
	if !allow && answer != "deny" {
		return until, errs.Invalidf("Choose how long support may see your account (1 hour, 24 hours or 7 days), or deny.")
	}
	req, err := q.GetConsentRequest(ctx, queries.GetConsentRequestParams{ID: id, ActingAs: customer})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return until, errs.NotFoundf("This request")
	case err != nil:
		return until, err
	case req.Answer.Valid:
		return until, errs.Conflictf("You answered this request already.")
	case req.ExpiresAt <= now.Unix():
		return until, errs.Conflictf("This request expired; support can ask again if they still need to.")
	}
	var grant sql.NullInt64
	tag, summary := "customer.consent.deny", fmt.Sprintf("Did not let ChargeDesk support see this account (ticket %s)", req.Ticket)
	if allow {
		if _, err := q.RevokeSupportGrants(ctx, queries.RevokeSupportGrantsParams{Now: sql.NullInt64{Int64: now.Unix(), Valid: true}, ActingAs: customer}); err != nil {
			return until, err
		}
		until = now.Add(dur)
		g, err := q.InsertConsentGrant(ctx, queries.InsertConsentGrantParams{ActingAs: customer, GrantedAt: now.Unix(), ExpiresAt: until.Unix()})
		if err != nil {
			return until, err
		}
		grant = sql.NullInt64{Int64: g, Valid: true}
		tag, summary = "customer.consent.allow", fmt.Sprintf("Let ChargeDesk support see this account until %s (ticket %s)", format.When(until.Unix()), req.Ticket)
	}
	verdict := "deny"
	if allow {
		verdict = "allow"
	}
	if n, err := q.AnswerConsentRequest(ctx, queries.AnswerConsentRequestParams{Answer: sql.NullString{String: verdict, Valid: true},
		Now: sql.NullInt64{Int64: now.Unix(), Valid: true}, GrantID: grant, ID: id, ActingAs: customer}); err != nil {
		return until, err
	} else if n != 1 {
		return until, errs.Conflictf("You answered this request already.")
	}
	meta := map[string]any{"consent_request_id": id, "ticket": req.Ticket, "requester_user_id": req.RequesterID, "answer": answer}
	if allow {
		meta["until"] = until.Unix()
	}
	if _, err := trail.Write(ctx, tx, now, audit.Entry{Tag: tag, Actor: customer, Target: customer, IP: ip, UserAgent: ua, Metadata: meta}); err != nil {
		return until, err
	}
	return until, q.InsertActivity(ctx, queries.InsertActivityParams{ActingAs: customer, At: now.Unix(), Kind: "access", Summary: summary, ActorRole: "customer"})
}
