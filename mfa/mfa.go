// Package mfa is second factors: TOTP (RFC 6238, pquerna/otp), passkeys (WebAuthn,
// go-webauthn) and one-time recovery codes. Every function takes the caller's transaction, one
// now and who acts (By); every change writes its auth_audit row in that transaction. It knows
// nothing of HTTP: the handlers run the ceremonies and call here to record and check.
package mfa

import (
	"context"
	"database/sql"
	"time"

	"chargedesk/audit"
	"chargedesk/errs"
	"chargedesk/queries"
)

// Factor kinds, and how a session or an audit row names the factor it used.
const (
	TOTP     = "totp"
	Passkey  = "passkey"
	Recovery = "recovery" // a one-time recovery code
	SSO      = "sso"      // the identity provider said it checked a second factor (--oidc-trust-mfa)
	None     = "none"     // no factor: the policy does not ask for one and the account has none
)

// MaxFactors bounds how many factors one account may hold.
const MaxFactors = 10

// By is who makes a change and from where: the user themself, or an admin resetting a
// colleague's factors.
type By struct {
	Actor         int64
	IP, UserAgent string
	Now           time.Time
}

// Used is the factor a code or a passkey proved: its kind and, for a recovery code, how many
// codes remain.
type Used struct {
	Kind      string
	FactorID  int64
	Remaining int64
}

func write(ctx context.Context, tx *sql.Tx, trail *audit.Trail, by By, tag string, target int64, meta map[string]any) error {
	_, err := trail.Write(ctx, tx, by.Now, audit.Entry{Tag: tag, Actor: by.Actor, Target: target, IP: by.IP, UserAgent: by.UserAgent, Metadata: meta})
	return err
}

func roomForAnother(ctx context.Context, q *queries.Queries, user int64) error {
	fs, err := q.ListFactors(ctx, user)
	if err != nil {
		return err
	}
	if len(fs) >= MaxFactors {
		return errs.Conflictf("This account has %d second factors already, the most it may hold. Remove one first.", MaxFactors)
	}
	return nil
}

// Remove deletes one of user's factors. Removing the last one also deletes the recovery codes
// and signs out every other session of the account (keep is the hash of the session the
// removal is made from). The caller asks for a recent factor first (step-up).
func Remove(ctx context.Context, tx *sql.Tx, trail *audit.Trail, user, factor int64, keep string, by By) (last bool, ended int64, err error) {
	q := queries.New(tx)
	f, err := q.GetFactor(ctx, queries.GetFactorParams{ID: factor, UserID: user})
	if err != nil {
		return false, 0, errs.NotFoundf("This second factor")
	}
	if _, err := q.DeleteFactor(ctx, queries.DeleteFactorParams{ID: factor, UserID: user}); err != nil {
		return false, 0, err
	}
	left, err := q.CountFactors(ctx, user)
	if err != nil {
		return false, 0, err
	}
	if last = left == 0 && f.ConfirmedAt.Valid; last {
		if err := q.DeleteRecoveryCodes(ctx, user); err != nil {
			return false, 0, err
		}
		if ended, err = q.DeleteOtherSessions(ctx, queries.DeleteOtherSessionsParams{UserID: sql.NullInt64{Int64: user, Valid: true}, Keep: keep}); err != nil {
			return false, 0, err
		}
	}
	return last, ended, write(ctx, tx, trail, by, "mfa.remove", user, map[string]any{
		"factor_id": f.ID, "kind": f.Kind, "name": f.Name, "last": last, "sessions_ended": ended})
}
