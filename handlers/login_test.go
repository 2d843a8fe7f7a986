package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"chargedesk/demo"
)

func TestLoginLandsByRole(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	tests := []struct{ email, landing, shows string }{
		{demo.JaneEmail, "/", "Hello, Jane Doe"},
		{demo.AdminEmail, "/admin", "Support console"},
	}
	for _, tt := range tests {
		c := ta.client()
		r := c.post("/login", url.Values{"email": {tt.email}, "password": {demo.DefaultPassword}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != tt.landing {
			t.Fatalf("%s: status %d location %q, want 303 %s", tt.email, r.status, r.header.Get("Location"), tt.landing)
		}
		page := c.get(tt.landing)
		if page.status != http.StatusOK {
			t.Fatalf("%s: GET %s = %d", tt.email, tt.landing, page.status)
		}
		mustContain(t, page.body, tt.shows, "Log out")
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'login.success'`); n != 2 {
		t.Errorf("login.success rows = %d, want 2", n)
	}
}

// An unknown email and a wrong password get the very same answer.
func TestLoginFailureDoesNotRevealAccounts(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	wrong := ta.client().post("/login", url.Values{"email": {demo.JaneEmail}, "password": {"not-her-password"}})
	unknown := ta.client().post("/login", url.Values{"email": {"nobody@example.com"}, "password": {"not-her-password"}})
	if wrong.status != http.StatusUnauthorized || unknown.status != http.StatusUnauthorized {
		t.Fatalf("statuses %d and %d, want 401 both", wrong.status, unknown.status)
	}
	msg := "That email and password do not match an account."
	mustContain(t, wrong.body, msg)
	mustContain(t, unknown.body, msg)
	strip := func(s string) string { return strings.ReplaceAll(s, "nobody@example.com", demo.JaneEmail) }
	if strip(unknown.body) != wrong.body {
		t.Error("unknown email and wrong password render different pages")
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'login.failure'`); n != 2 {
		t.Errorf("login.failure rows = %d, want 2", n)
	}
}

func TestLoginRateLimitPerIPAndEmail(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	for i := range 5 {
		if r := c.post("/login", url.Values{"email": {demo.JaneEmail}, "password": {"guess"}}); r.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i+1, r.status)
		}
	}
	// Even the right password is refused now.
	r := c.post("/login", url.Values{"email": {demo.JaneEmail}, "password": {demo.DefaultPassword}})
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("6th attempt: status %d, want 429", r.status)
	}
	mustContain(t, r.body, "Too many failed attempts")
	// Another email from the same IP is not affected.
	ta.client().login(demo.OmarEmail)
}

// Logging in always mints a new session id, and the old one stops working.
func TestLoginChangesSessionID(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	c.login(demo.OmarEmail)
	before := c.cookie()
	c.login(demo.JaneEmail)
	after := c.cookie()
	if before == "" || after == "" || before == after {
		t.Fatalf("session cookie before %q after %q: want two different ids", before, after)
	}
	replay := ta.client()
	r := replay.get("/", "Cookie", "chargedesk_session="+before)
	if r.status != http.StatusSeeOther || !toLogin(r.header.Get("Location")) {
		t.Errorf("old session cookie: status %d location %q, want 303 /login", r.status, r.header.Get("Location"))
	}
	// A forged cookie value is ignored.
	r = ta.client().get("/", "Cookie", "chargedesk_session=forged-value")
	if r.status != http.StatusSeeOther {
		t.Errorf("forged cookie: status %d, want 303 to login", r.status)
	}
}

func TestCookieReplayedAfterLogoutIsRefused(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	c.login(demo.JaneEmail)
	saved := c.cookie()
	if r := c.post("/logout", nil); r.status != http.StatusSeeOther || !toLogin(r.header.Get("Location")) {
		t.Fatalf("logout: %d %q", r.status, r.header.Get("Location"))
	}
	r := ta.client().get("/", "Cookie", "chargedesk_session="+saved)
	if r.status != http.StatusSeeOther || !toLogin(r.header.Get("Location")) {
		t.Errorf("replayed cookie: status %d location %q, want 303 /login", r.status, r.header.Get("Location"))
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'logout'`); n != 1 {
		t.Errorf("logout rows = %d, want 1", n)
	}
}

func TestDisabledUserLosesSessionAtOnce(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	c.login(demo.JaneEmail)
	if _, err := ta.db.W.Exec(`UPDATE users SET status = 'disabled' WHERE email = ?`, demo.JaneEmail); err != nil {
		t.Fatal(err)
	}
	if r := c.get("/"); r.status != http.StatusSeeOther {
		t.Errorf("disabled user: status %d, want 303 to login", r.status)
	}
	if r := ta.client().post("/login", url.Values{"email": {demo.JaneEmail}, "password": {demo.DefaultPassword}}); r.status != http.StatusUnauthorized {
		t.Errorf("disabled user login: status %d, want 401", r.status)
	}
}

func TestBadLoginInput(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	big := strings.Repeat("a", 10_000)
	tests := []struct {
		name   string
		form   url.Values
		status int
		msg    string
	}{
		{"empty", url.Values{}, 422, "Enter your email and your password."},
		{"no password", url.Values{"email": {demo.JaneEmail}}, 422, "Enter your email and your password."},
		{"10 kB email", url.Values{"email": {big + "@example.com"}, "password": {"x"}}, 422, "too long"},
		{"10 kB password", url.Values{"email": {demo.JaneEmail}, "password": {big}}, 422, "too long"},
		{"invalid UTF-8", url.Values{"email": {"jane\xff@example.com"}, "password": {"x"}}, 400, "plain text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ta.client().post("/login", tt.form)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d", r.status, tt.status)
			}
			mustContain(t, r.body, tt.msg)
		})
	}
	// JSON clients get JSON errors.
	r := ta.client().post("/login", url.Values{}, "Accept", "application/json")
	if r.status != 422 || !strings.Contains(r.body, `"error":"Enter your email and your password."`) {
		t.Errorf("JSON: %d %s", r.status, r.body)
	}
	if n := ta.count(`SELECT count(*) FROM web_sessions`); n != 0 {
		t.Errorf("bad input created %d sessions", n)
	}
}

func TestCrossSitePostIsRefused(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	r := ta.client().post("/login", url.Values{"email": {demo.JaneEmail}, "password": {demo.DefaultPassword}},
		"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if r.status != http.StatusForbidden {
		t.Fatalf("cross-site login: status %d, want 403", r.status)
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'login.success'`); n != 0 {
		t.Errorf("cross-site login was recorded as a success")
	}
}

func TestCustomerCannotOpenAdmin(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	c.login(demo.JaneEmail)
	r := c.get("/admin")
	if r.status != http.StatusForbidden {
		t.Fatalf("customer on /admin: %d, want 403", r.status)
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'privilege_violation' AND actor_user_id = ?`, ta.userID(demo.JaneEmail)); n != 1 {
		t.Errorf("privilege_violation rows = %d, want 1", n)
	}
	if r := ta.client().get("/admin"); r.status != http.StatusSeeOther {
		t.Errorf("anonymous on /admin: %d, want 303 to login", r.status)
	}
}

func TestHTMXGetsFragment(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	c.login(demo.JaneEmail)
	full := c.get("/")
	frag := c.get("/", "HX-Request", "true")
	if !strings.Contains(full.body, "<html") || strings.Contains(frag.body, "<html") {
		t.Fatalf("full page has <html>: %v; fragment has <html>: %v", strings.Contains(full.body, "<html"), strings.Contains(frag.body, "<html"))
	}
	mustContain(t, frag.body, "Hello, Jane Doe")
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	if r := ta.client().get("/healthz"); r.status != 200 || !strings.Contains(r.body, `"ok"`) {
		t.Errorf("healthz: %d %s", r.status, r.body)
	}
	ta.db.R.Close()
	if r := ta.client().get("/healthz"); r.status != http.StatusServiceUnavailable {
		t.Errorf("healthz with the DB closed: %d, want 503", r.status)
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	if r := ta.client().get("/no-such-page"); r.status != 404 {
		t.Errorf("unknown page: %d", r.status)
	}
	if r := ta.client().do(http.MethodDelete, "/login", nil); r.status != http.StatusMethodNotAllowed {
		t.Errorf("DELETE /login: %d, want 405", r.status)
	}
}

func TestStaticFilesAndSecurityHeaders(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	if r := c.get("/static/htmx.min.js"); r.status != 200 || !strings.Contains(r.header.Get("Cache-Control"), "max-age") {
		t.Errorf("htmx: %d %q", r.status, r.header.Get("Cache-Control"))
	}
	for _, p := range []string{"/static/", "/static/nope.js", "/static/../go.mod"} {
		if r := c.get(p); r.status != 404 {
			t.Errorf("%s: %d, want 404 (no listings, nothing outside static/)", p, r.status)
		}
	}
	r := c.get("/login")
	for h, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "frame-ancestors 'none'"} {
		if !strings.Contains(r.header.Get(h), want) {
			t.Errorf("%s: %q, want %q", h, r.header.Get(h), want)
		}
	}
}

// 100 wrong guesses at once from one address: the check and the count are one step, so at
// most 5 passwords are compared; the rest get 429 without a bcrypt.
func TestParallelGuessesAreLimitedAtomically(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	var wg sync.WaitGroup
	statuses := make(chan int, 100)
	for range 100 {
		wg.Go(func() {
			r := ta.client().post("/login", url.Values{"email": {demo.JaneEmail}, "password": {"guess"}})
			statuses <- r.status
		})
	}
	wg.Wait()
	close(statuses)
	checked := 0
	for s := range statuses {
		switch s {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("a guess got %d", s)
		}
	}
	if checked > 5 || ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'login.failure'`) != checked {
		t.Errorf("%d of 100 parallel guesses were checked (%d failure rows); want at most 5", checked, ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'login.failure'`))
	}
}

// An account under attack from many addresses is slowed down, not locked: after 20 failures
// from anywhere, one attempt per 30 seconds gets through, and the owner's right password
// works when it does.
func TestAnAccountIsSlowedDownNotLockedOut(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	for i := range 20 {
		from := ta.clientFrom(fmt.Sprintf("127.0.0.%d", 2+i/4)) // 4 guesses from each of 5 addresses
		if r := from.post("/login", url.Values{"email": {demo.JaneEmail}, "password": {"guess"}}); r.status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, r.status)
		}
	}
	owner := ta.clientFrom("127.0.0.42")
	r := owner.post("/login", url.Values{"email": {demo.JaneEmail}, "password": {demo.DefaultPassword}})
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "slowed down") || r.header.Get("Retry-After") == "" {
		t.Fatalf("the owner during the attack: %d %q; want 429 saying logins are slowed down, with Retry-After", r.status, r.header.Get("Retry-After"))
	}
	ta.advance(30 * time.Second)
	owner.login(demo.JaneEmail)
	// Another account is not affected at all.
	ta.clientFrom("127.0.0.2").login(demo.OmarEmail)
}
