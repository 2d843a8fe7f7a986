package handlers_test

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"chargedesk/app"
	"chargedesk/audit"
	"chargedesk/chargepoint"
	"chargedesk/db"
	"chargedesk/db/dbtest"
	"chargedesk/demo"
	"chargedesk/handlers"
	"chargedesk/mail"
	"chargedesk/sso"
)

// testApp is the real router over a temp SQLite file with the real migrations and the demo.
type testApp struct {
	t      testing.TB
	db     *db.DB
	trail  *audit.Trail
	app    *handlers.App
	svc    *app.Services // every service the app was built with (its maintenance, its guard …)
	every  time.Duration // how often maintenance runs (Run)
	srv    *httptest.Server
	offset atomic.Int64 // added to the wall clock the app sees, to test expiry
	// chargePoints are the demo's simulated charge points, when connected.
	chargePoints []*chargepoint.ChargePoint
}

// advance moves the app's clock forward.
func (ta *testApp) advance(d time.Duration) { ta.offset.Add(int64(d)) }

// advanceKeepingLogin moves the clock forward in steps, with a console request each step, so
// that c's login does not end idle on the way (an impersonation still can).
func (ta *testApp) advanceKeepingLogin(c *client, d time.Duration) {
	ta.t.Helper()
	for step := 5 * time.Minute; d > 0; d -= step {
		ta.advance(min(step, d))
		c.get("/admin")
	}
}

func newTestApp(t testing.TB) *testApp { return newTestAppWith(t, appOptions{}) }

// appOptions vary the test app: where the file lives (a tmpfs, say) and how the database is
// opened.
type appOptions struct {
	dir          string
	db           db.Options
	existing     bool // the file is there and migrated: open it as it is
	trail        *audit.Trail
	chargePoints bool          // connect the demo's simulated charge points (OCPP over loopback)
	every        time.Duration // maintenance interval
	log          io.Writer     // the app's log; nil discards it
	webhook      string        // the webhook URL (signed with testWebhookSecret), or none
	// seedInPlace migrates and seeds the file here instead of copying the seeded one: the
	// planner's statistics are then those of the empty schema, taken when it was opened,
	// so the plan tests see what SQLite picks for large tables (the copy is analysed as
	// the small demo it is when it is opened).
	seedInPlace bool
	requireMFA  bool // --require-staff-mfa
	// sso is the staff's identity provider; noStaffPasswords leaves it the only way in.
	sso              *sso.Provider
	noStaffPasswords bool
	tls              bool           // serve over TLS (httptest's certificate)
	proxies          []netip.Prefix // --trusted-proxy
	publicURL        string
	ticketURL        string       // --ticket-url
	mail             *mail.Sender // --smtp-url (an in-process server), or email off
}

const testWebhookSecret = "test-webhook-secret-0123456789"

func newTestAppWith(t testing.TB, o appOptions) *testApp {
	t.Helper()
	if o.dir == "" {
		o.dir = t.TempDir()
	}
	path := filepath.Join(o.dir, "chargedesk.db")
	switch {
	case o.existing:
	case o.seedInPlace:
		if err := db.Migrate(path); err != nil {
			t.Fatal(err)
		}
	default:
		path = dbtest.SeededFile(t, o.dir) // the migrated demo, seeded once per test binary
	}
	d, err := db.OpenWith(context.Background(), path, o.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if o.seedInPlace {
		if _, err := demo.SeedIfEmptyWith(context.Background(), d, demo.DefaultPassword, time.Now(), demo.Options{HashCost: bcrypt.MinCost}); err != nil {
			t.Fatal(err)
		}
	}
	if o.trail == nil {
		o.trail = audit.NewTrail(audit.NewKey())
	}
	ta := &testApp{t: t, db: d, trail: o.trail}
	svc, err := app.Build(app.Options{
		DB: d, SessionKey: []byte("test-key-test-key-test-key-test-key!"), Trail: ta.trail,
		Log:        slog.New(slog.NewTextHandler(cmp.Or[io.Writer](o.log, io.Discard), nil)),
		Now:        func() time.Time { return time.Now().Add(time.Duration(ta.offset.Load())) },
		WebhookURL: o.webhook, WebhookSecret: []byte(testWebhookSecret),
		RequireStaffMFA: o.requireMFA, NoMFAReason: "demo", SSO: o.sso, NoStaffPasswords: o.noStaffPasswords,
		TrustedProxies: o.proxies, PublicURL: o.publicURL, TicketURL: o.ticketURL, Mail: o.mail,
	})
	if err != nil {
		t.Fatal(err)
	}
	ta.svc, ta.app, ta.every = svc, svc.HTTP, o.every
	if o.tls {
		ta.srv = httptest.NewTLSServer(svc.HTTP.Routes())
	} else {
		ta.srv = httptest.NewServer(svc.HTTP.Routes())
	}
	t.Cleanup(ta.srv.Close)
	if o.chargePoints {
		ta.connectChargePoints()
	}
	return ta
}

// connectChargePoints connects the demo's simulated charge points to the test server over
// OCPP (MeterValues every 50 ms) and waits until every one has booted.
func (ta *testApp) connectChargePoints() {
	ta.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ta.t.Cleanup(cancel)
	cps, err := demo.ChargePoints(ctx, ta.db, "ws"+strings.TrimPrefix(ta.srv.URL, "http")+"/ocpp/1.6", slog.New(slog.DiscardHandler), 50*time.Millisecond)
	if err != nil {
		ta.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, cp := range cps {
		for !cp.Online() {
			if time.Now().After(deadline) {
				ta.t.Fatal("the simulated charge points did not all connect within 10 s")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	ta.chargePoints = cps
}

// client is one browser: its own cookie jar, redirects not followed.
type client struct {
	t    testing.TB
	base string
	http *http.Client
}

func (ta *testApp) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: ta.t, base: ta.srv.URL, http: &http.Client{
		Jar:           jar,
		Transport:     ta.srv.Client().Transport, // trusts the test server's certificate over TLS
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// clientFrom is a browser whose connections come from ip (any 127.x.y.z address), so that
// limits per address can be tested.
func (ta *testApp) clientFrom(ip string) *client {
	c := ta.client()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c.http.Transport = &http.Transport{DialContext: d.DialContext}
	return c
}

type response struct {
	status int
	header http.Header
	body   string
}

// awaitsApproval: a start on a protected customer sent the browser to its waiting page.
func (r response) awaitsApproval() bool {
	return r.status == http.StatusSeeOther && strings.HasPrefix(r.header.Get("Location"), "/admin/approvals/")
}

func (c *client) do(method, path string, body io.Reader, header ...string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (c *client) get(path string, header ...string) response {
	c.t.Helper()
	return c.do(http.MethodGet, path, nil, header...)
}

func (c *client) post(path string, form url.Values, header ...string) response {
	c.t.Helper()
	return c.do(http.MethodPost, path, strings.NewReader(form.Encode()),
		append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...)...)
}

// login logs in with the demo password and fails the test unless it is accepted.
func (c *client) login(email string) {
	c.t.Helper()
	r := c.post("/login", url.Values{"email": {email}, "password": {demo.DefaultPassword}})
	if r.status != http.StatusSeeOther {
		c.t.Fatalf("login %s: status %d, want 303; body: %.300s", email, r.status, r.body)
	}
}

// cookie returns the session cookie value the client holds.
func (c *client) cookie() string {
	u, _ := url.Parse(c.base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "chargedesk_session" {
			return ck.Value
		}
	}
	return ""
}

// count runs a COUNT query.
func (ta *testApp) count(query string, args ...any) int {
	ta.t.Helper()
	var n int
	if err := ta.db.R.QueryRow(query, args...).Scan(&n); err != nil {
		ta.t.Fatal(err)
	}
	return n
}

func (ta *testApp) userID(email string) int64 {
	ta.t.Helper()
	return dbtest.UserID(ta.t, ta.db, email)
}

func mustContain(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("body lacks %q; body: %.600s", w, body)
		}
	}
}

// toLogin reports a redirect to the login page (which may carry the page to come back to).
func toLogin(location string) bool {
	return location == "/login" || strings.HasPrefix(location, "/login?next=")
}
