package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"chargedesk/migrations"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binDir holds the chargedesk binary that the process tests run (built once per test run).
var binDir string

var builtBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "chargedesk-bin-")
	if err != nil {
		return "", err
	}
	binDir = dir
	bin := filepath.Join(dir, "chargedesk")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// chargedeskBinary is the path of the chargedesk binary built from this tree, for the tests
// that run it as a real process (SIGKILL, exit codes).
func chargedeskBinary(t *testing.T) string {
	t.Helper()
	bin, err := builtBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

func runCmd(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, quiet)
	return out.String(), err
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
	dbPath := filepath.Join(t.TempDir(), "cli.db")
	if out, err := runCmd(t, "", "version"); err != nil || !strings.HasPrefix(out, "chargedesk ") {
		t.Errorf("version: %q %v", out, err)
	}
	if _, err := runCmd(t, "", "frobnicate"); err == nil {
		t.Error("unknown command succeeded")
	}
	out, err := runCmd(t, "a-long-password\n", "user", "create", "--db", dbPath, "--email", "ops@example.com", "--name", "Ops", "--role", "admin")
	if err != nil || !strings.Contains(out, "created admin ops@example.com (adm_") {
		t.Fatalf("user create: %q %v", out, err)
	}
	if _, err := runCmd(t, "a-long-password\n", "user", "create", "--db", dbPath, "--email", "ops@example.com", "--name", "Ops", "--role", "admin"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate user create: %v, want 'already exists'", err)
	}
	if out, err := runCmd(t, "a-long-password\n", "user", "create", "--db", dbPath, "--email", "agent@example.com", "--name", "Agent", "--role", "support"); err != nil || !strings.Contains(out, "created support agent@example.com (adm_") {
		t.Errorf("user create --role support: %q %v", out, err)
	}
	if _, err := runCmd(t, "a-long-password\n", "user", "create", "--db", dbPath, "--email", "boss@example.com", "--name", "Boss", "--role", "owner"); err == nil || !strings.Contains(err.Error(), `"support", "admin" or "customer"`) {
		t.Errorf("user create --role owner: %v", err)
	}
	if _, err := runCmd(t, "short\n", "user", "create", "--db", dbPath, "--email", "x@example.com", "--name", "X"); err == nil {
		t.Error("a 5-character password was accepted")
	}
	ups, _ := fs.Glob(migrations.FS, "*.up.sql")
	if out, err := runCmd(t, "", "migrate", "version", "--db", dbPath); err != nil || !strings.Contains(out, fmt.Sprintf("schema version %d\n", len(ups))) {
		t.Errorf("migrate version: %q %v", out, err)
	}
	if out, err := runCmd(t, "", "audit", "verify", "--db", dbPath); err != nil || !strings.Contains(out, "audit trail intact") || !strings.Contains(out, "auth_audit: 2 rows checked") {
		t.Errorf("audit verify: %q %v", out, err)
	}
	// The first admin enrols a factor from the command line: a URI and ten recovery codes.
	if out, err := runCmd(t, "", "user", "mfa", "agent@example.com", "--totp", "--db", dbPath); err != nil ||
		!strings.Contains(out, "otpauth://totp/ChargeDesk:agent@example.com?") || strings.Count(out, "\n  ") != 10 {
		t.Errorf("user mfa --totp: %q %v", out, err)
	}
	if _, err := runCmd(t, "", "user", "mfa", "nobody@example.com", "--totp", "--db", dbPath); err == nil || !strings.Contains(err.Error(), `no user with email "nobody@example.com"`) {
		t.Errorf("user mfa of an unknown email: %v", err)
	}
	if _, err := runCmd(t, "", "user", "mfa", "agent@example.com", "--db", dbPath); err == nil {
		t.Error("user mfa without --totp succeeded")
	}
	if out, err := runCmd(t, "", "audit", "verify", "--db", dbPath); err != nil || !strings.Contains(out, "auth_audit: 3 rows checked") {
		t.Errorf("audit verify after user mfa: %q %v", out, err)
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	if out, err := runCmd(t, "", "backup", "--db", dbPath, backup); err != nil || !strings.Contains(out, "backed up") {
		t.Errorf("backup: %q %v", out, err)
	}
	if st, err := os.Stat(dbPath + ".audit-key"); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("audit key file: %v, mode %v; want it beside the database with mode 0600", err, st.Mode().Perm())
	}
	// The backup verifies on its own, with the key named.
	if out, err := runCmd(t, "", "audit", "verify", "--db", backup, "--audit-key-file", dbPath+".audit-key", "--checkpoints", dbPath+".audit-checkpoints"); err != nil || !strings.Contains(out, "audit trail intact") {
		t.Errorf("audit verify on the backup: %q %v", out, err)
	}
	if _, err := runCmd(t, "", "audit", "verify", "--db", backup); err == nil || !strings.Contains(err.Error(), "audit key file") {
		t.Errorf("audit verify without the key: %v, want it to say the key file is missing", err)
	}
	if _, err := runCmd(t, "", "backup", "--db", dbPath, backup); err == nil {
		t.Error("backup over an existing file succeeded")
	}
	if _, err := runCmd(t, "", "migrate", "down", "x", "--db", dbPath); err == nil {
		t.Error("migrate down x succeeded")
	}
}

// serve starts, seeds the demo, answers, and shuts down cleanly when its context ends.
func TestServeStartsAndShutsDownGracefully(t *testing.T) {
	t.Parallel()
	dbPath := filepath.Join(t.TempDir(), "serve.db")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--db", dbPath, "--addr", "127.0.0.1:0"}, nil, pw, quiet)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var url string
	var banner strings.Builder
	for sc.Scan() {
		banner.WriteString(sc.Text() + "\n")
		if m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
		}
		if strings.Contains(sc.Text(), "customers      ") {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if url == "" {
		t.Fatalf("no URL printed; output:\n%s", banner.String())
	}
	for _, want := range []string{"admin@chargedesk.test", "jane@example.com", "omar@example.com", "chargedesk-demo"} {
		if !strings.Contains(banner.String(), want) {
			t.Errorf("start-up banner lacks %q:\n%s", want, banner.String())
		}
	}
	res, err := http.Get(url + "healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", res, err)
	}
	res.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after shutdown, want nil", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

// A new key for a database whose trail was signed with another is refused: the key was lost
// or swapped, and a new one would make rewritten history look intact.
func TestServeRefusesANewKeyForASignedTrail(t *testing.T) {
	t.Parallel()
	dbPath := filepath.Join(t.TempDir(), "k.db")
	if _, err := runCmd(t, "a-long-password\n", "user", "create", "--db", dbPath, "--email", "ops@example.com", "--name", "Ops", "--role", "admin"); err != nil {
		t.Fatal(err)
	}
	os.Remove(dbPath + ".audit-key")
	err := run(context.Background(), []string{"serve", "--db", dbPath, "--addr", "127.0.0.1:0"}, nil, io.Discard, quiet)
	if err == nil || !strings.Contains(err.Error(), "put the key file back") {
		t.Fatalf("serve without its key: %v, want a refusal that says to restore the key", err)
	}
	if _, err := os.Stat(dbPath + ".audit-key"); err == nil {
		t.Error("a new key file was left behind")
	}
}

// Commands are honest: a typo in --db, an action or an address creates no database or key
// file and says what is wrong; backup opens its source read-only, copies the checkpoint file
// (never the key) beside the copy, says what it copied, and --verify checks the copy.
func TestCommandsCreateNothingOnBadArguments(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	for _, tc := range []struct {
		name string
		args []string
		says string
	}{
		{"backup of a missing database", []string{"backup", "--db", at("typo.db"), at("out.db")}, "there is no database at"},
		{"serve on a bogus address", []string{"serve", "--db", at("serve.db"), "--addr", "bogus"}, "is not an address to listen on"},
		{"migrate sideways", []string{"migrate", "sideways", "--db", at("migrate.db")}, `unknown migrate action "sideways"`},
		{"migrate down without N", []string{"migrate", "down", "--db", at("migrate.db")}, "migrate down N"},
		{"migrate version of nothing", []string{"migrate", "version", "--db", at("missing.db")}, "there is no database at"},
		{"idle longer than the TTL", []string{"serve", "--db", at("serve.db"), "--impersonation-ttl", "5m", "--impersonation-idle", "20m"},
			"--impersonation-idle (20m0s) must be at least 1m and at most --impersonation-ttl (5m0s)"},
		{"a ticket URL without {ticket}", []string{"serve", "--db", at("serve.db"), "--ticket-url", "https://desk.example.com/tickets/"}, "--ticket-url must be an http(s) address with {ticket}"},
		{"a TTL too short", []string{"serve", "--db", at("serve.db"), "--impersonation-ttl", "30s"}, "--impersonation-ttl must be between 1m and 8h"},
		{"a max under the TTL", []string{"serve", "--db", at("serve.db"), "--impersonation-ttl", "1h", "--impersonation-max", "45m"},
			"--impersonation-max (45m0s) must be at least --impersonation-ttl (1h0m0s)"},
	} {
		_, err := runCmd(t, "", tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.says) || !errors.As(err, new(badInput)) {
			t.Errorf("%s: %v, want a bad-input error saying %q", tc.name, err, tc.says)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		var names []string
		for _, e := range left {
			names = append(names, e.Name())
		}
		t.Errorf("files left behind by refused commands: %v", names)
	}
	// A real backup, verified: a database with an account (its audit row, key and checkpoint).
	src := at("src.db")
	if _, err := runCmd(t, "a-long-password\n", "user", "create", "--db", src, "--email", "boss@example.com", "--name", "Boss", "--role", "admin"); err != nil {
		t.Fatal(err)
	}
	out, err := runCmd(t, "", "backup", "--db", src, "--verify", at("copy.db"))
	if err != nil || !strings.Contains(out, "bytes") || !strings.Contains(out, "audit trail intact") {
		t.Errorf("backup --verify: %v\n%s", err, out)
	}
	if _, err := os.Stat(at("copy.db.audit-checkpoints")); err != nil {
		t.Error("the checkpoint file was not copied beside the backup")
	}
	if _, err := os.Stat(at("copy.db.audit-key")); err == nil {
		t.Error("the audit key was copied beside the backup")
	}
}

// Asking a command for its usage is an answer (exit 0), for every command with subcommands;
// `user create -h` names all three roles.
func TestHelpIsAnAnswer(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"user", "-h"}, {"audit", "-h"}, {"tariff", "-h"}, {"user", "help"}} {
		out, err := runCmd(t, "", args...)
		if err != nil || !strings.Contains(out, "usage:") {
			t.Errorf("%v: %v %q, want the usage and no error", args, err, out)
		}
	}
	out, err := runCmd(t, "", "user", "create", "-h")
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(out, "support, admin or customer") {
		t.Errorf("user create -h: %v %q", err, out)
	}
}

// The impersonation idle limit follows the TTL unless it was given (min(10m, TTL)), so
// `serve --impersonation-ttl 5m` starts; a given one is checked against the TTL.
func TestIdleFollowsTheTTL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args     []string
		wantIdle time.Duration
		wantErr  string
	}{
		{nil, 10 * time.Minute, ""},
		{[]string{"--impersonation-ttl", "5m"}, 5 * time.Minute, ""},
		{[]string{"--impersonation-ttl", "1m"}, time.Minute, ""},
		{[]string{"--impersonation-ttl", "5m", "--impersonation-idle", "2m"}, 2 * time.Minute, ""},
		{[]string{"--impersonation-ttl", "1h", "--impersonation-idle", "20m"}, 20 * time.Minute, ""},
		{[]string{"--impersonation-ttl", "5m", "--impersonation-idle", "10m"}, 0, "--impersonation-idle (10m0s)"},
		{[]string{"--impersonation-idle", "30s"}, 0, "--impersonation-idle (30s) must be at least 1m"},
		{[]string{"--session-idle", "13h"}, 0, "--session-idle (13h0m0s) must be at least 1m and at most --session-max (12h0m0s)"},
	} {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		l := lifetimes{fs.Duration("session-idle", 30*time.Minute, ""), fs.Duration("session-max", 12*time.Hour, ""),
			fs.Duration("impersonation-ttl", 30*time.Minute, ""), fs.Duration("impersonation-idle", 10*time.Minute, ""),
			fs.Duration("impersonation-max", 2*time.Hour, "")}
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		err := checkLifetimes(fs, l)
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%v: %v, want an error saying %q", tc.args, err, tc.wantErr)
		case tc.wantErr == "" && (err != nil || *l.impIdle != tc.wantIdle):
			t.Errorf("%v: idle %s (%v), want %s", tc.args, *l.impIdle, err, tc.wantIdle)
		}
	}
}
