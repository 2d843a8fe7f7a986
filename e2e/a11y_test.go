package e2e_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"chargedesk/demo"
)

// axeSource is axe-core (npm, pinned in e2e/package.json; .ci/run installs it with npm ci).
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CHARGEDESK_AXE")
	if path == "" {
		path = filepath.Join("node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		msg := fmt.Sprintf("axe-core not found at %s: run `npm ci` in e2e/ (or set CHARGEDESK_AXE)", path)
		if os.Getenv("CHARGEDESK_E2E") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return string(b)
}

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// Every page, at desktop and phone width, as customers and support see it (impersonating
// too): axe-core finds no WCAG 2 A/AA violation. Each is screenshotted with -update-screenshots.
func TestEveryPageIsAccessible(t *testing.T) {
	t.Parallel()
	axe := axeSource(t)
	s := startSite(t)
	b := newBrowser(t)
	ctx := b.ctx
	jane := s.userID(demo.JaneEmail)
	var session, receipt, imp, tariffID, card int64
	s.db.R.QueryRow(`SELECT min(id) FROM ev_cards WHERE user_id = ? AND status = 'active'`, jane).Scan(&card)
	s.db.R.QueryRow(`SELECT id FROM receipts WHERE user_id = ? AND gross_cents = 3096`, jane).Scan(&receipt)
	s.db.R.QueryRow(`SELECT session_id FROM receipts WHERE id = ?`, receipt).Scan(&session)
	s.db.R.QueryRow(`SELECT min(id) FROM tariffs`).Scan(&tariffID)
	customerPages := []string{"/", "/chargers", "/sessions", fmt.Sprintf("/sessions/%d", session), fmt.Sprintf("/receipts/%d", receipt),
		"/cards", fmt.Sprintf("/cards/%d/block", card), "/reservations", "/payment-methods", "/activity", "/activity/report"}
	check := func(who, path string) { t.Helper(); checkAccessible(t, b, axe, s.base, who, path) }
	check("anonymous", "/login")
	b.login(ctx, s.base, demo.JaneEmail)
	s.signInElsewhere(demo.JaneEmail, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1")
	for _, p := range append(customerPages, "/account/security") {
		check("customer", p)
	}
	b.do(ctx, "log out", chromedp.Navigate(s.base+"/login")) // a fresh session below
	b2 := newBrowser(t)
	ctx = b2.ctx
	b = b2
	b.login(ctx, s.base, demo.AdminEmail)
	var approval int64
	s.db.W.QueryRow(`INSERT INTO impersonation_approvals (customer_user_id, requester_id, ticket, reason, allow_changes, requested_at, expires_at)
		VALUES (?, ?, 'SUP-A11Y', 'accessibility check', 0, unixepoch(), unixepoch() + 1800) RETURNING id`, jane, s.userID(demo.AdminEmail)).Scan(&approval)
	var review int64
	s.db.W.QueryRow(`INSERT INTO access_reviews (started_by, started_at, period_from, period_to) VALUES (?, unixepoch(), unixepoch() - 7776000, unixepoch())
		RETURNING id`, s.userID(demo.AdminEmail)).Scan(&review)
	for _, p := range []string{fmt.Sprintf("/admin/approvals/%d", approval), "/admin/reviews", fmt.Sprintf("/admin/reviews/%d", review), "/admin/impersonate?customer=jane%40example.com&ticket=SUP-1&reason=receipt&page=%2Factivity",
		"/admin/chargers/2?problems=1", "/admin", "/admin/customers?q=jane", fmt.Sprintf("/admin/customers/%d", jane), fmt.Sprintf("/admin/customers/%d/impersonate", jane), fmt.Sprintf("/admin/customers/%d/access-report", jane),
		"/admin/audit", "/admin/impersonations", "/admin/staff", "/admin/settings", "/admin/chargers", "/admin/chargers/2", "/admin/tariffs", fmt.Sprintf("/admin/tariffs/%d", tariffID), fmt.Sprintf("/admin/receipts/%d", receipt), "/account/security"} {
		check("support", p)
	}
	b.do(ctx, "impersonate", chromedp.Navigate(fmt.Sprintf("%s/admin/customers/%d/impersonate", s.base, jane)),
		chromedp.SendKeys(`#impersonate input[name=ticket]`, "SUP-A11Y"), chromedp.SendKeys(`#impersonate input[name=reason]`, "accessibility check"),
		chromedp.Click(`#impersonate button.primary`), chromedp.WaitVisible(`#impersonation-banner`))
	s.db.R.QueryRow(`SELECT id FROM impersonations WHERE ended_at IS NULL`).Scan(&imp)
	for _, p := range customerPages {
		sep := "?"
		if strings.Contains(p, "?") {
			sep = "&"
		}
		check("impersonating", fmt.Sprintf("%s%sas=%d", p, sep, jane))
	}
	b.do(ctx, "exit", chromedp.Click(`#impersonation-banner form[action$='/end'] button`), chromedp.WaitVisible(`.notice.left`))
	check("support", fmt.Sprintf("/admin/impersonations/%d", imp))
}

// checkAccessible opens path at desktop and phone width and fails t on any axe-core WCAG 2
// A/AA violation (and on cells off-screen on a phone); with -update-screenshots it writes both.
func checkAccessible(t *testing.T, b *browser, axe, base, who, path string) {
	ctx := b.ctx
	t.Helper()
	for _, size := range []struct {
		name string
		w, h int64
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		b.do(ctx, "size", chromedp.EmulateViewport(size.w, size.h))
		b.do(ctx, "open "+path, chromedp.Navigate(base+path), chromedp.WaitVisible(`#main`))
		out, err := chromedp.Run(ctx, chromedp.Evaluate[string](axe+`;
			axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}).then(r => JSON.stringify(r.violations))`,
			func(p *runtime.EvaluateParams) { await := true; p.AwaitPromise = &await }))
		if err != nil {
			t.Fatalf("%s %s: axe: %v", who, path, err)
		}
		var vs []axeViolation
		json.Unmarshal([]byte(out), &vs)
		for _, v := range vs {
			var where []string
			for _, n := range v.Nodes {
				where = append(where, fmt.Sprint(n.Target...))
			}
			t.Errorf("%s %s (%s): %s [%s, %s] at %s", who, path, size.name, v.Help, v.ID, v.Impact, strings.Join(where[:min(len(where), 3)], "; "))
		}
		if size.name == "phone" && !b.eval(ctx, `[...document.querySelectorAll("table.stack td")].every(td => td.getBoundingClientRect().right <= window.innerWidth + 1)`) {
			t.Errorf("%s %s (phone): a list's cell (status, total …) is off-screen", who, path)
		}
		if size.name == "phone" && !b.eval(ctx, `[...document.querySelectorAll("svg.chart text")].filter(t => getComputedStyle(t).display != "none").every(t => t.getBoundingClientRect().height >= 11)`) {
			t.Errorf("%s %s (phone): a chart label is under 11 px", who, path)
		}
		if size.name == "desktop" && !b.eval(ctx, `document.querySelector("header.top").getBoundingClientRect().height <= 72`) {
			t.Errorf("%s %s (desktop): the header wraps to more than one row at 1280 px", who, path)
		}
		if strings.Contains(path, "/receipts/") && !b.eval(ctx, `document.querySelector("tr.gross td.r").getBoundingClientRect().right <= window.innerWidth`) {
			t.Errorf("%s %s (%s): the receipt total is off-screen", who, path, size.name)
		}
		name := strings.Trim(strings.NewReplacer("/", "-", "?", "-", "=", "-").Replace(path), "-")
		if name == "" {
			name = "home"
		}
		b.screenshot(ctx, fmt.Sprintf("pages/%s-%s-%s", who, name, size.name))
	}
}

// A page that could not be recorded (the writer lock held past the busy timeout) is withheld:
// 503 with a cut-down banner (ticket and Exit, nothing of the customer's) and Retry, which
// shows the page once the database takes writes again. Accessible at both widths.
func TestWithheldPageKeepsExitAndRetry(t *testing.T) {
	t.Parallel()
	axe := axeSource(t)
	s := startSite(t)
	b := newBrowser(t)
	ctx := b.ctx
	jane := s.userID(demo.JaneEmail)
	b.login(ctx, s.base, demo.AdminEmail)
	b.do(ctx, "impersonate", chromedp.Navigate(fmt.Sprintf("%s/admin/customers/%d/impersonate", s.base, jane)),
		chromedp.SendKeys(`#impersonate input[name=ticket]`, "SUP-503: checking her activity"),
		chromedp.Click(`#impersonate button.primary`), chromedp.WaitVisible(`#impersonation-banner`))

	other, err := sql.Open("sqlite", "file:"+s.db.Path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil { // another process holds the writer
		t.Fatal(err)
	}
	path := fmt.Sprintf("/activity?as=%d", jane)
	checkAccessible(t, b, axe, s.base, "withheld", path)
	if txt := b.text(ctx, "body"); !contains(txt, "Not recorded, so not shown", "this page was withheld", "SUP-503", "Exit", "Retry") || strings.Contains(txt, "Jane") {
		t.Fatalf("the withheld page says %q", txt)
	}
	b.screenshot(ctx, "13-withheld-503")
	if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	b.do(ctx, "Retry", chromedp.Click(`#main a.button.primary`))
	b.waitFor(ctx, "the page, recorded", `document.querySelector("#impersonation-banner:not(.withheld)") !== null && location.pathname === "/activity"`)
	b.do(ctx, "Exit", chromedp.Click(`#impersonation-banner form[action$='/end'] button`), chromedp.WaitVisible(`.notice.left`))
	b.noPageErrors()
}
