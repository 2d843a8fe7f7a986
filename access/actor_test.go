package access_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"chargedesk/access"
	"chargedesk/db/dbtest"
	"chargedesk/errs"
	"chargedesk/queries"
)

// The re-check inside a write's transaction refuses whenever what allowed the request has
// changed since it began.
func TestCheckCustomerWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.Open(t)
	now := time.Unix(1_800_000_000, 0)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := d.W.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO users (id, public_id, email, name, role, status, password_hash, created_at) VALUES
		(1, 'adm_1', 'a@x.test', 'Admin', 'admin', 'active', 'x', 0),
		(2, 'cus_2', 'j@x.test', 'Jane', 'customer', 'active', 'x', 0),
		(3, 'cus_3', 'o@x.test', 'Omar', 'customer', 'active', 'x', 0)`)
	exec(`INSERT INTO impersonations (id, admin_user_id, customer_user_id, ticket, reason, allow_changes, started_at, expires_at, ended_at, end_via)
		VALUES (10, 1, 2, 'T', 'R', 1, ?, ?, NULL, NULL), (11, 1, 3, 'T', 'R', 1, ?, ?, ?, 'expired')`,
		now.Unix()-60, now.Unix()+600, now.Unix()-3600, now.Unix()-1800, now.Unix()-1800)
	q := queries.New(d.R)
	check := func(a access.Actor, customer int64) error { return access.CheckCustomerWrite(ctx, q, a, customer, now) }
	if err := check(access.Actor{UserID: 2}, 2); err != nil {
		t.Errorf("a customer on their own account: %v", err)
	}
	if err := check(access.Actor{UserID: 1, ImpersonationID: 10}, 2); err != nil {
		t.Errorf("an admin through an open impersonation with changes: %v", err)
	}
	refused := []struct {
		name     string
		actor    access.Actor
		customer int64
		setup    string
		want     string
	}{
		{"a customer on another's account", access.Actor{UserID: 3}, 2, "", "owner"},
		{"an admin without an impersonation", access.Actor{UserID: 1}, 2, "", "owner"},
		{"an ended impersonation", access.Actor{UserID: 1, ImpersonationID: 11}, 3, "", "ended"},
		{"an impersonation of someone else", access.Actor{UserID: 1, ImpersonationID: 10}, 3, "", "not of this customer"},
		{"past its expiry", access.Actor{UserID: 1, ImpersonationID: 10}, 2, `UPDATE users SET name = name`, ""},
		{"the admin's role revoked", access.Actor{UserID: 1, ImpersonationID: 10}, 2, `UPDATE users SET role = 'customer' WHERE id = 1`, "no longer support staff"},
		{"the admin disabled", access.Actor{UserID: 1, ImpersonationID: 10}, 2, `UPDATE users SET role = 'admin', status = 'disabled' WHERE id = 1`, "disabled"},
		{"the customer disabled", access.Actor{UserID: 1, ImpersonationID: 10}, 2, `UPDATE users SET status = 'active' WHERE id = 1; UPDATE users SET status = 'disabled' WHERE id = 2`, "no longer an active customer"},
		{"the customer made staff", access.Actor{UserID: 1, ImpersonationID: 10}, 2, `UPDATE users SET status = 'active', role = 'admin' WHERE id = 2`, "no longer an active customer"},
	}
	for _, tt := range refused {
		if tt.setup != "" {
			exec(tt.setup)
		}
		if tt.name == "past its expiry" {
			err := access.CheckCustomerWrite(ctx, q, tt.actor, tt.customer, now.Add(time.Hour))
			if errs.CodeOf(err) != errs.Forbidden || !strings.Contains(err.Error(), "ended") {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		err := check(tt.actor, tt.customer)
		if errs.CodeOf(err) != errs.Forbidden || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v; want Forbidden mentioning %q", tt.name, err, tt.want)
		}
	}
}
