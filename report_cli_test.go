package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chargedesk/app"
	"chargedesk/audit"
	"chargedesk/demo"
)

// An access report downloaded by the customer through the real router verifies with the
// public key alone and, against the database, is complete; a report edited by one byte does
// not verify; a database copy with one of the report's rows deleted is reported incomplete.
func TestAccessReportVerifies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "run.db")
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
	browser := func(email string) *http.Client {
		jar, _ := cookiejar.New(nil)
		hc := &http.Client{Jar: jar}
		res, err := hc.PostForm(srv.URL+"/login", url.Values{"email": {email}, "password": {demo.DefaultPassword}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return hc
	}
	get := func(hc *http.Client, p string) []byte {
		res, err := hc.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", p, res.StatusCode, b)
		}
		return b
	}
	admin := browser(demo.AdminEmail)
	var jane string
	d.R.QueryRow(`SELECT id FROM users WHERE email = ?`, demo.JaneEmail).Scan(&jane)
	admin.PostForm(srv.URL+"/api/customer/impersonation/start", url.Values{"customer_user_id": {jane}, "ticket": {"SUP-77"}, "reason": {"her receipt"}})
	get(admin, "/receipts/25?as="+jane)
	admin.PostForm(srv.URL+"/api/customer/impersonation/end", url.Values{})

	file := filepath.Join(dir, "report.json")
	body := get(browser(demo.JaneEmail), "/activity/report?format=json")
	if err := os.WriteFile(file, body, 0o600); err != nil {
		t.Fatal(err)
	}
	pub, err := runCmd(t, "", "audit", "public-key", "--db", path)
	if err != nil || strings.TrimSpace(pub) != key.PublicKey() {
		t.Fatalf("audit public-key: %q %v", pub, err)
	}
	pub = strings.TrimSpace(pub)

	out, err := runCmd(t, "", "audit", "verify-report", file, "--db", path)
	if err != nil || !strings.Contains(out, "1 support visits") || !strings.Contains(out, "report valid") ||
		!strings.Contains(out, "completeness: the same 2 audit rows and 3 page records") {
		t.Fatalf("verify-report against the database: %q %v", out, err)
	}
	// An auditor without the database: the public key alone.
	out, err = runCmd(t, "", "audit", "verify-report", file, "--public-key", pub, "--db", filepath.Join(dir, "absent.db"))
	if err != nil || !strings.Contains(out, "signature: valid") || !strings.Contains(out, "completeness: not checked") {
		t.Fatalf("verify-report with the public key: %q %v", out, err)
	}
	// Its whitespace taken out: still the same report.
	var flat bytes.Buffer
	json.Compact(&flat, body)
	writeVariant(t, file+".flat", flat.Bytes())
	if out, err := runCmd(t, "", "audit", "verify-report", file+".flat", "--public-key", pub, "--db", filepath.Join(dir, "absent.db")); err != nil {
		t.Errorf("a re-indented report: %q %v", out, err)
	}

	for _, tc := range []struct{ name, from, to, want string }{
		{"a byte of a name", `"Sam Admin"`, `"Sam Admim"`, "changed after it was signed"},
		{"a row number", `"row": 3`, `"row": 4`, "changed after it was signed"},
		{"another key", `"key": "` + pub, `"key": "` + strings.Repeat("0", 64), "not by the key you checked against"},
	} {
		if !bytes.Contains(body, []byte(tc.from)) {
			t.Fatalf("%s: the report has no %s", tc.name, tc.from)
		}
		i := bytes.LastIndex(body, []byte(tc.from)) // the key: the file's own, after the checkpoint's
		edited := append(append(bytes.Clone(body[:i]), tc.to...), body[i+len(tc.from):]...)
		writeVariant(t, file+".edited", edited)
		_, err := runCmd(t, "", "audit", "verify-report", file+".edited", "--public-key", pub, "--db", filepath.Join(dir, "absent.db"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s edited: %v, want %q", tc.name, err, tc.want)
		}
	}

	// The database copy attacked: a page record the report lists is deleted from it.
	tamper(t, d, `DROP TRIGGER impersonation_audit_no_delete`, `DELETE FROM impersonation_audit WHERE path LIKE '/receipts/25%'`)
	_, err = runCmd(t, "", "audit", "verify-report", file, "--db", path)
	if err == nil || !strings.Contains(err.Error(), "NOT complete") || !strings.Contains(err.Error(), "the trail has 2 and 2") {
		t.Errorf("verify-report after a deleted row: %v, want it incomplete", err)
	}
}

func writeVariant(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
