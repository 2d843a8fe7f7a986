package impersonation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"chargedesk/access"
	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/errs"
	"chargedesk/format"
	"chargedesk/queries"
)

// ExtendRequest asks to move the end of the admin's active impersonation Step later, to at
// most Max after its start.
type ExtendRequest struct {
	Admin     int64
	Step, Max time.Duration
	Idle      time.Duration // an impersonation idle this long has ended: nothing to extend
	// LastActive, when set, is Guard.LastActive: idle counts from the last request seen.
	LastActive    func(imp int64, recorded time.Time) time.Time
	IP, UserAgent string
	Asked         Asked
}

// Extend moves the end of the admin's active impersonation r.Step later (capped at r.Max
// after its start) and records it in the same transaction: an impersonation.extend
// auth_audit row with the new and the previous expiry, and the request's
// impersonation_audit row. If the audit cannot be written nothing changes (fail closed).
// It re-reads everything inside the transaction: errs.Forbidden when the caller is no longer
// an active admin, errs.NotFound when they impersonate no one, errs.Conflict when the
// impersonation must end now (expired, idle, customer disabled …) or already runs to the
// maximum.
func Extend(ctx context.Context, d *db.DB, trail *audit.Trail, r ExtendRequest, now time.Time) (queries.Impersonation, error) {
	var imp queries.Impersonation
	ctx, cancel := audit.Detached(ctx)
	defer cancel()
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		q := queries.New(tx)
		if _, err := access.CheckStaff(ctx, q, access.Actor{UserID: r.Admin}); err != nil {
			return err
		}
		cur, err := q.ActiveImpersonationForCheck(ctx, r.Admin)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "You are not impersonating anyone, so there is nothing to extend.")
		} else if err != nil {
			return err
		}
		var target *access.User
		if cur.CustomerRole != "" {
			target = &access.User{ID: cur.CustomerUserID, Role: cur.CustomerRole, Status: cur.CustomerStatus}
		}
		last := time.Unix(cur.LastActivity, 0)
		if r.LastActive != nil {
			last = r.LastActive(cur.ID, last)
		}
		if _, end := access.MustEnd(access.Impersonation{ID: cur.ID, Customer: cur.CustomerUserID, ExpiresAt: time.Unix(cur.ExpiresAt, 0),
			LastActivity: last}, access.User{ID: r.Admin, Role: cur.AdminRole, Status: cur.AdminStatus},
			target, now, r.Idle); end {
			return errs.Conflictf("This impersonation has ended (it expired, or the account changed), so it cannot be extended. Start a new one from the customer's page.")
		}
		limit := cur.StartedAt + int64(r.Max/time.Second)
		to := min(cur.ExpiresAt+int64(r.Step/time.Second), limit)
		if to <= cur.ExpiresAt {
			return errs.Conflictf("This impersonation already runs until %s, the most allowed (%s after it started). Start a new one if the ticket needs more time.",
				format.Clock(cur.ExpiresAt), format.Span(r.Max))
		}
		if _, err := trail.Write(ctx, tx, now, audit.Entry{
			Tag: audit.TagImpersonationExtend, Actor: r.Admin, Target: cur.CustomerUserID, IP: r.IP, UserAgent: r.UserAgent,
			Metadata: map[string]any{
				"customer_user_id": cur.CustomerUserID, "impersonation_id": cur.ID, "ticket": cur.Ticket,
				"previous_expires_at": cur.ExpiresAt, "expires_at": to,
			},
		}); err != nil {
			return fmt.Errorf("write impersonation.extend: %w", err)
		}
		if n, err := q.ExtendImpersonation(ctx, queries.ExtendImpersonationParams{ID: cur.ID, ExpiresAt: to}); err != nil || n != 1 {
			return errors.Join(err, errors.New("impersonation: extension not applied"))
		}
		if _, err := trail.WriteRoute(ctx, tx, now.Unix(), audit.RouteEntry{
			ImpersonationID: cur.ID, Admin: r.Admin, Customer: cur.CustomerUserID,
			Method: r.Asked.Method, Route: r.Asked.Route, Path: r.Asked.Route, Status: r.Asked.Status, Outcome: audit.Changed,
		}); err != nil {
			return err
		}
		imp, err = q.GetImpersonationByID(ctx, cur.ID)
		return err
	})
	return imp, err
}
