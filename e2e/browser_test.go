// Package e2e_test clicks through the impersonation runbook in real Chromium against the real
// router on 127.0.0.1 with the demo database.
//
// It is the slow tier (about 45 s on two cores): it runs with CHARGEDESK_E2E=1, as in CI, and
// skips otherwise, so that `go test ./...` stays fast. It needs Debian's Chromium
// (/usr/bin/chromium, or CHARGEDESK_CHROMIUM); with CHARGEDESK_E2E=1 and no Chromium the tests
// fail. Run with -update-screenshots to rewrite docs/screenshots/.
package e2e_test

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"chargedesk/app"
	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/db/dbtest"
	"chargedesk/demo"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write the key screens to docs/screenshots/")

// site is the real app served on a loopback port.
type site struct {
	t    *testing.T
	db   *db.DB
	base string
}

// browserTier skips the test unless the browser tier was asked for (CHARGEDESK_E2E=1).
func browserTier(t *testing.T) {
	t.Helper()
	if os.Getenv("CHARGEDESK_E2E") != "1" {
		t.Skip("the browser tests run with CHARGEDESK_E2E=1 (as in CI): CHARGEDESK_E2E=1 go test ./e2e/")
	}
}

func chromiumPath(t *testing.T) string {
	t.Helper()
	browserTier(t)
	path := os.Getenv("CHARGEDESK_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		msg := fmt.Sprintf("Chromium not found at %s: install it with `apt-get install -y chromium` (or set CHARGEDESK_CHROMIUM)", path)
		if os.Getenv("CHARGEDESK_E2E") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

func startSite(t *testing.T) *site { return startSiteWith(t, app.Options{}) }

// startSiteWith is startSite with cfg's settings (the database, keys and log are the site's).
func startSiteWith(t *testing.T, cfg app.Options) *site {
	t.Helper()
	browserTier(t)
	d := dbtest.Seeded(t)
	cfg.DB, cfg.SessionKey, cfg.Trail, cfg.Log = d, []byte("e2e-key-e2e-key-e2e-key-e2e-key!!"), audit.NewTrail(audit.NewKey()), slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := app.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: svc.HTTP.Routes(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	// The demo's chargers connect over OCPP, as with serve --demo.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cps, err := demo.ChargePoints(ctx, d, "ws://"+ln.Addr().String()+"/ocpp/1.6", slog.New(slog.DiscardHandler), 0)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		online := 0
		for _, cp := range cps {
			if cp.Online() {
				online++
			}
		}
		if online == len(cps) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d demo charge points connected within 10 s", online, len(cps))
		}
	}
	return &site{t: t, db: d, base: "http://" + ln.Addr().String()}
}

func (s *site) userID(email string) int64 { return dbtest.UserID(s.t, s.db, email) }

// signInElsewhere signs email in from another device (a plain HTTP client sending userAgent):
// a second session on the account's Security page.
func (s *site) signInElsewhere(email, userAgent string) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.base+"/login", strings.NewReader(url.Values{"email": {email}, "password": {demo.DefaultPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", userAgent)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("sign %s in elsewhere: %d", email, resp.StatusCode)
	}
}

func (s *site) count(q string, args ...any) int {
	var n int
	if err := s.db.R.QueryRow(q, args...).Scan(&n); err != nil && !errors.Is(err, sql.ErrNoRows) {
		s.t.Fatal(err)
	}
	return n
}

// browser is one Chromium with the flags this machine needs, a fresh profile, and a record of
// every console error and uncaught exception on every page.
type browser struct {
	t      *testing.T
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no deadline
		t.Fatalf("start Chromium: %v", err)
	}
	b := &browser{t: t, ctx: ctx}
	b.watch(ctx)
	return b
}

// watch records console errors and exceptions of a tab.
func (b *browser) watch(ctx context.Context) {
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			// An HTTP error answer to a page or a form is the product working (403 read-only,
			// 409, a refused cross-site post): the browser logs it, but it is not a script
			// error. A missing script, stylesheet or icon is.
			httpAnswer := len(m.Args) == 0 && strings.Contains(m.Text, "the server responded with a status of") &&
				!strings.Contains(m.URL, "/static/") && !strings.Contains(m.URL, "favicon")
			if m.IsException() || (m.Type == "error" && !httpAnswer) {
				b.mu.Lock()
				b.errors = append(b.errors, fmt.Sprintf("%s:%d %s", m.URL, m.Line+1, m))
				b.mu.Unlock()
			}
		}
	}()
}

// tab opens a second tab in the same browser (same cookies).
func (b *browser) tab() context.Context {
	ctx, cancel := chromedp.NewContext(b.ctx)
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatal(err)
	}
	b.watch(ctx)
	return ctx
}

// do runs actions in ctx with a deadline and fails the test on error.
func (b *browser) do(ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *browser) text(ctx context.Context, sel string) string {
	b.t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(tctx, chromedp.Text(sel))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *browser) location(ctx context.Context) string {
	b.t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return loc
}

func (b *browser) eval(ctx context.Context, js string) bool {
	b.t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it holds: no sleeps as fixes.
func (b *browser) waitFor(ctx context.Context, what, js string) {
	b.t.Helper()
	b.waitWithin(ctx, what, js, 15*time.Second)
}

// waitWithin is waitFor for a condition the product promises within d (a page that updates
// itself): it fails when the promise is not kept.
func (b *browser) waitWithin(ctx context.Context, what, js string, d time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && v {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("%s did not happen within %s", what, d)
}

// hasBanner reports whether the ImpersonationBanner is on the page.
func (b *browser) hasBanner(ctx context.Context) bool {
	return b.eval(ctx, `document.getElementById("impersonation-banner") !== null`)
}

// acceptDialogs accepts every confirm() in ctx, recording what they said.
func (b *browser) acceptDialogs(ctx context.Context) *[]string {
	var said []string
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.mu.Lock()
			said = append(said, ev.Message)
			b.mu.Unlock()
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return &said
}

// screenshot writes the page to docs/screenshots/NAME.png with -update-screenshots.
func (b *browser) screenshot(ctx context.Context, name string) {
	b.t.Helper()
	if !*updateScreenshots {
		return
	}
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()) // the viewport, as a person sees it
	if err != nil {
		b.t.Fatal(err)
	}
	file := filepath.Join("..", "docs", "screenshots", name+".png")
	os.MkdirAll(filepath.Dir(file), 0o755)
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// noPageErrors fails the test if any page logged an error or threw.
func (b *browser) noPageErrors() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errors {
		b.t.Errorf("JavaScript error: %s", e)
	}
}

func (b *browser) login(ctx context.Context, base, email string) {
	b.t.Helper()
	b.do(ctx, "log in as "+email,
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(`input[name=email]`, email),
		chromedp.SendKeys(`input[name=password]`, demo.DefaultPassword),
		chromedp.Click(`form[action="/login"] button`),
		chromedp.WaitVisible(`.who`),
	)
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
