package impersonation

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"chargedesk/access"
	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/errs"
	"chargedesk/format"
	"chargedesk/queries"
)

// TagSwitch is the auth_audit tag of a change of the kill switch.
const TagSwitch = "admin.settings.impersonation"

// Switch is the kill switch as it stands.
type Switch struct {
	Enabled   bool
	Reason    string
	ChangedBy string // the staff member's name, "" when never changed
	ChangedAt int64
}

// GetSwitch reads the kill switch.
func GetSwitch(ctx context.Context, q *queries.Queries) (Switch, error) {
	s, err := q.GetImpersonationSwitch(ctx)
	return Switch{Enabled: s.Enabled == 1, Reason: s.Reason, ChangedBy: s.ChangedByName, ChangedAt: s.ChangedAt}, err
}

// Off is the sentence that says impersonation is off, and why.
func (s Switch) Off() string {
	return fmt.Sprintf("Impersonation is turned off for everyone (by %s, %s: “%s”). An admin can turn it back on under Settings.",
		s.ChangedBy, format.When(s.ChangedAt), s.Reason)
}

// SwitchRequest turns impersonation on or off.
type SwitchRequest struct {
	Admin         int64
	Enabled       bool
	Reason        string
	IP, UserAgent string
}

// SetSwitch turns impersonation on or off for everyone (admins only: errs.Forbidden), with a
// reason (errs.Invalid), recorded as admin.settings.impersonation. Turning it off ends every
// open impersonation at once (end_via disabled, each with its impersonation.end row), in the
// same transaction: when that commits, no impersonation is open and none can start.
func SetSwitch(ctx context.Context, d *db.DB, trail *audit.Trail, r SwitchRequest, now time.Time) (ended int, err error) {
	if r.Reason, err = ReasonField.Check(r.Reason); err != nil {
		return 0, err
	}
	ctx, cancel := audit.Detached(ctx)
	defer cancel()
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		ended = 0
		q := queries.New(tx)
		if err := access.CheckAdmin(ctx, q, access.Actor{UserID: r.Admin}); err != nil {
			return err
		}
		cur, err := GetSwitch(ctx, q)
		if err != nil {
			return err
		}
		if cur.Enabled == r.Enabled {
			state := map[bool]string{true: "on", false: "off"}[r.Enabled]
			return errs.Conflictf("Impersonation is already %s.", state)
		}
		var enabled int64
		if r.Enabled {
			enabled = 1
		}
		if err := q.SetImpersonationSwitch(ctx, queries.SetImpersonationSwitchParams{Enabled: enabled, Reason: r.Reason,
			ChangedBy: sql.NullInt64{Int64: r.Admin, Valid: true}, ChangedAt: now.Unix()}); err != nil {
			return err
		}
		if !r.Enabled {
			if ended, err = endOpenInTx(ctx, tx, trail, 0, access.ViaDisabled, now, r.IP, r.UserAgent); err != nil {
				return err
			}
		}
		_, err = trail.Write(ctx, tx, now, audit.Entry{
			Tag: TagSwitch, Actor: r.Admin, IP: r.IP, UserAgent: r.UserAgent,
			Metadata: map[string]any{"enabled": r.Enabled, "reason": r.Reason, "ended": ended},
		})
		return err
	})
	return ended, err
}
