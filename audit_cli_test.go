package main

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chargedesk/app"
	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/demo"
)

// A real impersonation through the real router leaves chains that `audit verify` accepts;
// after someone edits the file directly (triggers dropped), verify fails and names the row.
func TestAuditVerifyOnARealRunAndAfterTampering(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "run.db")
	d, _, err := openMigrated(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := demo.SeedIfEmpty(ctx, d, demo.DefaultPassword, time.Now()); err != nil {
		t.Fatal(err)
	}
	key, _, err := audit.LoadOrCreateKey(audit.KeyFileFor(path))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := app.Build(app.Options{DB: d, SessionKey: []byte("0123456789abcdef0123456789abcdef"), Log: quiet,
		Trail: audit.NewTrail(key), CheckpointFile: audit.CheckpointFileFor(path)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc.HTTP.Routes())
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	post := func(p string, form url.Values) {
		res, err := hc.PostForm(srv.URL+p, form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	post("/login", url.Values{"email": {demo.AdminEmail}, "password": {demo.DefaultPassword}})
	var jane string
	d.R.QueryRow(`SELECT id FROM users WHERE email = ?`, demo.JaneEmail).Scan(&jane)
	post("/api/customer/impersonation/start", url.Values{"customer_user_id": {jane}, "ticket": {"SUP-1"}, "reason": {"verify"}})
	for _, p := range []string{"/chargers", "/sessions", "/cards"} {
		res, err := hc.Get(srv.URL + p + "?as=" + jane)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	post("/api/customer/impersonation/end", url.Values{})
	svc.Tasks.Checkpoint(ctx)

	out, err := runCmd(t, "", "audit", "verify", "--db", path)
	if err != nil || !strings.Contains(out, "impersonation_audit: 5 rows checked") || !strings.Contains(out, "auth_audit: 3 rows checked") ||
		!strings.Contains(out, "audit trail intact") || !strings.Contains(out, "checkpoints: 2 valid signatures (1 from") {
		t.Fatalf("verify on a real run: %q %v", out, err)
	}
	tamper(t, d, `DROP TRIGGER impersonation_audit_no_update`, `UPDATE impersonation_audit SET outcome = 'changed' WHERE id = 3`)
	_, err = runCmd(t, "", "audit", "verify", "--db", path)
	if err == nil || !strings.Contains(err.Error(), "impersonation_audit row 3") {
		t.Errorf("verify after tampering: %v, want it to name impersonation_audit row 3", err)
	}
}

func tamper(t *testing.T, d *db.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := d.W.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}

// The key-less rewrite: someone who can write the database file and delete the files beside
// it (not read the key) drops the triggers, deletes every checkpoint, rewrites the chains in
// the pre-key format and removes the key file and the checkpoint file. serve refuses to start
// with a new key over that trail, says what to do, and leaves no key behind.
func TestServeRefusesANewKeyOverAKeptTrail(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "kept.db")
	if _, err := runCmd(t, "a-long-password\n", "user", "create", "--db", path, "--email", "boss@example.com", "--name", "Boss", "--role", "admin"); err != nil {
		t.Fatal(err)
	}
	d, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	var trigger string // the attacker puts it back afterwards, so only the data differs
	if err := d.QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'audit_checkpoints_no_delete'`).Scan(&trigger); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER audit_checkpoints_no_delete`, `DELETE FROM audit_checkpoints`, trigger} {
		if _, err := d.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	d.Close() // (rewriting the chains in the pre-key format changes nothing below: the key is gone either way)
	os.Remove(audit.KeyFileFor(path))
	os.Remove(audit.CheckpointFileFor(path))

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, chargedeskBinary(t), "serve", "--db", path, "--addr", "127.0.0.1:0").CombinedOutput()
	if err == nil || ctx.Err() != nil || !strings.Contains(string(out), "is missing") || !strings.Contains(string(out), "put the key file back") {
		t.Fatalf("serve over a trail whose key is gone: %v (%v)\n%s", err, ctx.Err(), out)
	}
	if _, err := os.Stat(audit.KeyFileFor(path)); err == nil {
		t.Error("serve left a new key file behind")
	}
	// The way on, when the key is gone for good: a recorded rotation.
	if _, err := runCmd(t, "", "audit", "rekey", "--db", path); err == nil {
		t.Error("rekey without a reason was accepted")
	}
	out2, err := runCmd(t, "", "audit", "rekey", "--db", path, "--reason", "the old server's disk died with the key")
	if err != nil || !strings.Contains(out2, "recorded the rotation") {
		t.Fatalf("rekey: %v\n%s", err, out2)
	}
	if _, err := runCmd(t, "", "audit", "rekey", "--db", path, "--reason", "again"); err == nil {
		t.Error("a second rekey over an existing key was accepted")
	}
	out3, err := runCmd(t, "", "audit", "verify", "--db", path)
	if err != nil || !strings.Contains(out3, "audit trail intact") {
		t.Errorf("verify after the rotation: %v\n%s", err, out3)
	}
}
