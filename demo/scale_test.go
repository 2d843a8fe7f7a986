package demo_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/db/dbtest"
	"chargedesk/demo"
)

// Growing the demo adds what the scale asks for, leaves every index the schema had (the bulk
// load drops the session tables' indexes and builds them again), a sound file and an audit
// trail that verifies.
func TestGrowKeepsTheSchemaAndTheTrail(t *testing.T) {
	t.Parallel()
	d := dbtest.Seeded(t)
	ctx := context.Background()
	trail := audit.NewTrail(audit.NewKey())
	count := func(q string) int {
		t.Helper()
		var n int
		if err := d.R.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	schema := func() string {
		t.Helper()
		var s string
		if err := d.R.QueryRow(`SELECT group_concat(name || ':' || coalesce(sql, ''), char(10)) FROM (SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY name)`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before, sessions, customers := schema(), count(`SELECT count(*) FROM charging_sessions`), count(`SELECT count(*) FROM users WHERE role = 'customer'`)
	var out bytes.Buffer
	if err := demo.Grow(ctx, d, trail, demo.Scale{Customers: 300, Sessions: 2_000, Audit: 1_000}, time.Now(), &out); err != nil {
		t.Fatalf("grow: %v\n%s", err, out.String())
	}
	if got := count(`SELECT count(*) FROM charging_sessions`); got != sessions+2_000 {
		t.Errorf("%d sessions, want %d", got, sessions+2_000)
	}
	if got := count(`SELECT count(*) FROM users WHERE role = 'customer'`); got != customers+300 {
		t.Errorf("%d customers, want %d", got, customers+300)
	}
	if n := count(`SELECT count(*) FROM charging_sessions s WHERE NOT EXISTS (SELECT 1 FROM receipts r WHERE r.session_id = s.id) AND s.status = 'COMPLETED'`); n != 0 {
		t.Errorf("%d completed sessions without a receipt", n)
	}
	if after := schema(); after != before {
		t.Errorf("the schema's indexes and triggers changed:\nbefore\n%s\nafter\n%s", before, after)
	}
	var ok string
	d.R.QueryRow(`PRAGMA integrity_check`).Scan(&ok)
	if ok != "ok" {
		t.Errorf("integrity_check: %s", ok)
	}
	r, err := db.OpenReadOnly(ctx, d.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := trail.Verify(ctx, r, "", time.Now()); err != nil {
		t.Errorf("the grown trail does not verify: %v", err)
	}
}
