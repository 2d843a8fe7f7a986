package handlers_test

import (
	"database/sql"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"

	"chargedesk/demo"
)

// The test app signs cookies with this key; an attacker with a copy of a real database has
// its key too (it is in the settings table).
var testCookieKey = []byte("test-key-test-key-test-key-test-key!")

// A copy of the database is not a key: it holds only hashes of session ids, and a cookie
// made from them (with the signing key, which the copy also holds) signs nobody in.
func TestDatabaseCopyCannotForgeASession(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client()
	admin.login(demo.AdminEmail)
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if _, err := ta.db.W.Exec(`VACUUM INTO ?`, copyPath); err != nil {
		t.Fatal(err)
	}
	stolen, err := sql.Open("sqlite", "file:"+copyPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer stolen.Close()
	var stored string
	if err := stolen.QueryRow(`SELECT id FROM web_sessions WHERE user_id = ?`, ta.userID(demo.AdminEmail)).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	codec := securecookie.New(testCookieKey, nil).SetSerializer(securecookie.NopEncoder{})
	forge := func(id string) string {
		v, err := codec.Encode("chargedesk_session", []byte(id))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// The forging works: the real id, signed the same way, is a valid cookie.
	var raw []byte
	if err := codec.Decode("chargedesk_session", admin.cookie(), &raw); err != nil {
		t.Fatal(err)
	}
	realID := string(raw)
	if r := ta.client().get("/admin", "Cookie", "chargedesk_session="+forge(realID)); r.status != http.StatusOK {
		t.Fatalf("control: a cookie made from the real id: %d, want 200", r.status)
	}
	if stored == realID || len(stored) != 64 {
		t.Errorf("web_sessions.id = %q: the table must hold the id's SHA-256, not the id", stored)
	}
	if r := ta.client().get("/admin", "Cookie", "chargedesk_session="+forge(stored)); r.status != http.StatusSeeOther || !toLogin(r.header.Get("Location")) {
		t.Errorf("a cookie forged from the database copy: %d %q; want 303 to /login", r.status, r.header.Get("Location"))
	}
}

func TestSessionsEndIdleAndAfterTheirLifetime(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	c.login(demo.JaneEmail)
	ta.advance(29 * time.Minute)
	if r := c.get("/"); r.status != http.StatusOK {
		t.Fatalf("29 idle minutes: %d, want 200", r.status)
	}
	ta.advance(30 * time.Minute)
	if r := c.get("/"); r.status != http.StatusSeeOther || !toLogin(r.header.Get("Location")) {
		t.Errorf("30 idle minutes: %d %q; want 303 to /login", r.status, r.header.Get("Location"))
	}
	if n := ta.count(`SELECT count(*) FROM web_sessions WHERE user_id = ?`, ta.userID(demo.JaneEmail)); n != 0 {
		t.Errorf("an idle session left %d rows", n)
	}
	// Used every 20 minutes, a login still ends after 12 hours.
	c.login(demo.JaneEmail)
	for elapsed := time.Duration(0); elapsed < 12*time.Hour-20*time.Minute; elapsed += 20 * time.Minute {
		ta.advance(20 * time.Minute)
		if r := c.get("/"); r.status != http.StatusOK {
			t.Fatalf("in use after %s: %d", elapsed+20*time.Minute, r.status)
		}
	}
	ta.advance(21 * time.Minute)
	if r := c.get("/"); r.status != http.StatusSeeOther {
		t.Errorf("after 12 hours in use: %d, want 303 to /login", r.status)
	}
}

// Over TLS the cookie carries the __Host- prefix: Secure, this host only, path /.
func TestCookieOverTLSHasTheHostPrefix(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	srv := httptest.NewTLSServer(ta.app.Routes())
	defer srv.Close()
	hc := srv.Client()
	hc.Jar, _ = cookiejar.New(nil)
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := hc.PostForm(srv.URL+"/login", url.Values{"email": {demo.JaneEmail}, "password": {demo.DefaultPassword}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	sc := res.Header.Get("Set-Cookie")
	if !strings.HasPrefix(sc, "__Host-chargedesk_session=") || !strings.Contains(sc, "Secure") || !strings.Contains(sc, "Path=/") ||
		strings.Contains(sc, "Domain=") || !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") {
		t.Errorf("Set-Cookie over TLS: %q", sc)
	}
	res, err = hc.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("home with the __Host- cookie: %d", res.StatusCode)
	}
}

// A console tab left open polls (the Approvals badge, a waiting page) but is not the person at
// work: the polls do not keep an unused login from ending as idle.
func TestPollsDoNotKeepALoginAlive(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := adminClient(t, ta)
	for range 10 { // 30 minutes of polls, every 3 minutes
		ta.advance(3 * time.Minute)
		c.get("/admin/approvals/badge", "HX-Request", "true")
		c.get("/admin/approvals/1?poll=1", "HX-Request", "true")
	}
	if r := c.get("/admin"); r.status != http.StatusSeeOther || !toLogin(r.header.Get("Location")) {
		t.Errorf("after 30 minutes of polls only: %d %q; want the login to have ended (303 to /login)", r.status, r.header.Get("Location"))
	}
}
