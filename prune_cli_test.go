package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chargedesk/audit"
)

// chargedesk audit prune on a trail whose oldest rows are three years old: they go to the
// archive, audit verify is intact (and says what was pruned), verify --archive checks the
// segments; rows removed without the key's prune row are reported.
func TestAuditPruneCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "run.db")
	d, _, err := openMigrated(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	key, _, err := audit.LoadOrCreateKey(audit.KeyFileFor(path))
	if err != nil {
		t.Fatal(err)
	}
	trail := audit.NewTrail(key)
	old, recent := time.Now().AddDate(-3, 0, 0), time.Now().Add(-time.Hour)
	for i, at := range []time.Time{old, old.Add(time.Minute), old.Add(2 * time.Minute), recent, recent.Add(time.Minute)} {
		if _, err := trail.Log(ctx, d, at, audit.Entry{Tag: audit.TagLoginFailure, IP: "192.0.2.1", Metadata: map[string]any{"n": i}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := trail.Checkpoint(ctx, d, audit.CheckpointFileFor(path), time.Now(), false); err != nil {
		t.Fatal(err)
	}
	if _, err := runCmd(t, "", "audit", "prune", "--db", path); err == nil || !strings.Contains(err.Error(), "--retention 730d") {
		t.Errorf("prune without --retention: %v", err)
	}
	out, err := runCmd(t, "", "audit", "prune", "--retention", "730d", "--db", path)
	if err != nil || !strings.Contains(out, "pruned 3 auth_audit rows (up to row 3)") {
		t.Fatalf("prune: %q %v", out, err)
	}
	archive := path + ".audit-archive"
	out, err = runCmd(t, "", "audit", "verify", "--db", path, "--archive", archive)
	if err != nil || !strings.Contains(out, "pruned (retention): auth_audit rows up to 3") || !strings.Contains(out, "archive: 1 segments, 3 auth_audit") ||
		!strings.Contains(out, "audit trail intact") {
		t.Fatalf("verify --archive after the prune: %q %v", out, err)
	}
	// Someone deletes the next row too, through a prune record of their own.
	tamper(t, d, `INSERT INTO audit_prunes (chain, up_to, at) VALUES ('auth', 4, 0)`, `DELETE FROM auth_audit WHERE id = 4`)
	if _, err := runCmd(t, "", "audit", "verify", "--db", path); err == nil || !strings.Contains(err.Error(), "auth_audit row 5: prev_hash does not match") {
		t.Errorf("verify after a row deleted past the prune: %v", err)
	}
}

func TestParseRetention(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"": 0, "730d": 730 * 24 * time.Hour, "48h": 48 * time.Hour} {
		if got, err := audit.ParseRetention(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"2y", "-5d", "1h", "d", "730 days"} {
		if _, err := audit.ParseRetention(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
