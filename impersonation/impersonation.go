// Package impersonation starts and ends support impersonations and keeps the rule that every
// start has its end: the state lives in the impersonations table (one active row per admin,
// enforced by a partial unique index), and each start and end writes its auth_audit row.
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
	"chargedesk/queries"
	"chargedesk/text"
)

// Asked is the request that starts or extends an impersonation as its impersonation_audit
// row records it. The HTTP layer fills it in: this package knows no routes or statuses.
type Asked struct {
	Method, Route string
	Status        int // what the request is answered when it succeeds
}

// ErrAlreadyActive means the admin already has an active impersonation.
var ErrAlreadyActive = errors.New("impersonation: already impersonating")

// Request is a validated request to start.
type Request struct {
	Admin, Customer int64
	Ticket, Reason  string
	AllowChanges    bool
	AllowPayments   bool // payment methods too (admins only, with AllowChanges)
	TTL             time.Duration
	IP, UserAgent   string
	Asked           Asked
	// Notify emails the customer that support opened the account, when they asked for it.
	Notify Notify
}

// The start form's free-text fields.
var (
	TicketField = text.Field{Name: "Ticket", Max: 64, Required: true}
	ReasonField = text.Field{Name: "Reason", Max: 1000, Required: true, Multiline: true}
)

// Start records a new impersonation with its impersonation.start auth_audit row and its first
// impersonation_audit row, all in one transaction: if the audit cannot be written, nothing
// starts (fail closed). It checks the ticket and reason (errs.Invalid), and — inside the
// transaction, after the request body was read — that the admin is still an active admin
// (errs.Forbidden) and the target an active customer other than themself (errs.NotFound,
// errs.Invalid). An expired impersonation still on record ends first; another active one is
// ErrAlreadyActive.
func Start(ctx context.Context, d *db.DB, trail *audit.Trail, r Request, now time.Time) (queries.Impersonation, error) {
	var imp queries.Impersonation
	var err error
	if r.Ticket, err = TicketField.Check(r.Ticket); err != nil {
		return imp, err
	}
	if r.Reason, err = ReasonField.Check(r.Reason); err != nil {
		return imp, err
	}
	ctx, cancel := audit.Detached(ctx)
	defer cancel()
	var requested int64
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		q := queries.New(tx)
		t, role, err := checkStart(ctx, q, r)
		if err != nil {
			return err
		}
		if t.ProtectedReason != "" { // a grant, an approval used now, or a request made
			if requested, err = protectedStart(ctx, tx, trail, &r, role, now); err != nil || requested != 0 {
				return err // the new request commits; nothing starts
			}
		}
		if cur, err := q.ActiveImpersonationOf(ctx, r.Admin); err == nil && cur.ExpiresAt <= now.Unix() {
			if _, auditErr, err := endInTx(ctx, tx, trail, cur, access.ViaExpired, now, r.IP, r.UserAgent); auditErr != nil || err != nil {
				return errors.Join(auditErr, err)
			}
		}
		var allow, payments int64
		if r.AllowChanges {
			allow = 1
		}
		if r.AllowPayments {
			payments = 1
		}
		imp, err = q.StartImpersonation(ctx, queries.StartImpersonationParams{
			AdminUserID: r.Admin, CustomerUserID: r.Customer, Ticket: r.Ticket, Reason: r.Reason,
			AllowChanges: allow, AllowPayments: payments, StartedAt: now.Unix(), ExpiresAt: now.Add(r.TTL).Unix(),
		})
		if db.IsConstraint(err, "impersonations.admin_user_id") {
			return ErrAlreadyActive
		} else if err != nil {
			return err
		}
		if _, err := trail.Write(ctx, tx, now, audit.Entry{
			Tag: audit.TagImpersonationStart, Actor: r.Admin, Target: r.Customer, IP: r.IP, UserAgent: r.UserAgent,
			Metadata: map[string]any{
				"customer_user_id": r.Customer, "impersonation_id": imp.ID,
				"ticket": r.Ticket, "reason": r.Reason, "allow_changes": r.AllowChanges, "allow_payments": r.AllowPayments,
				"expires_at": imp.ExpiresAt,
			},
		}); err != nil {
			return fmt.Errorf("write impersonation.start: %w", err)
		}
		if _, err = trail.WriteRoute(ctx, tx, now.Unix(), audit.RouteEntry{
			ImpersonationID: imp.ID, Admin: r.Admin, Customer: r.Customer,
			Method: r.Asked.Method, Route: r.Asked.Route, Path: r.Asked.Route, Status: r.Asked.Status, Outcome: audit.Changed,
		}); err != nil {
			return err
		}
		return r.Notify.opened(ctx, tx, r, now)
	})
	if err == nil && requested != 0 {
		return imp, &ApprovalNeeded{ApprovalID: requested, Created: true}
	}
	return imp, err
}

// checkStart re-reads the admin and the target inside the start's transaction, and returns
// the target and the admin's role now.
func checkStart(ctx context.Context, q *queries.Queries, r Request) (t queries.GetImpersonationTargetRow, role string, err error) {
	role, err = access.CheckStaff(ctx, q, access.Actor{UserID: r.Admin})
	if err != nil {
		return t, role, err
	}
	if sw, err := GetSwitch(ctx, q); err != nil {
		return t, role, err
	} else if !sw.Enabled {
		return t, role, errs.Conflictf("%s", sw.Off())
	}
	if r.AllowChanges && role != access.RoleAdmin {
		return t, role, errs.Forbiddenf("Support agents impersonate read-only: only an admin can allow changes. Start without “allow changes”, or ask an admin.")
	}
	if r.AllowPayments && !r.AllowChanges {
		return t, role, errs.Invalidf("Payment methods can only be changed in an impersonation that allows changes: tick “allow changes” too.")
	}
	t, err = q.GetImpersonationTarget(ctx, r.Customer)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return t, role, errs.NotFoundf("This user")
	case err != nil:
		return t, role, err
	case t.ID == r.Admin:
		return t, role, errs.Invalidf("You cannot impersonate yourself.")
	case t.Role != access.RoleCustomer:
		return t, role, errs.Invalidf("Admins cannot be impersonated; only customers can.")
	case t.Status != access.StatusActive:
		return t, role, errs.Invalidf("This customer's account is disabled and cannot be impersonated.")
	}
	return t, role, nil
}

// End ends imp, if it is still active, and writes its impersonation.end row in the same
// transaction, so that after a crash at any instant an ended impersonation has its end row.
// Only when the row itself cannot be written is the end committed alone (an audit failure
// never keeps an impersonation alive): auditErr reports it, for the caller to log loudly, and
// the row stays owed (end_audit_id NULL) until RecordOwedEnds writes it. err means the end
// itself could not be committed: the impersonation is still active. ended is false when it
// had already ended. The client going away cancels none of this.
func End(ctx context.Context, d *db.DB, trail *audit.Trail, imp queries.Impersonation, via string, now time.Time, ip, ua string) (ended bool, auditErr error, err error) {
	ctx, cancel := audit.Detached(ctx)
	defer cancel()
	err = d.CriticalTx(ctx, func(tx *sql.Tx) (err error) {
		ended, auditErr, err = endInTx(ctx, tx, trail, imp, via, now, ip, ua)
		return errors.Join(auditErr, err)
	})
	if auditErr == nil {
		return ended, nil, err
	}
	// The end row could not be written: end it alone, its row owed.
	err = d.CriticalTx(ctx, func(tx *sql.Tx) error {
		n, err := queries.New(tx).EndImpersonation(ctx, queries.EndImpersonationParams{
			ID: imp.ID, EndedAt: sql.NullInt64{Int64: now.Unix(), Valid: true}, EndVia: sql.NullString{String: via, Valid: true},
		})
		ended = n == 1
		return err
	})
	return ended, auditErr, err
}

// endInTx ends imp inside tx with its end row, if it is still active. auditErr is a failure
// to write the row (the caller may then end it alone); err is any other failure.
func endInTx(ctx context.Context, tx *sql.Tx, trail *audit.Trail, imp queries.Impersonation, via string, now time.Time, ip, ua string) (ended bool, auditErr, err error) {
	q := queries.New(tx)
	cur, err := q.GetImpersonationByID(ctx, imp.ID)
	if err != nil || cur.EndedAt.Valid {
		return false, nil, err
	}
	row, auditErr := trail.Write(ctx, tx, now, endEntry(cur, via, now, ip, ua))
	if auditErr != nil {
		return false, auditErr, nil
	}
	n, err := q.EndImpersonation(ctx, queries.EndImpersonationParams{
		ID: imp.ID, EndedAt: sql.NullInt64{Int64: now.Unix(), Valid: true},
		EndVia: sql.NullString{String: via, Valid: true}, EndAuditID: sql.NullInt64{Int64: row, Valid: true},
	})
	return n == 1, nil, err
}

func endEntry(imp queries.Impersonation, via string, now time.Time, ip, ua string) audit.Entry {
	return audit.Entry{
		Tag: audit.TagImpersonationEnd, Actor: imp.AdminUserID, Target: imp.CustomerUserID, IP: ip, UserAgent: ua,
		Metadata: map[string]any{
			"customer_user_id": imp.CustomerUserID, "impersonation_id": imp.ID, "via": via,
			"ticket": imp.Ticket, "duration_s": now.Unix() - imp.StartedAt,
		},
	}
}

// RecordOwedEnds writes the impersonation.end row of every impersonation that ended while its
// row could not be written (at the time it ended, marked late), and returns how many it wrote.
func RecordOwedEnds(ctx context.Context, d *db.DB, trail *audit.Trail, now time.Time) (int, error) {
	ctx, cancel := audit.Detached(ctx)
	defer cancel()
	owed, err := queries.New(d.W).ListUnrecordedEnds(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, imp := range owed {
		err := d.CriticalTx(ctx, func(tx *sql.Tx) error {
			e := endEntry(imp, imp.EndVia.String, time.Unix(imp.EndedAt.Int64, 0), "", "chargedesk")
			e.Metadata["recorded_late_at"] = now.Unix()
			row, err := trail.Write(ctx, tx, time.Unix(imp.EndedAt.Int64, 0), e)
			if err != nil {
				return err
			}
			_, err = queries.New(tx).RecordEndAudit(ctx, queries.RecordEndAuditParams{EndAuditID: sql.NullInt64{Int64: row, Valid: true}, ID: imp.ID})
			return err
		})
		if err != nil {
			return n, fmt.Errorf("impersonation %d: end row still owed: %w", imp.ID, err)
		}
		n++
	}
	return n, nil
}

// Sweep ends every active impersonation that must end by access.MustEnd (the admin lost the
// role or was disabled, the customer was disabled or made staff, it expired or sat idle) and
// returns how many it ended. At start-up, expired ones end as server_restart. Idle is measured
// from the newest audit row (a Guard's Sweep also counts the requests it has seen).
func Sweep(ctx context.Context, d *db.DB, trail *audit.Trail, now time.Time, idle time.Duration, atStartup bool) (int, error) {
	return sweep(ctx, d, trail, now, idle, atStartup, func(_ int64, recorded time.Time) time.Time { return recorded })
}

func sweep(ctx context.Context, d *db.DB, trail *audit.Trail, now time.Time, idle time.Duration, atStartup bool,
	lastActive func(imp int64, recorded time.Time) time.Time) (int, error) {
	rows, err := queries.New(d.W).ListActiveImpersonationsForSweep(ctx)
	if err != nil {
		return 0, err
	}
	ended := 0
	var errs []error
	for _, r := range rows {
		var target *access.User
		if r.CustomerRole != "" {
			target = &access.User{ID: r.CustomerUserID, Role: r.CustomerRole, Status: r.CustomerStatus}
		}
		via, end := access.MustEnd(access.Impersonation{ID: r.ID, Customer: r.CustomerUserID, ExpiresAt: time.Unix(r.ExpiresAt, 0),
			LastActivity: lastActive(r.ID, time.Unix(r.LastActivity, 0)), AllowChanges: r.AllowChanges == 1},
			access.User{ID: r.AdminUserID, Role: r.AdminRole, Status: r.AdminStatus}, target, now, idle)
		if !end {
			continue
		}
		if atStartup && via == access.ViaExpired {
			via = access.ViaServerRestart
		}
		ok, auditErr, err := End(ctx, d, trail, queries.Impersonation{ID: r.ID, AdminUserID: r.AdminUserID, CustomerUserID: r.CustomerUserID, Ticket: r.Ticket, StartedAt: r.StartedAt}, via, now, "", "chargedesk")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if auditErr != nil {
			errs = append(errs, fmt.Errorf("impersonation %d ended but its end row is owed: %w", r.ID, auditErr))
		}
		if ok {
			ended++
		}
	}
	return ended, errors.Join(errs...)
}

// endOpenInTx ends, inside tx, every open impersonation (of customer only, when not 0), each
// with its impersonation.end row, and returns how many it ended. Any failure fails tx: the
// change that ends them (the kill switch, a revoked grant) commits with all their ends or not
// at all.
func endOpenInTx(ctx context.Context, tx *sql.Tx, trail *audit.Trail, customer int64, via string, now time.Time, ip, ua string) (int, error) {
	open, err := queries.New(tx).ListActiveImpersonationsForSweep(ctx)
	if err != nil {
		return 0, err
	}
	ended := 0
	for _, o := range open {
		if customer != 0 && o.CustomerUserID != customer {
			continue
		}
		ok, auditErr, err := endInTx(ctx, tx, trail, queries.Impersonation{ID: o.ID}, via, now, ip, ua)
		if auditErr != nil || err != nil {
			return 0, fmt.Errorf("end impersonation %d: %w", o.ID, errors.Join(auditErr, err))
		}
		if ok {
			ended++
		}
	}
	return ended, nil
}
