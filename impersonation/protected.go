package impersonation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"chargedesk/access"
	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/errs"
	"chargedesk/format"
	"chargedesk/queries"
)

// How long a request for approval waits, and how long an approval may then be used (once).
const (
	RequestValidFor  = 30 * time.Minute
	ApprovalValidFor = 15 * time.Minute
	// GrantFor is how long a customer's "let support see my account" lasts.
	GrantFor = 24 * time.Hour
	// IndependentAfter is how long after the requester created a colleague's account or
	// issued their password link that colleague's approval counts again.
	IndependentAfter = 7 * 24 * time.Hour
)

// ApprovalNeeded is Start's answer for a protected customer without a grant: the request
// ApprovalID waits for a second staff member (Created: it was made just now).
type ApprovalNeeded struct {
	ApprovalID int64
	Created    bool
}

func (a *ApprovalNeeded) Error() string {
	return fmt.Sprintf("impersonation: approval %d needed", a.ApprovalID)
}

// protectedStart decides, inside Start's transaction, whether the admin may impersonate
// protected customer t now: with the customer's grant in force, yes; with an approved request
// of theirs, yes, once, and r takes the ticket, reason and mode the approver saw; otherwise a
// request is made (or the pending one stands) and the start waits (*ApprovalNeeded).
func protectedStart(ctx context.Context, tx *sql.Tx, trail *audit.Trail, r *Request, role string, now time.Time) (requested int64, err error) {
	q := queries.New(tx)
	if _, err := q.ActiveSupportGrant(ctx, queries.ActiveSupportGrantParams{ActingAs: r.Customer, Now: now.Unix()}); err == nil {
		return 0, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	a, err := q.OpenApproval(ctx, queries.OpenApprovalParams{RequesterID: r.Admin, CustomerUserID: r.Customer, Now: now.Unix()})
	switch {
	case err == nil && a.ApprovedAt.Valid:
		// What was approved is what starts, and only by who may still do it: the ticket must be
		// the approved one, and changes need the requester to be an admin now, not then.
		if t := strings.TrimSpace(r.Ticket); t != a.Ticket {
			return 0, errs.Invalidf("This request was approved for ticket %s, not %s. Start it with ticket %s, or ask again for %s.", a.Ticket, t, a.Ticket, t)
		}
		if a.AllowChanges == 1 && role != access.RoleAdmin {
			return 0, errs.Forbiddenf("This request was approved with changes allowed, but you are no longer an admin, so changes cannot be allowed. Ask again for a read-only impersonation.")
		}
		if n, err := q.UseApproval(ctx, queries.UseApprovalParams{Now: sql.NullInt64{Int64: now.Unix(), Valid: true}, ID: a.ID}); err != nil || n != 1 {
			return 0, errors.Join(err, errors.New("impersonation: approval not usable"))
		}
		r.Ticket, r.Reason, r.AllowChanges, r.AllowPayments = a.Ticket, a.Reason, a.AllowChanges == 1, false // payments never on an approval
		return 0, nil
	case err == nil:
		return 0, &ApprovalNeeded{ApprovalID: a.ID}
	case !errors.Is(err, sql.ErrNoRows):
		return 0, err
	}
	var allow int64
	if r.AllowChanges {
		allow = 1
	}
	a, err = q.InsertApproval(ctx, queries.InsertApprovalParams{CustomerUserID: r.Customer, RequesterID: r.Admin, Ticket: r.Ticket, Reason: r.Reason,
		AllowChanges: allow, RequestedAt: now.Unix(), ExpiresAt: now.Add(RequestValidFor).Unix()})
	if err != nil {
		return 0, err
	}
	_, err = trail.Write(ctx, tx, now, audit.Entry{Tag: "admin.approval.request", Actor: r.Admin, Target: r.Customer, IP: r.IP, UserAgent: r.UserAgent,
		Metadata: map[string]any{"approval_id": a.ID, "customer_user_id": r.Customer, "ticket": r.Ticket, "reason": r.Reason, "allow_changes": r.AllowChanges}})
	return a.ID, err
}

// Approve lets request id go ahead: a staff member other than its requester approves it,
// recorded as admin.approval.approve; the requester may then start it once within
// ApprovalValidFor.
func Approve(ctx context.Context, d *db.DB, trail *audit.Trail, approver, id int64, ip, ua string, now time.Time) (queries.ImpersonationApproval, error) {
	var a queries.ImpersonationApproval
	ctx, cancel := audit.Detached(ctx)
	defer cancel()
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		q := queries.New(tx)
		if _, err := access.CheckStaff(ctx, q, access.Actor{UserID: approver}); err != nil {
			return err
		}
		var err error
		a, err = q.GetApproval(ctx, id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return errs.NotFoundf("This request")
		case err != nil:
			return err
		case a.RequesterID == approver:
			return errs.Forbiddenf("Someone else must approve your own request: that is the point of a second pair of eyes.")
		}
		// A colleague whose account or password link the requester made lately is the
		// requester's own hand, not a second pair of eyes.
		if n, err := q.LinksIssuedBy(ctx, queries.LinksIssuedByParams{UserID: approver, Issuer: a.RequesterID, Since: now.Add(-IndependentAfter).Unix()}); err != nil {
			return err
		} else if n > 0 {
			return errs.Forbiddenf("You cannot approve this request: the requester created your account or issued your password link in the last %d days, so your approval would not be independent. Ask another colleague.", int(IndependentAfter.Hours()/24))
		}
		switch {
		case a.ApprovedAt.Valid || a.UsedAt.Valid:
			return errs.Conflictf("This request was approved already.")
		case a.ExpiresAt <= now.Unix():
			return errs.Conflictf("This request expired (requests wait %s). The requester can ask again.", format.Span(RequestValidFor))
		}
		if n, err := q.ApproveApproval(ctx, queries.ApproveApprovalParams{ApproverID: sql.NullInt64{Int64: approver, Valid: true},
			Now: sql.NullInt64{Int64: now.Unix(), Valid: true}, ExpiresAt: now.Add(ApprovalValidFor).Unix(), ID: id}); err != nil || n != 1 {
			return errors.Join(err, errs.Conflictf("This request can no longer be approved."))
		}
		_, err = trail.Write(ctx, tx, now, audit.Entry{Tag: "admin.approval.approve", Actor: approver, Target: a.CustomerUserID, IP: ip, UserAgent: ua,
			Metadata: map[string]any{"approval_id": id, "customer_user_id": a.CustomerUserID, "requester_user_id": a.RequesterID,
				"ticket": a.Ticket, "reason": a.Reason, "allow_changes": a.AllowChanges == 1}})
		return err
	})
	return a, err
}

// SetProtected marks customer id protected with a reason, or not (reason ""), recorded as
// admin.customer.protect / admin.customer.unprotect (admins only).
func SetProtected(ctx context.Context, tx *sql.Tx, trail *audit.Trail, admin, id int64, protect bool, reason, ip, ua string, now time.Time) error {
	q := queries.New(tx)
	if err := access.CheckAdmin(ctx, q, access.Actor{UserID: admin}); err != nil {
		return err
	}
	reason, err := ReasonField.Check(reason)
	if err != nil {
		return err
	}
	stored, tag := reason, "admin.customer.protect"
	if !protect {
		stored, tag = "", "admin.customer.unprotect"
	}
	if n, err := q.SetProtectedReason(ctx, queries.SetProtectedReasonParams{Reason: stored, ID: id}); err != nil {
		return err
	} else if n != 1 {
		return errs.NotFoundf("This customer")
	}
	_, err = trail.Write(ctx, tx, now, audit.Entry{Tag: tag, Actor: admin, Target: id, IP: ip, UserAgent: ua, Metadata: map[string]any{"reason": reason}})
	return err
}

// GrantAccess is the customer's own "let support see my account for 24 hours" (never an
// impersonating admin's), shown in their activity. Granting again renews it from now.
func GrantAccess(ctx context.Context, tx *sql.Tx, a access.Actor, customer int64, now time.Time) error {
	q := queries.New(tx)
	if err := ownOnly(ctx, q, a, customer, now); err != nil {
		return err
	}
	if _, err := q.RevokeSupportGrants(ctx, queries.RevokeSupportGrantsParams{Now: sql.NullInt64{Int64: now.Unix(), Valid: true}, ActingAs: customer}); err != nil {
		return err // the one in force, if any, gives way to the new one
	}
	until := now.Add(GrantFor)
	if err := q.InsertSupportGrant(ctx, queries.InsertSupportGrantParams{ActingAs: customer, GrantedAt: now.Unix(), ExpiresAt: until.Unix()}); err != nil {
		return err
	}
	return q.InsertActivity(ctx, queries.InsertActivityParams{ActingAs: customer, At: now.Unix(), Kind: "access",
		Summary: "Let ChargeDesk support see this account until " + format.When(until.Unix()), ActorRole: "customer"})
}

// RevokeAccess ends the customer's grant and every open impersonation of them at once
// (end_via grant_revoked, each with its end row), recorded as customer.consent.revoke and
// shown in their activity. Without a grant in
// force it changes nothing (and says so by its silence: there was nothing to take back).
func RevokeAccess(ctx context.Context, tx *sql.Tx, trail *audit.Trail, a access.Actor, customer int64, ip, ua string, now time.Time) (ended int, err error) {
	q := queries.New(tx)
	if err := ownOnly(ctx, q, a, customer, now); err != nil {
		return 0, err
	}
	if n, err := q.RevokeSupportGrants(ctx, queries.RevokeSupportGrantsParams{Now: sql.NullInt64{Int64: now.Unix(), Valid: true}, ActingAs: customer}); err != nil {
		return 0, err
	} else if n == 0 {
		return 0, nil
	}
	if ended, err = endOpenInTx(ctx, tx, trail, customer, access.ViaGrantRevoked, now, ip, ua); err != nil {
		return 0, err
	}
	if _, err := trail.Write(ctx, tx, now, audit.Entry{Tag: "customer.consent.revoke", Actor: customer, Target: customer, IP: ip, UserAgent: ua,
		Metadata: map[string]any{"impersonations_ended": ended}}); err != nil {
		return 0, err
	}
	return ended, q.InsertActivity(ctx, queries.InsertActivityParams{ActingAs: customer, At: now.Unix(), Kind: "access",
		Summary: "Revoked ChargeDesk support's access to this account", ActorRole: "customer"})
}

// ownOnly refuses anyone but the customer themself (an impersonating admin included).
func ownOnly(ctx context.Context, q *queries.Queries, a access.Actor, customer int64, now time.Time) error {
	if a.ImpersonationID != 0 || a.UserID != customer {
		return errs.Forbiddenf("Only the customer can give or take back support's access to their account.")
	}
	return access.CheckCustomerWrite(ctx, q, a, customer, now)
}
