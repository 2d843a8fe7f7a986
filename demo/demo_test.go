package demo_test

import (
	"context"
	"testing"
	"time"

	"chargedesk/db/dbtest"
	"chargedesk/demo"
)

func TestSeedOnlyIntoAnEmptyDatabase(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	first, err := demo.SeedIfEmpty(context.Background(), d, demo.DefaultPassword, time.Now())
	if err != nil || first == nil {
		t.Fatalf("first seed: %v %v", first, err)
	}
	count := func(q string) int {
		var n int
		if err := d.R.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	users, sessions := count(`SELECT count(*) FROM users`), count(`SELECT count(*) FROM charging_sessions`)
	second, err := demo.SeedIfEmpty(context.Background(), d, demo.DefaultPassword, time.Now())
	if err != nil || second != nil {
		t.Fatalf("second seed: %v %v, want nothing done", second, err)
	}
	if u, s := count(`SELECT count(*) FROM users`), count(`SELECT count(*) FROM charging_sessions`); u != users || s != sessions {
		t.Errorf("after a second --demo: %d users %d sessions, want %d and %d", u, s, users, sessions)
	}
	// The demo tells the stories DOMAIN.md asks for.
	checks := []struct{ what, q string }{
		{"two active sessions", `SELECT count(*) = 2 FROM charging_sessions WHERE status = 'ACTIVE'`},
		{"one of them charging on a Charging connector", `SELECT count(*) = 1 FROM charging_sessions s JOIN connectors c ON c.id = s.connector_id WHERE s.status = 'ACTIVE' AND c.status = 'Charging'`},
		{"the other stuck: connector Available, last reading hours ago", `SELECT count(*) = 1 FROM charging_sessions s JOIN connectors c ON c.id = s.connector_id WHERE s.status = 'ACTIVE' AND c.status = 'Available' AND (SELECT max(at) FROM meter_readings m WHERE m.session_id = s.id) < unixepoch() - 18*3600`},
		{"the €30.96 receipt", `SELECT count(*) = 1 FROM receipts WHERE gross_cents = 3096`},
		{"a partly refunded receipt", `SELECT count(*) >= 1 FROM refunds`},
		{"a customer with no payment method", `SELECT count(*) >= 1 FROM users u WHERE role = 'customer' AND NOT EXISTS (SELECT 1 FROM payment_methods p WHERE p.user_id = u.id)`},
		{"a lost card", `SELECT count(*) >= 1 FROM ev_cards WHERE status = 'lost'`},
		{"a cancelled reservation in the future", `SELECT count(*) = 1 FROM reservations WHERE status = 'cancelled' AND starts_at > unixepoch()`},
		{"staff named for their roles", `SELECT count(*) = 0 FROM users WHERE role IN ('admin', 'support') AND name NOT LIKE '% ' || role`},
		{"every completed session has a receipt", `SELECT count(*) = 0 FROM charging_sessions s WHERE status = 'COMPLETED' AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.session_id = s.id)`},
	}
	for _, c := range checks {
		if count(c.q) != 1 {
			t.Errorf("demo lacks %s", c.what)
		}
	}
	if demo.DefaultPassword == "" || first.Customers < 12 {
		t.Errorf("demo seeded %d customers, want at least 12", first.Customers)
	}
}

// The per-customer session counts (kept by triggers, read by the home page) equal a real
// count after seeding, after new sessions, after a session moves customer and after deletes.
func TestSessionCountsFollowSessions(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	if _, err := demo.SeedIfEmpty(context.Background(), d, demo.DefaultPassword, time.Now()); err != nil {
		t.Fatal(err)
	}
	mismatches := func() int {
		var n int
		err := d.R.QueryRow(`SELECT count(*) FROM users u
			WHERE coalesce((SELECT sessions FROM user_session_counts n WHERE n.user_id = u.id), 0)
			   <> (SELECT count(*) FROM charging_sessions s WHERE s.user_id = u.id)`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	steps := []struct{ what, sql string }{
		{"seeded", ``},
		{"a copy of every completed session", `INSERT INTO charging_sessions (user_id, connector_id, card_id, status, started_at, stopped_at, meter_start_wh, meter_stop_wh, tariff_snapshot, ended_by)
			SELECT user_id, connector_id, card_id, status, started_at, stopped_at, meter_start_wh, meter_stop_wh, tariff_snapshot, ended_by FROM charging_sessions WHERE status = 'COMPLETED'`},
		{"a session moved to another customer", `UPDATE charging_sessions SET user_id = (SELECT max(id) FROM users WHERE role = 'customer') WHERE id = (SELECT min(id) FROM charging_sessions)`},
		{"the copies deleted", `DELETE FROM charging_sessions WHERE id NOT IN (SELECT session_id FROM receipts) AND id NOT IN (SELECT session_id FROM meter_readings) AND status = 'COMPLETED'`},
	}
	for _, s := range steps {
		if s.sql != "" {
			res, err := d.W.Exec(s.sql)
			if err != nil {
				t.Fatalf("%s: %v", s.what, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				t.Fatalf("%s changed no session", s.what)
			}
		}
		if n := mismatches(); n != 0 {
			t.Errorf("after %s: %d customers' session counts differ from their sessions", s.what, n)
		}
	}
}
