// Package impersonation starts and ends support impersonations and keeps the rule that every
// start has its end: the state lives in the impersonations table (one active row per admin,
// enforced by a partial unique index), and each start and end writes its auth_audit row.
package impersonation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/queries"
)

// How an impersonation ended (impersonations.end_via).
const (
	ViaExit             = "exit"
	ViaMarkerRemoved    = "marker_removed"
	ViaExpired          = "expired"
	ViaRoleRevoked      = "role_revoked"
	ViaAdminDisabled    = "admin_disabled"
	ViaCustomerDisabled = "customer_disabled"
	ViaServerRestart    = "server_restart"
	ViaLogout           = "logout"
)

// StartRoute is the route recorded on the start's impersonation_audit row.
const StartRoute = "/api/customer/impersonation/start"

// ErrAlreadyActive means the admin already has an active impersonation.
var ErrAlreadyActive = errors.New("impersonation: already impersonating")

// Request is a validated request to start.
type Request struct {
	Admin, Customer int64
	Ticket, Reason  string
	AllowChanges    bool
	TTL             time.Duration
	IP, UserAgent   string
}

// Start records a new impersonation with its impersonation.start auth_audit row and its first
// impersonation_audit row, all in one transaction: if the audit cannot be written, nothing
// starts (fail closed). A second active impersonation for the admin is ErrAlreadyActive.
func Start(ctx context.Context, d *db.DB, r Request, now time.Time) (queries.Impersonation, error) {
	var imp queries.Impersonation
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		q := queries.New(tx)
		var allow int64
		if r.AllowChanges {
			allow = 1
		}
		var err error
		imp, err = q.StartImpersonation(ctx, queries.StartImpersonationParams{
			AdminUserID: r.Admin, CustomerUserID: r.Customer, Ticket: r.Ticket, Reason: r.Reason,
			AllowChanges: allow, StartedAt: now.Unix(), ExpiresAt: now.Add(r.TTL).Unix(),
		})
		if err != nil {
			if strings.Contains(err.Error(), "UNIQUE constraint failed") {
				return ErrAlreadyActive
			}
			return err
		}
		if _, err := audit.Write(ctx, tx, now, audit.Entry{
			Tag: audit.TagImpersonationStart, Actor: r.Admin, Target: r.Customer, IP: r.IP, UserAgent: r.UserAgent,
			Metadata: map[string]any{
				"customer_user_id": r.Customer, "impersonation_id": imp.ID,
				"ticket": r.Ticket, "reason": r.Reason, "allow_changes": r.AllowChanges,
				"expires_at": imp.ExpiresAt,
			},
		}); err != nil {
			return fmt.Errorf("write impersonation.start: %w", err)
		}
		_, err = audit.WriteRoute(ctx, tx, now.Unix(), audit.RouteEntry{
			ImpersonationID: imp.ID, Admin: r.Admin, Customer: r.Customer,
			Method: "POST", Route: StartRoute, Path: StartRoute, Status: 303, Outcome: audit.Changed,
		})
		return err
	})
	return imp, err
}

// End ends imp (if it is still active) and then writes its impersonation.end row. The end
// itself is committed first, so a failing audit write never keeps an impersonation alive:
// auditErr reports that failure for the caller to log loudly. ended is false when the
// impersonation had already ended.
func End(ctx context.Context, d *db.DB, imp queries.Impersonation, via string, now time.Time, ip, ua string) (ended bool, auditErr error, err error) {
	n, err := queries.New(d.W).EndImpersonation(ctx, queries.EndImpersonationParams{
		ID: imp.ID, EndedAt: sql.NullInt64{Int64: now.Unix(), Valid: true}, EndVia: sql.NullString{String: via, Valid: true},
	})
	if err != nil {
		return false, nil, err
	}
	if n == 0 {
		return false, nil, nil
	}
	_, auditErr = audit.Log(ctx, d.W, now, audit.Entry{
		Tag: audit.TagImpersonationEnd, Actor: imp.AdminUserID, Target: imp.CustomerUserID, IP: ip, UserAgent: ua,
		Metadata: map[string]any{
			"customer_user_id": imp.CustomerUserID, "impersonation_id": imp.ID, "via": via,
			"ticket": imp.Ticket, "duration_s": now.Unix() - imp.StartedAt,
		},
	})
	return true, auditErr, nil
}

// Sweep ends every active impersonation that must end (expired, admin no longer an active
// admin, customer disabled) and returns how many it ended. At start-up, via overrides the
// reason for expired ones with server_restart.
func Sweep(ctx context.Context, d *db.DB, now time.Time, atStartup bool) (int, error) {
	rows, err := queries.New(d.W).ListImpersonationsToEnd(ctx, now.Unix())
	if err != nil {
		return 0, err
	}
	ended := 0
	var errs []error
	for _, r := range rows {
		via := r.Why
		if atStartup && via == ViaExpired {
			via = ViaServerRestart
		}
		ok, auditErr, err := End(ctx, d, queries.Impersonation{ID: r.ID, AdminUserID: r.AdminUserID, CustomerUserID: r.CustomerUserID, Ticket: r.Ticket, StartedAt: r.StartedAt}, via, now, "", "chargedesk")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if auditErr != nil {
			errs = append(errs, fmt.Errorf("impersonation %d ended but its end row was not written: %w", r.ID, auditErr))
		}
		if ok {
			ended++
		}
	}
	return ended, errors.Join(errs...)
}
