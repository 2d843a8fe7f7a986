package staff_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/db/dbtest"
	"chargedesk/demo"
	"chargedesk/errs"
	"chargedesk/queries"
	"chargedesk/staff"
)

var ctx = context.Background()

type world struct {
	d                    *db.DB
	trail                *audit.Trail
	admin, support, jane int64
	now                  time.Time
}

func newWorld(t *testing.T) *world {
	t.Helper()
	d := dbtest.Seeded(t)
	id := func(email string) int64 { return dbtest.UserID(t, d, email) }
	return &world{d: d, trail: audit.NewTrail(audit.NewKey()), admin: id(demo.AdminEmail), support: id(demo.SupportEmail), jane: id(demo.JaneEmail), now: time.Now()}
}

func (w *world) change(admin int64) staff.Change {
	return staff.Change{Admin: admin, Now: w.now, Trail: w.trail}
}

func (w *world) tx(t *testing.T, f func(tx *sql.Tx) error) error {
	t.Helper()
	return w.d.Tx(ctx, f)
}

// Adding a staff member: only an admin, a name, an address, a staff role, an email nobody has.
// A refusal adds nobody and records nothing.
func TestCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		by               func(w *world) int64
		email, who, role string
		wantCode         errs.Code // -1: created
	}{
		{"an admin adds a support agent", func(w *world) int64 { return w.admin }, "kim@chargedesk.test", "Kim", "support", -1},
		{"an admin adds an admin", func(w *world) int64 { return w.admin }, "lee@chargedesk.test", "Lee", "admin", -1},
		{"a support agent may not", func(w *world) int64 { return w.support }, "kim@chargedesk.test", "Kim", "support", errs.Forbidden},
		{"a customer may not", func(w *world) int64 { return w.jane }, "kim@chargedesk.test", "Kim", "support", errs.Forbidden},
		{"not an address", func(w *world) int64 { return w.admin }, "kim", "Kim", "support", errs.Invalid},
		{"no name", func(w *world) int64 { return w.admin }, "kim@chargedesk.test", " ", "support", errs.Invalid},
		{"a customer role is no staff role", func(w *world) int64 { return w.admin }, "kim@chargedesk.test", "Kim", "customer", errs.Invalid},
		{"an email somebody has", func(w *world) int64 { return w.admin }, demo.JaneEmail, "Jane Again", "support", errs.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			var users, rows int
			w.d.R.QueryRow(`SELECT count(*) FROM users`).Scan(&users)
			w.d.R.QueryRow(`SELECT count(*) FROM auth_audit`).Scan(&rows)
			var token string
			err := w.tx(t, func(tx *sql.Tx) (err error) {
				_, token, err = staff.Create(ctx, tx, w.change(tt.by(w)), tt.email, tt.who, tt.role)
				return err
			})
			var usersAfter, rowsAfter int
			w.d.R.QueryRow(`SELECT count(*) FROM users`).Scan(&usersAfter)
			w.d.R.QueryRow(`SELECT count(*) FROM auth_audit`).Scan(&rowsAfter)
			if tt.wantCode < 0 {
				if err != nil || token == "" || usersAfter != users+1 || rowsAfter != rows+1 {
					t.Fatalf("create: %v, token %q, users +%d, audit rows +%d; want one of each", err, token, usersAfter-users, rowsAfter-rows)
				}
				return
			}
			if errs.CodeOf(err) != tt.wantCode || usersAfter != users || rowsAfter != rows {
				t.Errorf("create: %v (code %d), users +%d, rows +%d; want code %d and nothing added", err, errs.CodeOf(err), usersAfter-users, rowsAfter-rows, tt.wantCode)
			}
		})
	}
}

// A password-set link works once, before it expires; a short password changes nothing.
func TestPasswordLink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		use      func(w *world, token string) error
		wantCode errs.Code // -1: set
	}{
		{"once", func(w *world, token string) error { return w.set(token, "a-good-password", w.now) }, -1},
		{"not twice", func(w *world, token string) error {
			w.set(token, "a-good-password", w.now)
			return w.set(token, "another-password", w.now)
		}, errs.NotFound},
		{"not after a day", func(w *world, token string) error {
			return w.set(token, "a-good-password", w.now.Add(staff.LinkValidFor+time.Second))
		}, errs.NotFound},
		{"not a mistyped one", func(w *world, token string) error { return w.set(token+"x", "a-good-password", w.now) }, errs.NotFound},
		{"not a short password", func(w *world, token string) error { return w.set(token, "short", w.now) }, errs.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			var token string
			var u queries.User
			if err := w.tx(t, func(tx *sql.Tx) (err error) {
				u, token, err = staff.Create(ctx, tx, w.change(w.admin), "kim@chargedesk.test", "Kim", "support")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			var before string
			w.d.R.QueryRow(`SELECT password_hash FROM users WHERE id = ?`, u.ID).Scan(&before)
			err := tt.use(w, token)
			var after string
			w.d.R.QueryRow(`SELECT password_hash FROM users WHERE id = ?`, u.ID).Scan(&after)
			if tt.wantCode < 0 {
				if err != nil || after == before {
					t.Errorf("set: %v, password changed %v; want it set", err, after != before)
				}
				return
			}
			if errs.CodeOf(err) != tt.wantCode {
				t.Errorf("set: %v, want code %d", err, tt.wantCode)
			}
			if tt.name != "not twice" && after != before {
				t.Error("a refused link changed the password")
			}
		})
	}
}

func (w *world) set(token, password string, now time.Time) error {
	return w.d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := staff.SetPassword(ctx, tx, w.trail, token, password, "", "", now)
		return err
	})
}

// Roles: nobody changes their own; a change to the role someone has is a conflict.
func TestSetRole(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		target   func(w *world) int64
		role     string
		wantCode errs.Code // -1: changed
	}{
		{"support becomes admin", func(w *world) int64 { return w.support }, "admin", -1},
		{"not your own", func(w *world) int64 { return w.admin }, "support", errs.Conflict},
		{"already that role", func(w *world) int64 { return w.support }, "support", errs.Conflict},
		{"not a customer's", func(w *world) int64 { return w.jane }, "admin", errs.NotFound},
		{"no such role", func(w *world) int64 { return w.support }, "root", errs.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			err := w.tx(t, func(tx *sql.Tx) error {
				return staff.SetRole(ctx, tx, w.change(w.admin), tt.target(w), tt.role, "Team change")
			})
			if tt.wantCode < 0 && err != nil || tt.wantCode >= 0 && errs.CodeOf(err) != tt.wantCode {
				t.Errorf("set role: %v (code %d), want code %d", err, errs.CodeOf(err), tt.wantCode)
			}
		})
	}
}
