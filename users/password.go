package users

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"golang.org/x/crypto/bcrypt"

	"chargedesk/audit"
	"chargedesk/errs"
	"chargedesk/queries"
)

// PasswordChange is a signed-in user changing their own password.
type PasswordChange struct {
	User          int64
	Current, New  string
	KeepSession   string // the hash of the session id the change is made from: it stays signed in
	IP, UserAgent string
	Now           time.Time
}

// ChangePassword sets a user's new password after checking their current one, signs out
// every other session of the account (whoever knew the old password is out), and records
// password.change with how many sessions it ended — all in tx.
func ChangePassword(ctx context.Context, tx *sql.Tx, trail *audit.Trail, c PasswordChange) (ended int64, err error) {
	q := queries.New(tx)
	hash, err := q.GetPasswordHash(ctx, c.User)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errs.Forbiddenf("This account is disabled.")
	} else if err != nil {
		return 0, err
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(c.Current)) != nil {
		return 0, errs.Invalidf("Your current password is not right, so nothing was changed.")
	}
	switch {
	case !PasswordLengthOK(c.New):
		return 0, errs.Invalidf("Choose a new password of %d to %d characters.", MinPassword, MaxPassword)
	case c.New == c.Current:
		return 0, errs.Invalidf("The new password is the one you have: choose another.")
	}
	newHash, err := HashPassword(c.New)
	if err != nil {
		return 0, err
	}
	if err := q.SetPasswordHash(ctx, queries.SetPasswordHashParams{PasswordHash: newHash, ID: c.User}); err != nil {
		return 0, err
	}
	if ended, err = q.DeleteOtherSessions(ctx, queries.DeleteOtherSessionsParams{UserID: sql.NullInt64{Int64: c.User, Valid: true}, Keep: c.KeepSession}); err != nil {
		return 0, err
	}
	_, err = trail.Write(ctx, tx, c.Now, audit.Entry{Tag: "password.change", Actor: c.User, Target: c.User, IP: c.IP, UserAgent: c.UserAgent,
		Metadata: map[string]any{"sessions_ended": ended}})
	return ended, err
}
