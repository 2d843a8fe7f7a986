package maintenance_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"chargedesk/audit"
	"chargedesk/db/dbtest"
	"chargedesk/demo"
	"chargedesk/impersonation"
	"chargedesk/limits"
	"chargedesk/maintenance"
	"chargedesk/queries"
	"chargedesk/websession"
)

// What one round, a minute's work and the final one do, each against the database.
func TestTasks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		run   func(m *maintenance.Tasks)
		query string
		want  int
	}{
		{"a round ends the expired impersonation, with its row", func(m *maintenance.Tasks) { m.Round(context.Background()) },
			`SELECT count(*) FROM impersonations WHERE end_via = 'expired'`, 1},
		{"a round writes the summary of a violation window that is over", func(m *maintenance.Tasks) { m.Round(context.Background()) },
			`SELECT count(*) FROM auth_audit WHERE tag = 'privilege_violation' AND json_extract(metadata, '$.aggregated')`, 1},
		{"a round signs a checkpoint", func(m *maintenance.Tasks) { m.Round(context.Background()) },
			`SELECT count(*) FROM audit_checkpoints`, 1},
		{"the final work writes open windows too", func(m *maintenance.Tasks) { m.Final() },
			`SELECT count(*) FROM auth_audit WHERE tag = 'privilege_violation' AND json_extract(metadata, '$.aggregated')`, 1},
		{"a minute's work deletes expired logins", func(m *maintenance.Tasks) { m.Minutely(context.Background()) },
			`SELECT count(*) FROM web_sessions`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := dbtest.Seeded(t)
			trail := audit.NewTrail(audit.NewKey())
			start := time.Now()
			now := start
			clock := func() time.Time { return now }
			admin, jane := dbtest.UserID(t, d, demo.AdminEmail), dbtest.UserID(t, d, demo.JaneEmail)
			if _, err := impersonation.Start(context.Background(), d, trail, impersonation.Request{Admin: admin, Customer: jane, Ticket: "SUP-9", Reason: "r",
				TTL: time.Minute, Asked: impersonation.Asked{Method: "POST", Route: "/start", Status: 303}}, now); err != nil {
				t.Fatal(err)
			}
			w := queries.New(d.W)
			web := websession.New(w, queries.New(d.R), []byte("test-key-test-key-test-key-test-key!"), time.Minute)
			web.Now = clock
			if err := w.SaveWebSession(context.Background(), queries.SaveWebSessionParams{ID: "x", Data: []byte{}, CreatedAt: now.Unix(), ExpiresAt: now.Add(time.Minute).Unix()}); err != nil {
				t.Fatal(err)
			}
			l := limits.New(0, 0)
			for range 3 { // a flood from one address: the first is written by the caller, two wait
				l.Violations.Note(audit.Entry{Tag: audit.TagPrivilegeViolation, Actor: jane, IP: "10.0.0.9"}, now)
			}
			now = now.Add(2 * time.Minute)
			if tt.name == "the final work writes open windows too" {
				now = start.Add(10 * time.Second) // the window is still open
			}
			m := &maintenance.Tasks{DB: d, Trail: trail, CheckpointFile: filepath.Join(t.TempDir(), "cp"), Limits: l, Web: web,
				Guard: impersonation.NewGuard(impersonation.GuardConfig{DB: d, Trail: trail, Now: clock, Idle: time.Hour}),
				Log:   slog.New(slog.DiscardHandler), Now: clock}
			tt.run(m)
			var n int
			if err := d.R.QueryRow(tt.query).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != tt.want {
				t.Errorf("%s: %d, want %d", tt.query, n, tt.want)
			}
		})
	}
}
