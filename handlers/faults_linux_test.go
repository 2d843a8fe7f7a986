package handlers_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"chargedesk/db"
	"chargedesk/db/dbtest"
	"chargedesk/demo"
)

// The audit's promises under the faults that break them: a full disk, a read-only file
// system, a writer that holds the lock past busy_timeout, a client that hangs up. Each test
// asserts what the admin saw and what the database holds.

// impersonating is the usual scene: Jane logged in on her phone, an admin impersonating
// her with changes allowed.
type scene struct {
	ta          *testApp
	jane        int64
	admin, cust *client
}

func impersonating(t *testing.T, o appOptions) *scene {
	t.Helper()
	ta := newTestAppWith(t, o)
	s := &scene{ta: ta, jane: ta.userID(demo.JaneEmail), admin: ta.client(), cust: ta.client()}
	s.admin.login(demo.AdminEmail)
	if r := s.admin.startImpersonating(s.jane, "SUP-FAULT", true); r.status != http.StatusSeeOther {
		t.Fatalf("start: %d %.300s", r.status, r.body)
	}
	s.cust.login(demo.JaneEmail)
	return s
}

func (s *scene) as(path string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return fmt.Sprintf("%s%sas=%d", path, sep, s.jane)
}

func (s *scene) routeRows(route string) int {
	return s.ta.count(`SELECT count(*) FROM impersonation_audit WHERE route = ?`, route)
}

// noCustomerData fails when a body shows anything of Jane's account or the banner.
func noCustomerData(t *testing.T, what string, r response) {
	t.Helper()
	for _, s := range janeOnly {
		if strings.Contains(r.body, s) {
			t.Errorf("%s: the body shows %q; a response that was not recorded must show nothing of the customer", what, s)
		}
	}
	// The banner stays, cut down to the ticket and Exit, and the page offers Retry.
	if r.status == http.StatusServiceUnavailable && strings.Contains(r.body, "not shown") {
		for _, want := range []string{`<div id="impersonation-banner" class="withheld"`, "this page was withheld", `action="/api/customer/impersonation/end"><button>Exit</button>`, `>Retry</a>`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("%s: the withheld page lacks %q", what, want)
			}
		}
	}
}

// afterRecovery checks the end state once the fault is gone and maintenance ran: the
// impersonation ended by Exit with exactly one end row, the file is sound and the audit
// trail verifies.
func (s *scene) afterRecovery(t *testing.T) {
	t.Helper()
	s.ta.svc.Tasks.Round(context.Background())
	var via string
	var endRow sql.NullInt64
	if err := s.ta.db.R.QueryRow(`SELECT coalesce(end_via, ''), end_audit_id FROM impersonations ORDER BY id DESC LIMIT 1`).Scan(&via, &endRow); err != nil {
		t.Fatal(err)
	}
	if via != "exit" || !endRow.Valid {
		t.Errorf("after recovery: end_via %q, end row %v; want ended by exit, with its row", via, endRow)
	}
	if n := s.ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'impersonation.end'`); n != 1 {
		t.Errorf("impersonation.end rows = %d, want exactly 1", n)
	}
	var ok string
	s.ta.db.R.QueryRow(`PRAGMA integrity_check`).Scan(&ok)
	if ok != "ok" {
		t.Errorf("integrity_check: %s", ok)
	}
	r, err := db.OpenReadOnly(context.Background(), s.ta.db.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := s.ta.trail.Verify(context.Background(), r, "", time.Now().Add(time.Duration(s.ta.offset.Load()))); err != nil {
		t.Errorf("audit verify after recovery: %v", err)
	}
}

// exitRefused checks that Exit, when its end cannot be committed, says so instead of
// pretending, and that the impersonation then shows no customer page.
func (s *scene) exitRefused(t *testing.T) {
	t.Helper()
	r := s.admin.post("/api/customer/impersonation/end", url.Values{})
	if r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "could not be recorded as ended") || !strings.Contains(r.body, "it expires at") {
		t.Errorf("Exit while the database refuses writes: %d %.400s; want 503 saying it was not recorded as ended and when it expires", r.status, r.body)
	}
	if n := s.ta.count(`SELECT count(*) FROM impersonations WHERE ended_at IS NULL`); n != 1 {
		t.Errorf("active impersonations after a refused Exit = %d; the database must still say active", n)
	}
	g := s.admin.get(s.as("/cards"))
	if g.status != http.StatusServiceUnavailable {
		t.Errorf("a page of an impersonation being ended: %d, want 503", g.status)
	}
	noCustomerData(t, "page of an impersonation being ended", g)
}

func TestDiskFull(t *testing.T) {
	t.Parallel()
	dir := dbtest.Tmpfs(t, "48m")
	s := impersonating(t, appOptions{dir: dir, db: db.Options{Reserve: 8 << 20}})
	if _, err := s.ta.db.W.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	jane := s.ta.fingerprint(demo.JaneEmail)

	// Below the reserve: ordinary writes are refused, the audit trail still writes.
	junk := dbtest.Fill(t, dir, 4<<20)
	r := s.cust.post("/cards", url.Values{"label": {"Disk"}})
	if r.status != http.StatusInsufficientStorage || !strings.Contains(r.body, "disk is full") || !strings.Contains(r.body, "nothing was changed") || r.header.Get("Retry-After") == "" {
		t.Errorf("customer write below the reserve: %d %q %.300s; want 507 with a sentence and Retry-After", r.status, r.header.Get("Retry-After"), r.body)
	}
	r = s.admin.post(s.as("/cards"), url.Values{"label": {"Disk"}})
	if r.status != http.StatusInsufficientStorage {
		t.Errorf("impersonated write below the reserve: %d, want 507", r.status)
	}
	if n := s.ta.count(`SELECT count(*) FROM impersonation_audit WHERE route = '/cards' AND method = 'POST' AND outcome = 'blocked' AND status = 507`); n != 1 {
		t.Errorf("the refused impersonated write has %d audit rows, want 1 (blocked, 507)", n)
	}
	if g := s.admin.get(s.as("/sessions")); g.status != http.StatusOK || !hasBanner(g.body) || s.routeRows("/sessions") != 1 {
		t.Errorf("impersonated page below the reserve: %d, rows %d; want 200 with its audit row", g.status, s.routeRows("/sessions"))
	}
	if h := s.cust.get("/healthz"); h.status != http.StatusServiceUnavailable || !strings.Contains(h.body, "reserve") {
		t.Errorf("healthz below the reserve: %d %s", h.status, h.body)
	}

	// Completely full: no impersonated page leaves without its row.
	dbtest.Fill(t, dir, 0)
	routes := []string{"/", "/chargers", "/reservations", "/payment-methods", "/activity", "/cards"}
	refused := 0
	for i := 0; i < 12 && refused < 3; i++ {
		s.ta.advance(61 * time.Second) // a new minute: every view needs a new row
		route := routes[i%len(routes)]
		before := s.routeRows(route)
		g := s.admin.get(s.as(route))
		switch g.status {
		case http.StatusOK:
			if s.routeRows(route) != before+1 {
				t.Errorf("GET %s was shown without its audit row", route)
			}
		case http.StatusServiceUnavailable:
			refused++
			noCustomerData(t, "GET "+route+" on a full disk", g)
			if !strings.Contains(g.body, "not shown") || s.routeRows(route) != before {
				t.Errorf("GET %s refused: rows %d→%d, body %.300s", route, before, s.routeRows(route), g.body)
			}
		default:
			t.Fatalf("GET %s on a full disk: %d %.300s", route, g.status, g.body)
		}
	}
	if refused == 0 {
		t.Fatal("every page was recorded although the disk was full: the test did not fill it")
	}
	logins := s.ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'login.success'`)
	omar := s.ta.client()
	if l := omar.post("/login", url.Values{"email": {demo.OmarEmail}, "password": {demo.DefaultPassword}}); l.status < 500 {
		t.Errorf("login on a full disk: %d, want it refused (5xx): no login without its row", l.status)
	}
	if s.ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'login.success'`) != logins || omar.get("/").status != http.StatusSeeOther {
		t.Error("a refused login left a session or a row")
	}
	s.exitRefused(t)
	if s.ta.fingerprint(demo.JaneEmail) != jane {
		t.Error("Jane's account changed while the disk was full")
	}

	os.Remove(junk)
	s.afterRecovery(t)
}

// A read-only file system under a running server. Linux refuses to remount a file system
// read-only while a file on it is open for writing, so the server is started again on a
// read-only bind mount of the same folder (as after a disk error turned it read-only), while
// the first process keeps the file and its WAL open.
func TestReadOnlyFileSystem(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ro := t.TempDir()
	if err := syscall.Mount(dir, ro, "", syscall.MS_BIND, ""); err != nil {
		if os.Getenv("CHARGEDESK_FAULTS") == "1" {
			t.Fatalf("bind mount: %v", err)
		}
		t.Skipf("a bind mount needs root (%v); CI runs this test", err)
	}
	t.Cleanup(func() { syscall.Unmount(ro, syscall.MNT_DETACH) })
	if err := syscall.Mount("", ro, "", syscall.MS_REMOUNT|syscall.MS_BIND|syscall.MS_RDONLY, ""); err != nil {
		t.Fatalf("remount the bind mount read-only: %v", err)
	}
	o := appOptions{dir: dir, db: db.Options{Reserve: 1 << 20}}
	s := impersonating(t, o)
	jane := s.ta.fingerprint(demo.JaneEmail)
	first := s.ta
	first.srv.Close()
	s.restart(t, appOptions{dir: ro, db: o.db})

	g := s.admin.get(s.as("/sessions"))
	if g.status != http.StatusServiceUnavailable {
		t.Errorf("impersonated page on a read-only file system: %d, want 503", g.status)
	}
	noCustomerData(t, "impersonated page on a read-only file system", g)
	if r := s.cust.post("/cards", url.Values{"label": {"RO"}}); r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || !strings.Contains(r.body, "nothing was changed") {
		t.Errorf("customer write on a read-only file system: %d %.300s; want 503 with a sentence", r.status, r.body)
	}
	if h := s.cust.get("/healthz"); h.status != http.StatusServiceUnavailable || !strings.Contains(h.body, "refuses writes") {
		t.Errorf("healthz on a read-only file system: %d %s", h.status, h.body)
	}
	s.exitRefused(t)
	if first.fingerprint(demo.JaneEmail) != jane {
		t.Error("Jane's account changed on a read-only file system")
	}
	// The writable server takes over again (a restart forgets the refused Exit: the
	// impersonation is still active, as the 503 said, until Exit or expiry).
	s.ta = first
	s.ta.srv = httptest.NewServer(s.ta.app.Routes())
	t.Cleanup(s.ta.srv.Close)
	s.admin.base = s.ta.srv.URL
	if r := s.admin.post("/api/customer/impersonation/end", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("Exit on the writable server: %d", r.status)
	}
	s.afterRecovery(t)
}

// holdWriter takes the database's write lock from another connection, as a long-running
// process would, until release is called.
func holdWriter(t *testing.T, path string) (release func()) {
	t.Helper()
	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	done := false
	release = func() {
		if !done {
			done = true
			conn.ExecContext(context.Background(), `ROLLBACK`)
			conn.Close()
			other.Close()
		}
	}
	t.Cleanup(release)
	return release
}

func TestWriterLockedPastBusyTimeout(t *testing.T) {
	t.Parallel()
	s := impersonating(t, appOptions{db: db.Options{BusyTimeout: 300 * time.Millisecond}})
	jane := s.ta.fingerprint(demo.JaneEmail)
	release := holdWriter(t, s.ta.db.Path)
	s.ta.advance(61 * time.Second)

	g := s.admin.get(s.as("/sessions"))
	if g.status != http.StatusServiceUnavailable || g.header.Get("Retry-After") == "" {
		t.Errorf("impersonated page while the writer is held: %d %q, want 503 with Retry-After", g.status, g.header.Get("Retry-After"))
	}
	noCustomerData(t, "impersonated page while the writer is held", g)
	if r := s.cust.post("/cards", url.Values{"label": {"Busy"}}); r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || !strings.Contains(r.body, "busy") {
		t.Errorf("customer write while the writer is held: %d %.300s; want 503 saying the database is busy", r.status, r.body)
	}
	if h := s.cust.get("/healthz"); h.status != http.StatusServiceUnavailable {
		t.Errorf("healthz while the writer is held: %d %s", h.status, h.body)
	}
	s.exitRefused(t)
	release()
	if s.ta.fingerprint(demo.JaneEmail) != jane {
		t.Error("Jane's account changed while the writer was held")
	}
	s.afterRecovery(t)
}

// A client that hangs up while its page waits for the writer does not cancel the audit row:
// the page was computed for the admin, so it is recorded.
func TestAuditWriteSurvivesAClientThatHangsUp(t *testing.T) {
	t.Parallel()
	s := impersonating(t, appOptions{db: db.Options{BusyTimeout: 10 * time.Second}})
	release := holdWriter(t, s.ta.db.Path)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.admin.base+s.as("/reservations"), nil)
	done := make(chan error, 1)
	go func() {
		res, err := s.admin.http.Do(req)
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	time.Sleep(500 * time.Millisecond) // the request is now waiting for the writer
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("the client should have given up: %v", err)
	}
	release()
	deadline := time.Now().Add(15 * time.Second)
	for s.routeRows("/reservations") == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := s.routeRows("/reservations"); n != 1 {
		t.Errorf("audit rows for the page whose client hung up = %d, want 1 (never cancelled)", n)
	}
}

// restart starts a new server on the same file and audit key (as after a restart); the
// clients keep their cookies and point at it.
func (s *scene) restart(t *testing.T, o appOptions) {
	t.Helper()
	o.existing, o.trail = true, s.ta.trail
	offset := s.ta.offset.Load()
	s.ta = newTestAppWith(t, o)
	s.ta.offset.Store(offset)
	s.admin.base, s.cust.base = s.ta.srv.URL, s.ta.srv.URL
}

// The runbook's tolerance: when only the impersonation.end row cannot be written, Exit still
// succeeds and the impersonation ends; the row is owed (verify says so) and maintenance writes
// it as soon as it can, marked late. Every start keeps exactly one end.
func TestExitWhenOnlyTheEndRowFails(t *testing.T) {
	t.Parallel()
	s := impersonating(t, appOptions{})
	if _, err := s.ta.db.W.Exec(`CREATE TRIGGER fail_end BEFORE INSERT ON auth_audit WHEN NEW.tag = 'impersonation.end'
		BEGIN SELECT RAISE(ABORT, 'audit insert failed'); END`); err != nil {
		t.Fatal(err)
	}
	if r := s.admin.post("/api/customer/impersonation/end", url.Values{}); r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin" {
		t.Fatalf("Exit with a failing end row: %d %q, want 303 to /admin", r.status, r.header.Get("Location"))
	}
	if n := s.ta.count(`SELECT count(*) FROM impersonations WHERE ended_at IS NOT NULL AND end_via = 'exit' AND end_audit_id IS NULL`); n != 1 {
		t.Fatalf("ended with its row owed: %d, want 1", n)
	}
	if g := s.admin.get(s.as("/cards")); g.status != http.StatusForbidden {
		t.Errorf("a page after Exit: %d, want 403 (ended)", g.status)
	}
	s.ta.svc.Tasks.Round(context.Background()) // still failing: the row stays owed, nothing breaks
	if _, err := s.ta.db.W.Exec(`DROP TRIGGER fail_end`); err != nil {
		t.Fatal(err)
	}
	s.afterRecovery(t)
	var meta string
	s.ta.db.R.QueryRow(`SELECT metadata FROM auth_audit WHERE tag = 'impersonation.end'`).Scan(&meta)
	mustContain(t, meta, `"recorded_late_at"`, `"via":"exit"`)
}

// syncBuffer is a log that tests read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A client that gives up while its change waits for the writer is not a server error: the
// log says the request was cancelled, at INFO, and nothing changed.
func TestClientDisconnectIsNotAnError(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	ta := newTestAppWith(t, appOptions{db: db.Options{BusyTimeout: 2 * time.Second}, log: &log})
	jane := ta.client()
	jane.login(demo.JaneEmail)
	before := ta.fingerprint(demo.JaneEmail)
	release := holdWriter(t, ta.db.Path)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, jane.base+"/cards", strings.NewReader("label=Gone"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	done := make(chan struct{})
	go func() {
		if res, err := jane.http.Do(req); err == nil {
			res.Body.Close()
		}
		close(done)
	}()
	time.Sleep(300 * time.Millisecond)
	cancel()
	<-done
	// The handler logs the cancellation, then the access log its line (status 499): wait for both.
	deadline := time.Now().Add(10 * time.Second)
	for out := log.String(); !(strings.Contains(out, "request cancelled by the client") && strings.Contains(out, "status=499")) && time.Now().Before(deadline); out = log.String() {
		time.Sleep(20 * time.Millisecond)
	}
	release()
	out := log.String()
	if !strings.Contains(out, "request cancelled by the client") || strings.Contains(out, "level=ERROR") || !strings.Contains(out, "status=499") {
		t.Errorf("log of a cancelled request:\n%s", out)
	}
	if ta.fingerprint(demo.JaneEmail) != before {
		t.Error("the cancelled change was made")
	}
}

// The support team's controls under a full disk: each change commits with its audit row, its
// event and its side effects (ends, logouts) or not at all — 507 "nothing was changed", and
// the database holds exactly what it held.
func TestControlsUnderAFullDisk(t *testing.T) {
	t.Parallel()
	dir := dbtest.Tmpfs(t, "48m")
	s := impersonating(t, appOptions{dir: dir, db: db.Options{Reserve: 8 << 20}, webhook: "http://127.0.0.1:1/"})
	if _, err := s.ta.db.W.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	alex := s.ta.client()
	alex.login("alex@chargedesk.test")
	state := func() string {
		var out string
		s.ta.db.R.QueryRow(`SELECT (SELECT count(*) FROM auth_audit) || '/' || (SELECT count(*) FROM webhook_outbox) || '/' ||
			(SELECT enabled FROM impersonation_switch) || '/' || (SELECT count(*) FROM users) || '/' ||
			(SELECT group_concat(status || protected_reason, ',') FROM users WHERE id = ?) || '/' ||
			(SELECT count(*) FROM impersonations WHERE ended_at IS NULL) || '/' || (SELECT max(expires_at) FROM impersonations) || '/' ||
			(SELECT count(*) FROM web_sessions)`, s.jane).Scan(&out)
		return out
	}
	before := state()
	dbtest.Fill(t, dir, 4<<20) // below the reserve: ordinary transactions are refused
	for _, req := range []struct {
		path string
		form url.Values
	}{
		{"/admin/settings/impersonation", url.Values{"enabled": {"false"}, "reason": {"Drill"}}},
		{"/admin/staff", url.Values{"name": {"Full Disk"}, "email": {"full@chargedesk.test"}, "role": {"support"}}},
		{fmt.Sprintf("/admin/customers/%d/status", s.jane), url.Values{"enabled": {"false"}, "reason": {"Fraud"}}},
		{fmt.Sprintf("/admin/customers/%d/protect", s.jane), url.Values{"protect": {"true"}, "reason": {"VIP"}}},
	} {
		if r := alex.post(req.path, req.form); r.status != http.StatusInsufficientStorage || !strings.Contains(r.body, "nothing was changed") {
			t.Errorf("POST %s on a full disk: %d %.200s", req.path, r.status, r.body)
		}
	}
	if r := s.admin.post("/api/customer/impersonation/extend", url.Values{}); r.status != http.StatusInsufficientStorage {
		t.Errorf("extend on a full disk: %d %.200s", r.status, r.body)
	}
	if after := state(); after != before {
		t.Errorf("the database changed although every change was refused:\n%s\n%s", before, after)
	}
}
