package e2e_test

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chargedesk/demo"
)

// TestRunbookInChromium follows the runbook in one browser, scenario by scenario.
func TestRunbookInChromium(t *testing.T) {
	t.Parallel()
	s := startSite(t)
	b := newBrowser(t)
	ctx := b.ctx
	jane, omar := s.userID(demo.JaneEmail), s.userID(demo.OmarEmail)
	admin := s.userID(demo.AdminEmail)
	marker := fmt.Sprintf("as=%d", jane)

	t.Run("1 locate the customer and start impersonating", func(t *testing.T) {
		b.login(ctx, s.base, demo.AdminEmail)
		b.do(ctx, "open Customers", chromedp.Click(`nav a[href="/admin/customers"]`), chromedp.WaitVisible(`#main input[name=q]`))
		// Live search: typing is enough, no submit.
		b.do(ctx, "type in the live search", chromedp.SendKeys(`#main input[name=q]`, "Jane"))
		b.do(ctx, "wait for the result", chromedp.WaitVisible(fmt.Sprintf(`#results a[href="/admin/customers/%d"]`, jane)))
		b.screenshot(ctx, "1-customer-search")
		b.do(ctx, "open Jane", chromedp.Click(fmt.Sprintf(`#results a[href="/admin/customers/%d"]`, jane)), chromedp.WaitVisible(`.customer-header`))
		b.screenshot(ctx, "2-customer-detail")
		// "Click Impersonate in the customer header": a small form, the ticket focused first.
		b.do(ctx, "click Impersonate in the header", chromedp.Click(`.customer-header a.button`), chromedp.WaitVisible(`#impersonate`))
		if !b.eval(ctx, `document.activeElement === document.querySelector("#impersonate input[name=ticket]")`) {
			t.Error("the ticket field is not focused on the impersonate form")
		}
		b.do(ctx, "fill ticket and reason",
			chromedp.SendKeys(`#impersonate input[name=ticket]`, "SUP-1234"),
			chromedp.SendKeys(`#impersonate input[name=reason]`, "Customer reports a stuck session"))
		b.screenshot(ctx, "2b-impersonate-form")
		b.do(ctx, "click Start impersonating", chromedp.Click(`#impersonate form button.primary`), chromedp.WaitVisible(`#impersonation-banner`))
		if loc := b.location(ctx); !strings.HasSuffix(loc, "/?"+marker) {
			t.Fatalf("after Impersonate the address is %s, want /?%s", loc, marker)
		}
		banner := b.text(ctx, "#impersonation-banner")
		if !contains(banner, "Jane Doe", "SUP-1234", "Read-only", "Exit") {
			t.Errorf("banner says %q", banner)
		}
		b.screenshot(ctx, "3-impersonating-home")
		// Pinned: after scrolling to the bottom it is still at the top of the viewport.
		b.do(ctx, "scroll", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.body.scrollHeight)`))
		b.waitFor(ctx, "the page to scroll", `window.scrollY > 0`)
		if !b.eval(ctx, `Math.abs(document.getElementById("impersonation-banner").getBoundingClientRect().top) < 1`) {
			t.Error("the banner is not pinned to the top after scrolling")
		}
		b.screenshot(ctx, "3b-banner-pinned-after-scrolling")
	})

	t.Run("2 navigate by clicking: the marker and the banner stay", func(t *testing.T) {
		steps := []struct{ what, click, path string }{
			{"Chargers", `nav a[href^="/chargers"]`, "/chargers"},
			{"a charger", `#main a.charger`, "/chargers/"},
			{"Sessions", `nav a[href^="/sessions"]`, "/sessions"},
			{"a session", `#main table a[href^="/sessions/"]`, "/sessions/"},
			{"Sessions again", `nav a[href^="/sessions"]`, "/sessions"},
			{"a receipt", `#main td.r a[href^="/receipts/"]`, "/receipts/"},
		}
		for _, st := range steps {
			b.do(ctx, "click "+st.what, chromedp.Click(st.click))
			cond := fmt.Sprintf(`location.pathname === %q`, st.path)
			if strings.HasSuffix(st.path, "/") {
				cond = fmt.Sprintf(`location.pathname.startsWith(%q)`, st.path)
			}
			b.waitFor(ctx, st.what, cond+` && document.readyState === "complete"`)
			if loc := b.location(ctx); !strings.Contains(loc, marker) || !b.hasBanner(ctx) {
				t.Errorf("after clicking %s: address %s, banner %v", st.what, loc, b.hasBanner(ctx))
			}
		}
		b.screenshot(ctx, "4-receipt")
		// Which price applied when: the receipt's table, and the bands on its session's chart.
		if !b.eval(ctx, `[...document.querySelectorAll("#main h2")].some(h => h.textContent === "Which price applied when") && document.querySelectorAll("#main table")[1].querySelectorAll("tbody tr").length > 0`) {
			t.Error("the receipt does not show which price applied when")
		}
		b.do(ctx, "scroll to the periods", chromedp.ScrollIntoView(`#main section:nth-of-type(2)`))
		b.screenshot(ctx, "4c-receipt-price-periods")
		// HTMX: the filter form swaps the list in place; the new links keep the marker.
		b.do(ctx, "open sessions", chromedp.Click(`nav a[href^="/sessions"]`), chromedp.WaitVisible(`select[name=status]`))
		b.do(ctx, "filter completed", chromedp.SetValue(`select[name=status]`, "COMPLETED"), chromedp.Click(`#main form button`))
		b.waitFor(ctx, "the HTMX swap", `location.search.includes("status=COMPLETED")`)
		if !b.eval(ctx, fmt.Sprintf(`[...document.querySelectorAll("#main a, #main form")].every(e => (e.getAttribute("href") || e.getAttribute("action") || "").includes(%q))`, marker)) {
			t.Error("a link or form swapped in by HTMX dropped the marker")
		}
		if !strings.Contains(b.location(ctx), marker) || !b.hasBanner(ctx) {
			t.Error("after the HTMX filter the marker or the banner is gone")
		}
	})

	t.Run("3 a write while read-only is refused and audited", func(t *testing.T) {
		b.do(ctx, "open EV cards", chromedp.Click(`nav a[href^="/cards"]`), chromedp.WaitVisible(`form[action*="/block"] button`))
		if !b.eval(ctx, `document.querySelector('form[action*="/block"] button').disabled && document.getElementById("read-only-reason") !== null`) {
			t.Error("in a read-only impersonation the Block button is not disabled with its reason")
		}
		// The server refuses it anyway: enable the button as a curious person could, and click.
		b.do(ctx, "enable and click Block", chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action*="/block"] button').disabled = false`),
			chromedp.Click(`form[action*="/block"] button`))
		b.waitFor(ctx, "the read-only page", `document.querySelector("#main h1") && document.querySelector("#main h1").textContent.includes("read-only")`)
		b.screenshot(ctx, "5-read-only")
		if n := s.count(`SELECT count(*) FROM impersonation_audit WHERE outcome = 'blocked' AND route = '/cards/:id/block'`); n != 1 {
			t.Errorf("blocked rows: %d, want 1", n)
		}
		if n := s.count(`SELECT count(*) FROM ev_cards WHERE user_id = ? AND status = 'blocked'`, jane); n != 0 {
			t.Error("the card was blocked anyway")
		}
	})

	t.Run("4 Exit: back on /admin, still logged in, the audit shows the pair", func(t *testing.T) {
		b.do(ctx, "click Exit", chromedp.Click(`#impersonation-banner form[action$='/end'] button`), chromedp.WaitVisible(`nav a[href="/admin/audit"]`))
		if loc := b.location(ctx); !strings.HasSuffix(loc, "/admin") {
			t.Errorf("after Exit the address is %s, want /admin", loc)
		}
		if b.hasBanner(ctx) {
			t.Error("the banner is still there after Exit")
		}
		// Back brings no customer page from the browser's cache: it is fetched again, and the
		// ended impersonation shows nothing of Jane's.
		b.do(ctx, "go back", chromedp.NavigateBack(), chromedp.WaitVisible(`#main`))
		b.do(ctx, "let a restored page reload", chromedp.Sleep(500*time.Millisecond), chromedp.WaitVisible(`#main`))
		if back := b.text(ctx, "body"); b.hasBanner(ctx) || contains(back, "Jane Doe") || !contains(back, "not impersonating this customer") {
			t.Errorf("Back after Exit shows: %.400s", back)
		}
		b.do(ctx, "return to the console", chromedp.Navigate(s.base+"/admin"), chromedp.WaitVisible(`nav a[href="/admin/audit"]`))
		b.do(ctx, "open the audit log", chromedp.Navigate(fmt.Sprintf("%s/admin/audit?user=%d", s.base, admin)), chromedp.WaitVisible(`table.audit`))
		page := b.text(ctx, "#main")
		if !contains(page, "started impersonating Jane Doe", "stopped impersonating Jane Doe", "viewed the chargers", "tried to block an EV card — refused", "Technical details") {
			t.Errorf("the audit page lacks the pair or its route rows: %.500s", page)
		}
		b.screenshot(ctx, "6-audit-log")
		var imp int64
		s.db.R.QueryRow(`SELECT id FROM impersonations`).Scan(&imp)
		b.do(ctx, "open the timeline", chromedp.Navigate(fmt.Sprintf("%s/admin/impersonations/%d", s.base, imp)), chromedp.WaitVisible(`#ticket-note`))
		b.screenshot(ctx, "7-impersonation-timeline")
	})

	t.Run("5 a stale marker in a second tab: 409 with the way out", func(t *testing.T) {
		b.do(ctx, "impersonate Jane again", chromedp.Navigate(fmt.Sprintf("%s/admin/customers/%d/impersonate", s.base, jane)),
			chromedp.SendKeys(`#impersonate input[name=ticket]`, "SUP-2"), chromedp.SendKeys(`#impersonate input[name=reason]`, "second look"),
			chromedp.Click(`#impersonate form button.primary`), chromedp.WaitVisible(`#impersonation-banner`))
		tab := b.tab()
		b.do(tab, "impersonate Omar in another tab", chromedp.Navigate(fmt.Sprintf("%s/admin/customers/%d/impersonate", s.base, omar)),
			chromedp.SendKeys(`#impersonate input[name=ticket]`, "SUP-3"), chromedp.SendKeys(`#impersonate input[name=reason]`, "other"),
			chromedp.Click(`#impersonate form button.primary`), chromedp.WaitVisible(`.problem`))
		if msg := b.text(tab, ".problem"); msg != "Already impersonating; end the current session first." {
			t.Errorf("second start says %q", msg)
		}
		b.screenshot(tab, "8-already-impersonating")
		b.do(tab, "end the current one from the 409 page", chromedp.Click(`#main form[action="/api/customer/impersonation/end"] button`))
		b.waitFor(tab, "the dashboard", `location.pathname === "/admin"`)
		if n := s.count(`SELECT count(*) FROM impersonations WHERE ended_at IS NULL`); n != 0 {
			t.Errorf("active impersonations after ending: %d", n)
		}
	})

	t.Run("6 removing ?as= from the address bar ends it", func(t *testing.T) {
		b.do(ctx, "impersonate Jane", chromedp.Navigate(fmt.Sprintf("%s/admin/customers/%d/impersonate", s.base, jane)),
			chromedp.SendKeys(`#impersonate input[name=ticket]`, "SUP-4"), chromedp.SendKeys(`#impersonate input[name=reason]`, "strip"),
			chromedp.Click(`#impersonate form button.primary`), chromedp.WaitVisible(`#impersonation-banner`))
		b.do(ctx, "type the address without the marker", chromedp.Navigate(s.base+"/sessions"), chromedp.WaitVisible(`nav a[href="/admin/audit"]`))
		if loc := b.location(ctx); !strings.HasSuffix(loc, "/admin") || b.hasBanner(ctx) {
			t.Errorf("without the marker: %s, banner %v", loc, b.hasBanner(ctx))
		}
		if n := s.count(`SELECT count(*) FROM impersonations WHERE end_via = 'marker_removed'`); n != 1 {
			t.Errorf("marker_removed ends: %d, want 1", n)
		}
	})

	t.Run("7 a form on another site cannot start an impersonation", func(t *testing.T) {
		// Another origin (localhost is another site than 127.0.0.1) auto-submits a form.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		evil := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `<!doctype html><form method="post" action="%s/api/customer/impersonation/start">
				<input name="customer_user_id" value="%d"><input name="ticket" value="X"><input name="reason" value="csrf">
				</form><script>document.forms[0].submit()</script>`, s.base, omar)
		})}
		go evil.Serve(ln)
		defer evil.Close()
		port := ln.Addr().(*net.TCPAddr).Port
		before := s.count(`SELECT count(*) FROM impersonations`)
		b.do(ctx, "visit the other site", chromedp.Navigate(fmt.Sprintf("http://localhost:%d/", port)))
		b.waitFor(ctx, "the cross-site post to be answered", fmt.Sprintf(`location.href.startsWith(%q)`, s.base))
		body := b.text(ctx, "body")
		if !strings.Contains(body, "came from another site") {
			t.Errorf("the cross-site form got %q", body)
		}
		if after := s.count(`SELECT count(*) FROM impersonations`); after != before {
			t.Error("a cross-site form started an impersonation")
		}
	})

	t.Run("8 with allow changes a write asks first, then is real and recorded", func(t *testing.T) {
		said := b.acceptDialogs(ctx)
		b.do(ctx, "impersonate Jane with changes allowed", chromedp.Navigate(fmt.Sprintf("%s/admin/customers/%d/impersonate", s.base, jane)),
			chromedp.SendKeys(`#impersonate input[name=ticket]`, "SUP-5"), chromedp.SendKeys(`#impersonate input[name=reason]`, "customer asked us to block a card"),
			chromedp.Click(`#impersonate input[name=allow_changes]`),
			chromedp.Click(`#impersonate form button.primary`), chromedp.WaitVisible(`#impersonation-banner .mode.changes`))
		b.do(ctx, "open EV cards", chromedp.Click(`nav a[href^="/cards"]`), chromedp.WaitVisible(`form[action*="/block"] button`))
		if b.eval(ctx, `document.querySelector('form[action*="/block"] button').disabled`) {
			t.Error("with changes allowed the Block button is disabled")
		}
		b.do(ctx, "click Block", chromedp.Click(`form[action*="/block"] button`))
		b.waitFor(ctx, "the result page", `location.search.includes("notice=card-blocked")`)
		b.mu.Lock()
		asked := strings.Join(*said, " | ")
		b.mu.Unlock()
		if !strings.Contains(asked, "This action is real") {
			t.Errorf("the confirm said %q", asked)
		}
		if n := s.count(`SELECT count(*) FROM ev_cards WHERE user_id = ? AND status = 'blocked'`, jane); n != 1 {
			t.Errorf("blocked cards: %d, want 1", n)
		}
		if n := s.count(`SELECT count(*) FROM impersonation_audit WHERE outcome = 'changed' AND route = '/cards/:id/block'`); n != 1 {
			t.Errorf("changed rows: %d, want 1", n)
		}
		b.do(ctx, "Exit", chromedp.Click(`#impersonation-banner form[action$='/end'] button`))
		b.waitFor(ctx, "the dashboard", `location.pathname === "/admin"`)
	})

	t.Run("9 no JavaScript errors on any page", func(t *testing.T) {
		// Visit the remaining pages once more, as a customer too, then check the record.
		for _, p := range []string{"/admin", "/admin/customers?q=doe", "/admin/impersonations", fmt.Sprintf("/admin/customers/%d", jane)} {
			b.do(ctx, "open "+p, chromedp.Navigate(s.base+p), chromedp.WaitVisible(`#main`))
		}
		cust := newBrowser(t)
		cust.login(cust.ctx, s.base, demo.JaneEmail)
		for _, p := range []string{"/", "/chargers", "/sessions", "/cards", "/reservations", "/payment-methods", "/activity"} {
			cust.do(cust.ctx, "open "+p, chromedp.Navigate(s.base+p), chromedp.WaitVisible(`#main`))
		}
		b.noPageErrors()
		cust.noPageErrors()
	})
}
