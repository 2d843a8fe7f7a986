package access_test

import (
	"testing"
	"time"

	"chargedesk/access"
)

var (
	now      = time.Unix(1_800_000_000, 0)
	admin    = access.User{ID: 1, Role: "admin", Status: "active"}
	customer = access.User{ID: 7, Role: "customer", Status: "active"}
	jane     = access.User{ID: 2, Role: "customer", Status: "active"}
)

func imp(mod func(*access.Impersonation)) *access.Impersonation {
	i := &access.Impersonation{ID: 9, Customer: 2, ExpiresAt: now.Add(20 * time.Minute), LastActivity: now.Add(-time.Minute)}
	if mod != nil {
		mod(i)
	}
	return i
}

func user(u access.User, mod func(*access.User)) *access.User {
	mod(&u)
	return &u
}

// Every case of DESIGN.md's marker semantics, and the end rules, as a table.
func TestDecide(t *testing.T) {
	t.Parallel()
	ro := imp(nil)
	rw := imp(func(i *access.Impersonation) { i.AllowChanges = true })
	tests := []struct {
		name string
		req  access.Request
		want access.Decision
	}{
		{"customer, no marker: own account", access.Request{Caller: customer}, access.Decision{Outcome: access.Own, ActingAs: 7}},
		{"customer writes own account", access.Request{Caller: customer, Write: true}, access.Decision{Outcome: access.Own, ActingAs: 7}},
		{"customer with a marker: not staff", access.Request{Caller: customer, Marks: []string{"2"}}, access.Decision{Outcome: access.Refused, Reason: access.NotStaff}},
		{"customer with a bad marker: bad marker first", access.Request{Caller: customer, Marks: []string{"x"}}, access.Decision{Outcome: access.Refused, Reason: access.BadMarker}},
		{"admin, no marker, no impersonation: to the console", access.Request{Caller: admin}, access.Decision{Outcome: access.ToConsole}},
		{"admin, no marker, impersonating: marker removed ends it", access.Request{Caller: admin, Active: ro, Target: &jane}, access.Decision{Outcome: access.ToConsole, EndVia: "marker_removed"}},
		{"admin, matching marker: scoped", access.Request{Caller: admin, Marks: []string{"2"}, Active: ro, Target: &jane}, access.Decision{Outcome: access.Scoped, ActingAs: 2}},
		{"admin, matching marker, write, read-only", access.Request{Caller: admin, Marks: []string{"2"}, Active: ro, Target: &jane, Write: true}, access.Decision{Outcome: access.Refused, Reason: access.ReadOnly, ActingAs: 2}},
		{"admin, matching marker, write, changes allowed", access.Request{Caller: admin, Marks: []string{"2"}, Active: rw, Target: &jane, Write: true}, access.Decision{Outcome: access.Scoped, ActingAs: 2}},
		{"admin, another customer's marker: stale tab", access.Request{Caller: admin, Marks: []string{"3"}, Active: ro, Target: &jane}, access.Decision{Outcome: access.Refused, Reason: access.NoMatch}},
		{"admin, marker, no impersonation", access.Request{Caller: admin, Marks: []string{"2"}}, access.Decision{Outcome: access.Refused, Reason: access.NoMatch}},
		{"repeated marker", access.Request{Caller: admin, Marks: []string{"2", "2"}, Active: ro, Target: &jane}, access.Decision{Outcome: access.Refused, Reason: access.BadMarker}},
		{"marker 07", access.Request{Caller: admin, Marks: []string{"07"}, Active: ro, Target: &jane}, access.Decision{Outcome: access.Refused, Reason: access.BadMarker}},
		{"marker -1", access.Request{Caller: admin, Marks: []string{"-1"}}, access.Decision{Outcome: access.Refused, Reason: access.BadMarker}},
		{"marker +2", access.Request{Caller: admin, Marks: []string{"+2"}}, access.Decision{Outcome: access.Refused, Reason: access.BadMarker}},
		{"marker empty", access.Request{Caller: admin, Marks: []string{""}}, access.Decision{Outcome: access.Refused, Reason: access.BadMarker}},
		{"marker too large", access.Request{Caller: admin, Marks: []string{"99999999999999999999"}}, access.Decision{Outcome: access.Refused, Reason: access.BadMarker}},
		{"expired, with its marker", access.Request{Caller: admin, Marks: []string{"2"}, Active: imp(func(i *access.Impersonation) { i.ExpiresAt = now }), Target: &jane}, access.Decision{Outcome: access.Refused, Reason: access.Ended, EndVia: "expired"}},
		{"expired, no marker", access.Request{Caller: admin, Active: imp(func(i *access.Impersonation) { i.ExpiresAt = now.Add(-time.Second) }), Target: &jane}, access.Decision{Outcome: access.ToConsole, EndVia: "expired"}},
		{"idle for 10 minutes", access.Request{Caller: admin, Marks: []string{"2"}, Idle: 10 * time.Minute, Active: imp(func(i *access.Impersonation) { i.LastActivity = now.Add(-10 * time.Minute) }), Target: &jane}, access.Decision{Outcome: access.Refused, Reason: access.Ended, EndVia: "idle"}},
		{"idle 9 minutes: still on", access.Request{Caller: admin, Marks: []string{"2"}, Idle: 10 * time.Minute, Active: imp(func(i *access.Impersonation) { i.LastActivity = now.Add(-9 * time.Minute) }), Target: &jane}, access.Decision{Outcome: access.Scoped, ActingAs: 2}},
		{"customer disabled", access.Request{Caller: admin, Marks: []string{"2"}, Active: ro, Target: user(jane, func(u *access.User) { u.Status = "disabled" })}, access.Decision{Outcome: access.Refused, Reason: access.Ended, EndVia: "customer_disabled"}},
		{"customer deleted", access.Request{Caller: admin, Marks: []string{"2"}, Active: ro}, access.Decision{Outcome: access.Refused, Reason: access.Ended, EndVia: "customer_disabled"}},
		{"customer promoted to admin", access.Request{Caller: admin, Marks: []string{"2"}, Active: ro, Target: user(jane, func(u *access.User) { u.Role = "admin" })}, access.Decision{Outcome: access.Refused, Reason: access.Ended, EndVia: "customer_promoted"}},
		{"role revoked, marker: not staff, and it ends", access.Request{Caller: access.User{ID: 1, Role: "customer", Status: "active"}, Marks: []string{"2"}, Active: ro, Target: &jane}, access.Decision{Outcome: access.Refused, Reason: access.NotStaff, EndVia: "role_revoked"}},
		{"role revoked, no marker: own account, and it ends", access.Request{Caller: access.User{ID: 1, Role: "customer", Status: "active"}, Active: ro, Target: &jane}, access.Decision{Outcome: access.Own, ActingAs: 1, EndVia: "role_revoked"}},
		{"admin disabled", access.Request{Caller: access.User{ID: 1, Role: "admin", Status: "disabled"}, Marks: []string{"2"}, Active: ro, Target: &jane}, access.Decision{Outcome: access.Refused, Reason: access.Ended, EndVia: "admin_disabled"}},
		{"a link on another site with a marker: nothing happens", access.Request{Caller: customer, Marks: []string{"2"}, Elsewhere: true}, access.Decision{Outcome: access.Refused, Reason: access.FromElsewhere}},
		{"a prefetch of / while impersonating: it does not end", access.Request{Caller: admin, Active: ro, Target: &jane, Elsewhere: true}, access.Decision{Outcome: access.Refused, Reason: access.FromElsewhere}},
		{"a customer following a link to their own page", access.Request{Caller: customer, Elsewhere: true}, access.Decision{Outcome: access.Own, ActingAs: 7}},
	}
	for _, tt := range tests {
		tt.req.Now = now
		if got := access.Decide(tt.req); got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
