package audit_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chargedesk/access"
	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/db/dbtest"
	"chargedesk/impersonation"
	"chargedesk/queries"
)

var ctx = context.Background()

func writeRows(t *testing.T, d *db.DB, tr *audit.Trail, n int) {
	t.Helper()
	for i := range n {
		_, err := tr.Log(ctx, d, time.Unix(1_700_000_000+int64(i), 0), audit.Entry{
			Tag: audit.TagLoginSuccess, Actor: int64(i + 1), IP: "127.0.0.1", Metadata: map[string]any{"email": "a@b.test"},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func exec(t *testing.T, d *db.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := d.W.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestAuditTablesAreAppendOnly(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	tr := audit.NewTrail(audit.NewKey())
	writeRows(t, d, tr, 2)
	if _, err := tr.Checkpoint(ctx, d, "", time.Now(), false); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE auth_audit SET tag = 'login.failure' WHERE id = 1`, `DELETE FROM auth_audit WHERE id = 1`,
		`UPDATE audit_checkpoints SET sig = 'x'`, `DELETE FROM audit_checkpoints`,
	} {
		if _, err := d.W.Exec(q); err == nil {
			t.Errorf("%s succeeded; want it refused", q)
		}
	}
	var n int
	d.R.QueryRow(`SELECT count(*) FROM auth_audit`).Scan(&n)
	if n != 2 {
		t.Errorf("rows = %d after refused changes, want 2", n)
	}
}

// world is a database with a real history: logins, three impersonations (one ended by Exit,
// one still active, one ended by expiry), route rows, and a signed checkpoint in the database
// and in the checkpoint file.
type world struct {
	d      *db.DB
	tr     *audit.Trail
	cpFile string
	now    time.Time
	active queries.Impersonation
	ended  queries.Impersonation
}

func newWorld(t *testing.T) *world {
	t.Helper()
	d := dbtest.Open(t)
	w := &world{d: d, tr: audit.NewTrail(audit.NewKey()), cpFile: filepath.Join(t.TempDir(), "cp.jsonl"), now: time.Now()}
	exec(t, d,
		`INSERT INTO users (id, public_id, email, name, role, status, password_hash, created_at) VALUES
		 (1, 'adm_1', 'a1@x.test', 'Admin One', 'admin', 'active', 'x', 0),
		 (2, 'adm_2', 'a2@x.test', 'Admin Two', 'admin', 'active', 'x', 0),
		 (3, 'adm_3', 'a3@x.test', 'Admin Three', 'admin', 'active', 'x', 0),
		 (10, 'cus_10', 'jane@x.test', 'Jane', 'customer', 'active', 'x', 0)`)
	writeRows(t, d, w.tr, 20)
	start := func(admin int64, at time.Time) queries.Impersonation {
		imp, err := impersonation.Start(ctx, d, w.tr, impersonation.Request{Admin: admin, Customer: 10, Ticket: "SUP-1", Reason: "repro", TTL: 30 * time.Minute, Asked: impersonation.Asked{Method: "POST", Route: "/api/customer/impersonation/start", Status: 303}}, at)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/", "/sessions", "/cards"} {
			err := d.CriticalTx(ctx, func(tx *sql.Tx) error {
				_, err := w.tr.WriteRoute(ctx, tx, at.Unix(), audit.RouteEntry{ImpersonationID: imp.ID, Admin: admin, Customer: 10, Method: "GET", Route: p, Path: p, Status: 200, Outcome: audit.Viewed})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		return imp
	}
	w.ended = start(1, w.now.Add(-2*time.Hour))
	if ended, auditErr, err := impersonation.End(ctx, d, w.tr, w.ended, access.ViaExit, w.now.Add(-110*time.Minute), "", ""); !ended || auditErr != nil || err != nil {
		t.Fatalf("end: %v %v %v", ended, auditErr, err)
	}
	start(3, w.now.Add(-time.Hour))
	if n, err := impersonation.Sweep(ctx, d, w.tr, w.now, 0, false); n != 1 || err != nil {
		t.Fatalf("sweep ended %d, %v; want the expired one", n, err)
	}
	w.active = start(2, w.now.Add(-time.Minute))
	writeRows(t, d, w.tr, 60)
	if _, err := w.tr.Checkpoint(ctx, d, w.cpFile, w.now, false); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) verify(t *testing.T) (audit.Report, error) {
	t.Helper()
	r, err := db.OpenReadOnly(ctx, w.d.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	return w.tr.Verify(ctx, r, w.cpFile, w.now)
}

func TestVerifyPassesOnAnUntouchedDatabaseAndOnABackup(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rep, err := w.verify(t)
	if err != nil {
		t.Fatalf("untouched: %v", err)
	}
	if rep.AuthRows != 85 || rep.RouteRows != 12 || rep.Impersonations != 3 || rep.Latest == nil || rep.FileCheckpoints != 1 || rep.Triggers == 0 {
		t.Errorf("report = %+v; want 85 auth rows, 12 route rows, 3 impersonations, a checkpoint from the file, triggers checked", rep)
	}
	// A backup copy, made read-only, in a read-only folder.
	dir := t.TempDir()
	copyPath := filepath.Join(dir, "backup.db")
	exec(t, w.d, `VACUUM INTO '`+copyPath+`'`)
	os.Chmod(copyPath, 0o444)
	os.Chmod(dir, 0o555)
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	r, err := db.OpenReadOnly(ctx, copyPath)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := w.tr.Verify(ctx, r, w.cpFile, w.now); err != nil {
		t.Fatalf("backup copy: %v", err)
	}
}

// Each way someone who can write the database file (but has not the key) might rewrite the
// record is caught, with a message that names it.
func TestVerifyDetectsEachKindOfTampering(t *testing.T) {
	t.Parallel()
	noTriggers := []string{`DROP TRIGGER auth_audit_no_update`, `DROP TRIGGER auth_audit_no_delete`,
		`DROP TRIGGER impersonation_audit_no_update`, `DROP TRIGGER impersonation_audit_no_delete`,
		`DROP TRIGGER impersonations_end_once`, `DROP TRIGGER impersonations_no_delete`,
		`DROP TRIGGER audit_checkpoints_no_update`, `DROP TRIGGER audit_checkpoints_no_delete`}
	restore := func(t *testing.T, d *db.DB) {
		// The attacker puts the triggers back, so that only the data is different.
		b, _ := os.ReadFile("../migrations/0001_schema.up.sql")
		exec(t, d, triggerSQL(t, string(b), "auth_audit_no_update"))
		b2, _ := os.ReadFile("../migrations/0002_impersonation.up.sql")
		for _, name := range []string{"impersonation_audit_no_update", "impersonations_no_delete"} {
			exec(t, d, triggerSQL(t, string(b2), name))
		}
		b36, _ := os.ReadFile("../migrations/0036_audit_retention.up.sql") // deletes only what a prune covers
		for _, name := range []string{"auth_audit_no_delete", "impersonation_audit_no_delete"} {
			exec(t, d, triggerSQL(t, string(b36), name))
		}
		b4, _ := os.ReadFile("../migrations/0004_audit_integrity.up.sql")
		for _, name := range []string{"audit_checkpoints_no_update", "audit_checkpoints_no_delete"} {
			exec(t, d, triggerSQL(t, string(b4), name))
		}
		b22, _ := os.ReadFile("../migrations/0022_payment_changes.up.sql")
		exec(t, d, triggerSQL(t, string(b22), "impersonations_end_once"))
	}
	tests := []struct {
		name    string
		tamper  func(t *testing.T, w *world)
		want    string
		restore bool
	}{
		{"an edited row, every later hash recomputed", func(t *testing.T, w *world) {
			exec(t, w.d, `UPDATE auth_audit SET actor_user_id = 99 WHERE id = 5`)
			if err := audit.AttackerRehash(ctx, w.d.W, 5); err != nil {
				t.Fatal(err)
			}
		}, "auth_audit row 5: content does not match its keyed hash", true},
		{"a deleted row in the middle", func(t *testing.T, w *world) {
			exec(t, w.d, `DELETE FROM auth_audit WHERE id = 7`)
		}, "auth_audit row 8: prev_hash does not match", true},
		{"the newest row deleted", func(t *testing.T, w *world) {
			exec(t, w.d, `DELETE FROM auth_audit WHERE id = (SELECT max(id) FROM auth_audit)`)
		}, "auth_audit: row 85, signed by the checkpoint", true},
		{"the newest 50 rows deleted", func(t *testing.T, w *world) {
			exec(t, w.d, `DELETE FROM auth_audit WHERE id > 36`)
		}, "auth_audit: row 85, signed by the checkpoint", true},
		{"every row deleted", func(t *testing.T, w *world) {
			exec(t, w.d, `DELETE FROM auth_audit`, `DELETE FROM impersonation_audit`)
		}, "auth_audit: row 85, signed by the checkpoint", true},
		{"newest rows and the database's checkpoints deleted: the file still knows", func(t *testing.T, w *world) {
			exec(t, w.d, `DELETE FROM auth_audit WHERE id > 80`, `DELETE FROM audit_checkpoints`)
		}, "auth_audit: row 85, signed by the checkpoint", true},
		{"newest route rows deleted", func(t *testing.T, w *world) {
			exec(t, w.d, `DELETE FROM impersonation_audit WHERE id > 10`)
		}, "impersonation_audit: row 12, signed by the checkpoint", true},
		{"a forged row appended", func(t *testing.T, w *world) {
			exec(t, w.d, `INSERT INTO auth_audit (at, tag, actor_user_id, metadata, prev_hash, hash)
				SELECT 1700000999, 'login.success', 2, '{}', hash, lower(hex(randomblob(32))) FROM auth_audit ORDER BY id DESC LIMIT 1`)
		}, "auth_audit row 86: content does not match its keyed hash", true},
		{"a forged row appended in the chain's own format", func(t *testing.T, w *world) {
			exec(t, w.d, `INSERT INTO auth_audit (at, tag, actor_user_id, metadata, prev_hash, hash)
				SELECT 1700000999, 'login.success', 2, '{}', hash, 'tmp' FROM auth_audit ORDER BY id DESC LIMIT 1`)
			if err := audit.AttackerRehash(ctx, w.d.W, 86); err != nil {
				t.Fatal(err)
			}
		}, "auth_audit row 86: content does not match its keyed hash", true},
		{"an impersonation's ticket changed", func(t *testing.T, w *world) {
			exec(t, w.d, `UPDATE impersonations SET ticket = 'SUP-9' WHERE id = 1`)
		}, "impersonations row 1 was changed", true},
		{"an ended impersonation made active again", func(t *testing.T, w *world) {
			exec(t, w.d, `UPDATE impersonations SET ended_at = NULL, end_via = NULL, end_audit_id = NULL WHERE id = 1`)
		}, "impersonations row 1 was changed: it says active", true},
		{"an impersonation's end reason changed", func(t *testing.T, w *world) {
			exec(t, w.d, `UPDATE impersonations SET end_via = 'expired' WHERE id = 1`)
		}, "impersonations row 1 was changed: its end no longer matches", true},
		{"an impersonations row deleted", func(t *testing.T, w *world) {
			exec(t, w.d, `PRAGMA foreign_keys = OFF`, `DELETE FROM impersonations WHERE id = 2`)
		}, "impersonations row 2 was deleted", true},
		{"an append-only trigger dropped", func(t *testing.T, w *world) {
			exec(t, w.d, `DROP TRIGGER auth_audit_no_delete`)
		}, "trigger auth_audit_no_delete is missing", false},
		{"an append-only trigger made harmless", func(t *testing.T, w *world) {
			exec(t, w.d, `DROP TRIGGER impersonation_audit_no_update`,
				`CREATE TRIGGER impersonation_audit_no_update BEFORE UPDATE ON impersonation_audit WHEN 0 BEGIN SELECT 1; END`)
		}, "trigger impersonation_audit_no_update was altered", false},
		{"an ended impersonation without its end row", func(t *testing.T, w *world) {
			exec(t, w.d, `UPDATE impersonations SET ended_at = started_at + 60, end_via = 'exit' WHERE id = 3`)
		}, "impersonation 3 ended at", true},
		{"a start with no end that is not active", func(t *testing.T, w *world) {
			w.now = w.now.Add(time.Hour) // the active one has expired, and nothing ended it
		}, "impersonation 3 started (auth_audit row", false},
		{"a forged checkpoint in the database", func(t *testing.T, w *world) {
			exec(t, w.d, `INSERT INTO audit_checkpoints (at, body, sig) SELECT at + 1, replace(body, '"v":1', '"v":2'), sig FROM audit_checkpoints`)
		}, "audit_checkpoints row 2: its signature does not match", true},
		{"a forged line in the checkpoint file", func(t *testing.T, w *world) {
			b, _ := os.ReadFile(w.cpFile)
			os.WriteFile(w.cpFile, append(b, []byte(strings.Replace(string(b), `"v":1`, `"v":3`, 1))...), 0o644)
		}, "line 2: not a checkpoint signed with this key", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			if _, err := w.verify(t); err != nil {
				t.Fatalf("before tampering: %v", err)
			}
			if tt.restore { // drop the triggers, change the data, put the triggers back
				exec(t, w.d, noTriggers...)
				tt.tamper(t, w)
				restore(t, w.d)
			} else {
				tt.tamper(t, w)
			}
			_, err := w.verify(t)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("verify after %s: %v\nwant an error containing %q", tt.name, err, tt.want)
			}
		})
	}
}

// triggerSQL extracts CREATE TRIGGER name … END; from a migration.
func triggerSQL(t *testing.T, migration, name string) string {
	t.Helper()
	i := strings.Index(migration, "CREATE TRIGGER "+name+" ")
	if i < 0 {
		t.Fatalf("no trigger %s in migration", name)
	}
	j := strings.Index(migration[i:], "END;")
	return migration[i : i+j+4]
}

// Rows written before the database had a key are adopted by the first checkpoint: they still
// verify, and only they may use the old format.
func TestRowsFromBeforeTheKeyAreAdopted(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	writeRows(t, d, audit.UnkeyedTrail(), 5)
	tr := audit.NewTrail(audit.NewKey())
	cp, err := tr.Checkpoint(ctx, d, "", time.Now(), true)
	if err != nil || cp.KeyedFrom.Auth != 6 {
		t.Fatalf("adopting checkpoint = %+v, %v; want keyed from row 6", cp, err)
	}
	writeRows(t, d, tr, 3)
	r, _ := db.OpenReadOnly(ctx, d.Path)
	defer r.Close()
	if _, err := tr.Verify(ctx, r, "", time.Now()); err != nil {
		t.Fatalf("adopted rows: %v", err)
	}
	writeRows(t, d, audit.UnkeyedTrail(), 1) // a row in the old format after the key: forged
	_, err = tr.Verify(ctx, r, "", time.Now())
	var broken *audit.BrokenChainError
	if !errors.As(err, &broken) || broken.RowID != 9 {
		t.Fatalf("old-format row after the key: %v, want row 9 named", err)
	}
}

func TestTruncateKeepsValidUTF8(t *testing.T) {
	t.Parallel()
	if got := audit.Truncate("€€€", 4); got != "€" {
		t.Errorf("Truncate = %q, want one euro sign", got)
	}
	if got := audit.Truncate("a\xffb", 10); got != "ab" {
		t.Errorf("Truncate = %q, want invalid bytes dropped", got)
	}
}

// A checkpoint line torn by a crash (written in part, the process killed) stays one torn
// line: the next append starts a new line, and verify calls it cut short by a crash, never
// tampering — however many checkpoints follow. A whole line that says something else is
// still a forgery.
func TestTornCheckpointLineIsNotTampering(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b, err := os.ReadFile(w.cpFile)
	if err != nil || len(b) < 20 {
		t.Fatalf("checkpoint file: %v", err)
	}
	last := strings.TrimSpace(string(b))
	last = last[strings.LastIndex(last, "\n")+1:]
	// The crash: half a line written, no newline.
	f, _ := os.OpenFile(w.cpFile, os.O_APPEND|os.O_WRONLY, 0o644)
	f.WriteString(last[:len(last)/2])
	f.Close()
	if rep, err := w.verify(t); err != nil || rep.TornLines != 1 {
		t.Fatalf("right after the crash: %v, %d torn lines", err, rep.TornLines)
	}
	// After the restart, more activity and checkpoints.
	for i := 0; i < 3; i++ {
		writeRows(t, w.d, w.tr, 2)
		if _, err := w.tr.Checkpoint(ctx, w.d, w.cpFile, w.now, false); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := w.verify(t)
	if err != nil || rep.TornLines != 1 {
		t.Fatalf("after more checkpoints: %v, %d torn lines, want intact with 1", err, rep.TornLines)
	}
	// A complete line with another meaning is still caught.
	f, _ = os.OpenFile(w.cpFile, os.O_APPEND|os.O_WRONLY, 0o644)
	f.WriteString(strings.Replace(last, `"v":1`, `"v":3`, 1) + "\n")
	f.Close()
	if _, err := w.verify(t); err == nil || !strings.Contains(err.Error(), "not a checkpoint signed with this key") {
		t.Errorf("a forged whole line: %v", err)
	}
}

// After the key is lost, a new key cannot take over silently (its verify calls the old
// checkpoints forged); audit rekey records the rotation openly, and from then on verify says
// intact, counts what it could check only for links, still catches a row deleted before the
// rotation and anything changed after it.
func TestRekeyAfterALostKey(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	fresh := audit.NewTrail(audit.NewKey())
	lost := &world{d: w.d, tr: fresh, cpFile: w.cpFile, now: w.now}
	if _, err := lost.verify(t); err == nil || !strings.Contains(err.Error(), "signature does not match") {
		t.Fatalf("a new key before any rotation: %v, want the old checkpoints refused", err)
	}
	rot, err := fresh.Rekey(ctx, w.d, w.cpFile, "key file lost with the old server", w.now)
	if err != nil || rot.AfterCheckpoint == 0 || rot.PreviousKey == "" {
		t.Fatalf("rekey: %+v %v", rot, err)
	}
	writeRows(t, w.d, fresh, 5)
	if _, err := fresh.Checkpoint(ctx, w.d, w.cpFile, w.now, false); err != nil {
		t.Fatal(err)
	}
	rep, err := lost.verify(t)
	if err != nil || rep.BeforeRotation == 0 {
		t.Fatalf("after the rotation: %v, %d checkpoints before it", err, rep.BeforeRotation)
	}
	var rekeyRows int
	w.d.R.QueryRow(`SELECT count(*) FROM auth_audit WHERE tag = 'audit.rekey'`).Scan(&rekeyRows)
	if rekeyRows != 1 {
		t.Errorf("%d audit.rekey rows", rekeyRows)
	}
	// A row deleted before the rotation breaks the links.
	exec(t, w.d, `DROP TRIGGER auth_audit_no_delete`, `DELETE FROM auth_audit WHERE id = 3`)
	if _, err := lost.verify(t); err == nil || !strings.Contains(err.Error(), "prev_hash does not match") {
		t.Errorf("a row deleted before the rotation: %v", err)
	}
}

// A row changed after the rotation is caught with the new key.
func TestRekeyKeepsCheckingAfterTheRotation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	fresh := audit.NewTrail(audit.NewKey())
	if _, err := fresh.Rekey(ctx, w.d, w.cpFile, "lost", w.now); err != nil {
		t.Fatal(err)
	}
	writeRows(t, w.d, fresh, 3)
	exec(t, w.d, `DROP TRIGGER auth_audit_no_update`, `UPDATE auth_audit SET actor_user_id = 99 WHERE id = (SELECT max(id) FROM auth_audit)`)
	lost := &world{d: w.d, tr: fresh, cpFile: w.cpFile, now: w.now}
	if _, err := lost.verify(t); err == nil || !strings.Contains(err.Error(), "content does not match its keyed hash") {
		t.Errorf("a row changed after the rotation: %v", err)
	}
}

// Migration 0032 rebuilds both audit tables (without the index on hash): a trail written
// before it keeps every row, id and hash, still verifies, and is still append-only.
func TestTheTrailSurvivesTheAuditTablesRebuild(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "m.db")
	m, err := db.NewMigrator(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.To(31); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	tr := audit.NewTrail(audit.NewKey())
	exec(t, d, `INSERT INTO users (id, public_id, email, name, password_hash, role, created_at) VALUES
		(1, 'adm_1', 'a@x.test', 'A', 'x', 'admin', 1), (2, 'cus_2', 'c@x.test', 'C', 'x', 'customer', 1)`,
		`INSERT INTO impersonations (id, admin_user_id, customer_user_id, ticket, reason, started_at, expires_at) VALUES (1, 1, 2, 'T-1', 'a test', 1, 4000000000)`)
	writeRows(t, d, tr, 40)
	if _, err := tr.Log(ctx, d, time.Unix(1, 0), audit.Entry{Tag: audit.TagImpersonationStart, Actor: 1, Target: 2,
		Metadata: map[string]any{"impersonation_id": 1, "customer_user_id": 2, "ticket": "T-1", "reason": "a test", "allow_changes": false, "expires_at": 4_000_000_000}}); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		err := d.CriticalTx(ctx, func(tx *sql.Tx) error {
			_, err := tr.WriteRoute(ctx, tx, 1_700_000_000+int64(i), audit.RouteEntry{ImpersonationID: 1, Admin: 1, Customer: 2,
				Method: "GET", Route: "/", Path: "/?as=2", Status: 200, Outcome: audit.Viewed})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	chain := func(d *db.DB) string {
		t.Helper()
		var s string
		if err := d.R.QueryRow(`SELECT (SELECT group_concat(id || ':' || hash) FROM (SELECT id, hash FROM auth_audit ORDER BY id)) || '|' ||
			(SELECT group_concat(id || ':' || hash) FROM (SELECT id, hash FROM impersonation_audit ORDER BY id))`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := chain(d)
	d.Close()
	if err := m.Up(); err != nil {
		t.Fatal(err)
	}
	d, err = db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if after := chain(d); after != before {
		t.Errorf("the rows changed in the rebuild:\nbefore %.200s\nafter  %.200s", before, after)
	}
	if _, err := tr.Verify(ctx, d.R, "", time.Now()); err != nil {
		t.Errorf("the rebuilt trail does not verify: %v", err)
	}
	for _, s := range []string{`UPDATE auth_audit SET tag = 'x'`, `DELETE FROM impersonation_audit`} {
		if _, err := d.W.Exec(s); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused as append-only", s, err)
		}
	}
	var uniques int
	d.R.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('auth_audit', 'impersonation_audit') AND sql IS NULL`).Scan(&uniques)
	if uniques != 0 {
		t.Errorf("%d automatic (unique) indexes left on the audit tables", uniques)
	}
}
