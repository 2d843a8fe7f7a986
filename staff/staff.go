// Package staff is the console's management of accounts, for admins: create staff with a
// one-time link to set their password, change a staff member's role, disable and enable staff
// and customers. Every change re-reads the admin (access.CheckAdmin) in its transaction and is
// recorded there (admin.staff.*, admin.customer.*), so it is never made unrecorded. A disabled
// account loses its sessions at once; its impersonations end on the next request or sweep.
package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"chargedesk/access"
	"chargedesk/audit"
	"chargedesk/errs"
	"chargedesk/queries"
	"chargedesk/text"
	"chargedesk/users"
)

// LinkValidFor is how long a password-set link works.
const LinkValidFor = 24 * time.Hour

// Change is who makes a change, when, and the trail that records it.
type Change struct {
	Admin         int64
	Now           time.Time
	IP, UserAgent string
	Trail         *audit.Trail
}

// The free-text fields of the forms.
var (
	NameField   = text.Field{Name: "Name", Max: 200, Required: true}
	EmailField  = text.Field{Name: "Email", Max: 254, Required: true}
	ReasonField = text.Field{Name: "Reason", Max: 1000, Required: true, Multiline: true}
)

// Create adds a staff member (role support or admin) with an unusable password and returns
// the one-time token of the link that sets it (shown once to the admin; only its hash is
// kept), recorded as admin.staff.create.
func Create(ctx context.Context, tx *sql.Tx, ch Change, email, name, role string) (queries.User, string, error) {
	q := queries.New(tx)
	if err := access.CheckAdmin(ctx, q, access.Actor{UserID: ch.Admin}); err != nil {
		return queries.User{}, "", err
	}
	var err error
	if name, err = NameField.Check(name); err != nil {
		return queries.User{}, "", err
	}
	if email, err = EmailField.Check(email); err != nil {
		return queries.User{}, "", err
	}
	if !strings.Contains(email, "@") || strings.ContainsAny(email, " \t") {
		return queries.User{}, "", errs.Invalidf("Email must be an address like sam@example.com.")
	}
	if !access.IsStaff(role) {
		return queries.User{}, "", errs.Invalidf("Role must be support or admin.")
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	hash, err := users.HashPassword(hex.EncodeToString(secret)) // never told to anyone: set through the link
	if err != nil {
		return queries.User{}, "", err
	}
	u, err := users.Insert(ctx, q, users.NewUser{Email: email, Name: name, Role: role}, hash, ch.Now)
	if err != nil {
		if errors.As(err, new(users.ErrEmailTaken)) {
			return u, "", errs.Invalidf("A user with email %s already exists.", email)
		}
		return u, "", err
	}
	token, err := newLink(ctx, q, ch, u.ID)
	if err != nil {
		return u, "", err
	}
	return u, token, record(ctx, tx, ch, "admin.staff.create", u.ID, map[string]any{"email": email, "name": name, "role": role})
}

// NewLink makes a new one-time password-set link for staff member id (a lost or expired one)
// and voids their older unused ones, recorded as admin.staff.link.
func NewLink(ctx context.Context, tx *sql.Tx, ch Change, id int64) (string, error) {
	q := queries.New(tx)
	if err := access.CheckAdmin(ctx, q, access.Actor{UserID: ch.Admin}); err != nil {
		return "", err
	}
	u, err := managed(ctx, q, id, true)
	if err != nil {
		return "", err
	}
	voided, err := q.VoidPasswordTokens(ctx, queries.VoidPasswordTokensParams{Now: sql.NullInt64{Int64: ch.Now.Unix(), Valid: true}, UserID: u.ID})
	if err != nil {
		return "", err
	}
	token, err := newLink(ctx, q, ch, u.ID)
	if err != nil {
		return "", err
	}
	return token, record(ctx, tx, ch, "admin.staff.link", u.ID, map[string]any{"email": u.Email, "older_links_voided": voided})
}

// ResetFactors removes every second factor and recovery code of staff member id (a lost phone
// and lost codes) and signs them out everywhere, recorded as admin.staff.mfa_reset. They sign
// in next with their password alone and, where the team requires factors, enrol a new one
// before anything else. Nobody resets their own (they remove factors on their Security page);
// for 7 days after, the resetting admin's requests get no approval from them.
func ResetFactors(ctx context.Context, tx *sql.Tx, ch Change, id int64, reason string) error {
	q := queries.New(tx)
	u, reason, err := changing(ctx, q, ch, id, reason, true, "You cannot reset your own second factors here: remove or add them on your Security page.")
	if err != nil {
		return err
	}
	removed, err := q.DeleteAllFactors(ctx, u.ID)
	if err != nil {
		return err
	}
	if err := q.DeleteRecoveryCodes(ctx, u.ID); err != nil {
		return err
	}
	ended, err := q.DeleteUserSessions(ctx, sql.NullInt64{Int64: u.ID, Valid: true})
	if err != nil {
		return err
	}
	return record(ctx, tx, ch, "admin.staff.mfa_reset", u.ID, map[string]any{"email": u.Email, "factors_removed": removed,
		"sessions_ended": ended, "reason": reason})
}

// SignOut ends every session of staff member id (a laptop left open, a session that may be
// stolen) without disabling the account, recorded as admin.staff.signout with a reason: they
// sign in again with their password and factor. An impersonation they had open ends when it
// goes idle; to keep someone out, disable the account. Nobody signs themself out here (their
// Security page does that).
func SignOut(ctx context.Context, tx *sql.Tx, ch Change, id int64, reason string) error {
	q := queries.New(tx)
	u, reason, err := changing(ctx, q, ch, id, reason, true, "You cannot sign yourself out here: use Sign out everywhere else on your Security page.")
	if err != nil {
		return err
	}
	ended, err := q.DeleteUserSessions(ctx, sql.NullInt64{Int64: u.ID, Valid: true})
	if err != nil {
		return err
	}
	if ended == 0 {
		return errs.Conflictf("%s is not signed in anywhere: nothing was changed.", u.Name)
	}
	return record(ctx, tx, ch, "admin.staff.signout", u.ID, map[string]any{"email": u.Email, "sessions_ended": ended, "reason": reason})
}

// SetRole makes staff member id a support agent or an admin, recorded as admin.staff.role.
// Nobody changes their own role (so an admin always remains: the one acting).
func SetRole(ctx context.Context, tx *sql.Tx, ch Change, id int64, role, reason string) error {
	q := queries.New(tx)
	u, reason, err := changing(ctx, q, ch, id, reason, true, "You cannot change your own role; ask another admin.")
	switch {
	case err != nil:
		return err
	case !access.IsStaff(role):
		return errs.Invalidf("Role must be support or admin.")
	case u.Role == role:
		return errs.Conflictf("%s is already %s.", u.Name, article(role))
	}
	if err := q.SetUserRole(ctx, queries.SetUserRoleParams{Role: role, ID: u.ID}); err != nil {
		return err
	}
	return record(ctx, tx, ch, "admin.staff.role", u.ID, map[string]any{"from": u.Role, "to": role, "reason": reason})
}

// SetStatus disables or enables account id (staff or customer) with a reason, recorded as
// admin.staff.disable/enable or admin.customer.disable/enable. Disabling logs the account out
// everywhere at once; an impersonation by or of it ends on its next request (or the sweep).
// Nobody disables themself.
func SetStatus(ctx context.Context, tx *sql.Tx, ch Change, id int64, enable bool, reason string) error {
	q := queries.New(tx)
	u, reason, err := changing(ctx, q, ch, id, reason, false, "You cannot disable or enable your own account; ask another admin.")
	if err != nil {
		return err
	}
	status, verb := access.StatusActive, "enable"
	if !enable {
		status, verb = "disabled", "disable"
	}
	switch {
	case u.Status == status:
		return errs.Conflictf("%s's account is already %s.", u.Name, map[bool]string{true: "active", false: "disabled"}[enable])
	}
	if err := q.SetUserStatus(ctx, queries.SetUserStatusParams{Status: status, ID: u.ID}); err != nil {
		return err
	}
	sessions := int64(0)
	if !enable {
		if sessions, err = q.DeleteUserSessions(ctx, sql.NullInt64{Int64: u.ID, Valid: true}); err != nil {
			return err
		}
	}
	kind := "admin.customer."
	if access.IsStaff(u.Role) {
		kind = "admin.staff."
	}
	return record(ctx, tx, ch, kind+verb, u.ID, map[string]any{"reason": reason, "sessions_ended": sessions})
}

// changing opens an admin's change to account id, in its order of refusals: the admin re-read
// in the transaction (access.CheckAdmin), the reason checked, the account found (staffOnly
// refuses customers) and not the admin's own (self says what to do instead).
func changing(ctx context.Context, q *queries.Queries, ch Change, id int64, reason string, staffOnly bool, self string) (queries.GetUserForAdminRow, string, error) {
	var u queries.GetUserForAdminRow
	if err := access.CheckAdmin(ctx, q, access.Actor{UserID: ch.Admin}); err != nil {
		return u, "", err
	}
	reason, err := ReasonField.Check(reason)
	if err != nil {
		return u, "", err
	}
	if u, err = managed(ctx, q, id, staffOnly); err != nil {
		return u, "", err
	}
	if u.ID == ch.Admin {
		return u, "", errs.Conflictf("%s", self)
	}
	return u, reason, nil
}

// managed is account id as an admin manages it: staffOnly refuses customers.
func managed(ctx context.Context, q *queries.Queries, id int64, staffOnly bool) (queries.GetUserForAdminRow, error) {
	u, err := q.GetUserForAdmin(ctx, id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && staffOnly && !access.IsStaff(u.Role)) {
		return u, errs.NotFoundf("This staff member")
	}
	return u, err
}

func newLink(ctx context.Context, q *queries.Queries, ch Change, user int64) (string, error) {
	b := make([]byte, 24)
	rand.Read(b)
	token := hex.EncodeToString(b)
	return token, q.InsertPasswordToken(ctx, queries.InsertPasswordTokenParams{TokenHash: TokenHash(token), UserID: user,
		CreatedBy: ch.Admin, CreatedAt: ch.Now.Unix(), ExpiresAt: ch.Now.Add(LinkValidFor).Unix()})
}

// TokenHash is how a link's token is stored.
func TokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func record(ctx context.Context, tx *sql.Tx, ch Change, tag string, target int64, meta map[string]any) error {
	_, err := ch.Trail.Write(ctx, tx, ch.Now, audit.Entry{Tag: tag, Actor: ch.Admin, Target: target, IP: ch.IP, UserAgent: ch.UserAgent, Metadata: meta})
	if err != nil {
		return fmt.Errorf("write %s: %w", tag, err)
	}
	return nil
}

func article(role string) string {
	if role == access.RoleAdmin {
		return "an admin"
	}
	return "a support agent"
}

// Link is what a password-set link shows before the password is chosen.
type Link struct {
	Name, Email string
}

// CheckLink is the account a password-set link is for, or why it no longer works
// (errs.NotFound: unknown, used or expired — one sentence for all, so a guess learns nothing).
func CheckLink(ctx context.Context, q *queries.Queries, token string, now time.Time) (Link, error) {
	t, err := q.GetPasswordToken(ctx, TokenHash(token))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (t.UsedAt.Valid || t.ExpiresAt <= now.Unix() || t.Status != access.StatusActive)) {
		return Link{}, errs.E(errs.NotFound, "This link does not work: it was used already, it expired (links last 24 hours), or it was mistyped. Ask an admin for a new one.")
	}
	return Link{Name: t.Name, Email: t.Email}, err
}

// SetPassword sets the password of the account link token is for, once and before it expires,
// and ends every session of that account, recorded as password.set.
func SetPassword(ctx context.Context, tx *sql.Tx, trail *audit.Trail, token, password, ip, ua string, now time.Time) (Link, error) {
	q := queries.New(tx)
	l, err := CheckLink(ctx, q, token, now)
	if err != nil {
		return l, err
	}
	if !users.PasswordLengthOK(password) {
		return l, errs.Invalidf("Choose a password of %d to %d characters.", users.MinPassword, users.MaxPassword)
	}
	t, err := q.GetPasswordToken(ctx, TokenHash(token))
	if err != nil {
		return l, err
	}
	hash, err := users.HashPassword(password)
	if err != nil {
		return l, err
	}
	if n, err := q.UsePasswordToken(ctx, queries.UsePasswordTokenParams{Now: sql.NullInt64{Int64: now.Unix(), Valid: true}, TokenHash: TokenHash(token)}); err != nil || n != 1 {
		return l, errors.Join(err, errs.E(errs.NotFound, "This link was used already. Ask an admin for a new one."))
	}
	if err := q.SetPasswordHash(ctx, queries.SetPasswordHashParams{PasswordHash: hash, ID: t.UserID}); err != nil {
		return l, err
	}
	// A new password ends every session the account had: whoever was signed in with the old
	// one is signed out.
	ended, err := q.DeleteUserSessions(ctx, sql.NullInt64{Int64: t.UserID, Valid: true})
	if err != nil {
		return l, err
	}
	_, err = trail.Write(ctx, tx, now, audit.Entry{Tag: "password.set", Actor: t.UserID, Target: t.UserID, IP: ip, UserAgent: ua,
		Metadata: map[string]any{"via": "one-time link", "sessions_ended": ended}})
	return l, err
}
