package handlers_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"chargedesk/demo"
)

// A page on another site whose name resolves to this server (DNS rebinding) gets 421.
func TestForeignHostIsRefused(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	for _, host := range []string{"evil.example", "attacker.test:8080", "127.0.0.1.nip.io"} {
		req, _ := http.NewRequest(http.MethodPost, ta.srv.URL+"/login", strings.NewReader(url.Values{"email": {demo.AdminEmail}, "password": {demo.DefaultPassword}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Host = host
		res, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusMisdirectedRequest || !strings.Contains(string(b), "does not answer to the name") {
			t.Errorf("Host %s: %d %.200s; want 421 with a sentence", host, res.StatusCode, b)
		}
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag LIKE 'login.%'`); n != 0 {
		t.Errorf("a foreign Host reached the login: %d rows", n)
	}
	if r := c.get("/healthz", "Host", "localhost"); r.status != http.StatusOK {
		t.Errorf("localhost: %d", r.status)
	}
}

func TestHeadAnswersEveryGetRoute(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	c.login(demo.JaneEmail)
	for _, p := range []string{"/healthz", "/login", "/", "/sessions", "/static/app.css"} {
		req, _ := http.NewRequest(http.MethodHead, ta.srv.URL+p, nil)
		res, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		want := http.StatusOK
		if p == "/login" {
			want = http.StatusSeeOther // logged in: sent home
		}
		if res.StatusCode != want || len(b) != 0 {
			t.Errorf("HEAD %s: %d with %d body bytes; want %d and no body", p, res.StatusCode, len(b), want)
		}
	}
}

func TestBadQueriesAndBodies(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client()
	admin.login(demo.AdminEmail)
	for _, q := range []string{"/admin/customers?q=%00", "/admin/customers?q=%ff%fe", "/admin/audit?user=%zz", "/admin/customers?q%00=x"} {
		if r := admin.get(q); r.status != http.StatusBadRequest || !strings.Contains(r.body, "address") {
			t.Errorf("GET %s: %d %.200s; want 400 with a sentence", q, r.status, r.body)
		}
	}
	jane := ta.client()
	jane.login(demo.JaneEmail)
	before := ta.fingerprint(demo.JaneEmail)
	big := "label=" + strings.Repeat("x", 2<<20)
	r := jane.do(http.MethodPost, "/cards", strings.NewReader(big), "Content-Type", "application/x-www-form-urlencoded")
	if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, "too large") {
		t.Errorf("2 MB form: %d %.200s; want 413", r.status, r.body)
	}
	// The same without a Content-Length (chunked): still 413.
	r = jane.do(http.MethodPost, "/cards", io.MultiReader(strings.NewReader(big)), "Content-Type", "application/x-www-form-urlencoded")
	if r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MB chunked form: %d, want 413", r.status)
	}
	js := fmt.Sprintf(`{"customer_user_id": 2, "ticket": "T", "reason": %q}`, strings.Repeat("x", 2<<20))
	if r := admin.do(http.MethodPost, "/api/customer/impersonation/start", strings.NewReader(js), "Content-Type", "application/json"); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MB JSON start: %d, want 413", r.status)
	}
	if ta.fingerprint(demo.JaneEmail) != before {
		t.Error("an oversized body changed something")
	}
}

// Every authenticated answer is kept out of caches, the browser's included.
func TestAuthenticatedAnswersAreNotCached(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client()
	admin.login(demo.AdminEmail)
	jane := ta.client()
	jane.login(demo.JaneEmail)
	for _, tc := range []struct {
		c    *client
		path string
	}{{admin, "/admin"}, {admin, "/admin/audit?format=csv"}, {admin, "/admin/customers?q=jane"}, {jane, "/"}, {jane, "/cards"}} {
		if r := tc.c.get(tc.path); r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", tc.path, r.header.Get("Cache-Control"))
		}
	}
}

// A link on another site or a browser prefetch changes nothing: it neither ends an
// impersonation nor records a violation against the customer who clicked it.
func TestCrossSiteNavigationAndPrefetchChangeNothing(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	omar := ta.client()
	omar.login(demo.OmarEmail)
	for _, h := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Sec-Purpose", "prefetch"}, {"Purpose", "prefetch"}} {
		r := omar.get(fmt.Sprintf("/?as=%d", jane), h...)
		if r.status != http.StatusForbidden || !strings.Contains(r.body, "came from another site") {
			t.Errorf("%v: %d %.200s", h, r.status, r.body)
		}
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'privilege_violation'`); n != 0 {
		t.Errorf("a link on another site recorded %d violations against the customer who clicked it", n)
	}
	if r := omar.get("/", "Sec-Fetch-Site", "cross-site"); r.status != http.StatusOK {
		t.Errorf("a customer following a link to their own home: %d, want 200", r.status)
	}
	admin := ta.client()
	admin.login(demo.AdminEmail)
	admin.startImpersonating(jane, "SUP-XS", false)
	active := func() int { return ta.count(`SELECT count(*) FROM impersonations WHERE ended_at IS NULL`) }
	for _, h := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Sec-Purpose", "prefetch;prerender"}} {
		if r := admin.get("/", h...); r.status != http.StatusForbidden || active() != 1 {
			t.Errorf("%v to / while impersonating: %d, active %d; want 403 and still active", h, r.status, active())
		}
		if r := admin.get(fmt.Sprintf("/cards?as=%d", jane), h...); r.status != http.StatusForbidden || strings.Contains(r.body, "Jane Doe") {
			t.Errorf("%v to a customer page: %d; want 403 without her data", h, r.status)
		}
	}
	// Typing the address without the marker (Sec-Fetch-Site: none) still ends it: the runbook.
	if r := admin.get("/", "Sec-Fetch-Site", "none"); r.status != http.StatusSeeOther || active() != 0 {
		t.Errorf("typed address without the marker: %d, active %d; want 303 and ended", r.status, active())
	}
}
