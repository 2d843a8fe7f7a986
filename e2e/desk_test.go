package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"chargedesk/app"
	"chargedesk/demo"
)

// From any console page to the customer's home impersonated, with a ticket and a reason, in
// at most 4 interactions with the mouse (search, pick, one line "ticket: reason", Start), or
// 6 key presses (plus the typed fields) with the keyboard alone; after Exit, back in her view
// with the same ticket in one click (or Enter: Resume has the focus).
func TestStartingAndLeavingInFewInteractions(t *testing.T) {
	t.Parallel()
	s := startSite(t)
	b := newBrowser(t)
	ctx := b.ctx
	jane := s.userID(demo.JaneEmail)
	marker := fmt.Sprintf("/?as=%d", jane)
	b.login(ctx, s.base, demo.AdminEmail)

	started := func(what, ticket string) {
		t.Helper()
		b.waitFor(ctx, what+": the customer's home", `document.getElementById("impersonation-banner") !== null`)
		if loc := b.location(ctx); !strings.HasSuffix(loc, marker) || !contains(b.text(ctx, "#impersonation-banner"), "Jane Doe", ticket) {
			t.Fatalf("%s: at %s, banner %q", what, loc, b.text(ctx, "#impersonation-banner"))
		}
		if n := s.count(`SELECT count(*) FROM impersonations WHERE customer_user_id = ? AND ticket = ? AND reason <> '' AND ended_at IS NULL`, jane, ticket); n != 1 {
			t.Fatalf("%s: %d active impersonations with that ticket and a reason", what, n)
		}
	}
	exit := func() {
		t.Helper()
		b.do(ctx, "Exit", chromedp.Click(`#impersonation-banner form[action$='/end'] button`), chromedp.WaitVisible(`.notice.left`))
	}

	t.Run("mouse", func(t *testing.T) {
		interactions := 0
		step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
			interactions++
			b.do(ctx, what, actions...)
		}
		b.do(ctx, "any console page", chromedp.Navigate(s.base+"/admin/audit"), chromedp.WaitVisible(`#q`))
		step("type in the header search", chromedp.SendKeys(`#q`, "jane"))
		b.do(ctx, "the results", chromedp.WaitVisible(fmt.Sprintf(`#quick-results a[href="/admin/customers/%d/impersonate"]`, jane)))
		step("click Impersonate in the results", chromedp.Click(fmt.Sprintf(`#quick-results a[href="/admin/customers/%d/impersonate"]`, jane)))
		b.do(ctx, "the form", chromedp.WaitVisible(`#impersonate input[name=ticket]`))
		if !b.eval(ctx, `document.querySelector("dialog#impersonate-dialog[open] #impersonate") !== null && location.pathname === "/admin/audit"`) {
			t.Error("Impersonate did not open the start form in a dialog over the page")
		}
		b.screenshot(ctx, "2c-start-dialog")
		step("type ticket and reason in one line", chromedp.SendKeys(`#impersonate input[name=ticket]`, "SUP-MOUSE: Missing charger"))
		step("click Start impersonating", chromedp.Click(`#impersonate button.primary`))
		started("mouse", "SUP-MOUSE")
		if interactions > 4 {
			t.Errorf("%d interactions, at most 4", interactions)
		}
		t.Logf("mouse: %d interactions from a console page to her view", interactions)

		exit()
		b.screenshot(ctx, "9-after-exit")
		if !b.eval(ctx, `document.activeElement && document.activeElement.textContent.includes("Resume as Jane Doe (SUP-MOUSE)")`) {
			t.Error("after Exit, Resume does not have the focus")
		}
		b.do(ctx, "click Resume as Jane Doe (SUP-MOUSE)", chromedp.Click(`.notice.left form.resume button`))
		started("one click after Exit", "SUP-MOUSE")
		exit()
	})

	t.Run("keyboard", func(t *testing.T) {
		keys := 0
		press := func(what, key string) { keys++; b.do(ctx, what, chromedp.KeyEvent(key)) }
		typed := func(what, text string) { b.do(ctx, what, chromedp.KeyEvent(text)) }
		b.do(ctx, "any console page", chromedp.Navigate(s.base+"/admin/tariffs"), chromedp.WaitVisible(`#q`))
		press("/ to search", "/")
		typed("type jane", "jane")
		b.do(ctx, "the results", chromedp.WaitVisible(`#quick-results a.open`))
		press("Tab to the first customer", kb.Tab)
		press("Tab to its Impersonate", kb.Tab)
		if !b.eval(ctx, fmt.Sprintf(`document.activeElement.getAttribute("href") === "/admin/customers/%d/impersonate"`, jane)) {
			t.Fatalf("two Tabs from the search land on %q", b.text(ctx, ":focus"))
		}
		press("Enter", kb.Enter)
		b.do(ctx, "the form", chromedp.WaitVisible(`#impersonate input[name=ticket]`))
		b.waitFor(ctx, "the ticket focused", `document.activeElement === document.querySelector("#impersonate-dialog[open] input[name=ticket]")`)
		typed("type the ticket", "SUP-KEYS")
		press("Enter moves on to the reason", kb.Enter)
		if !b.eval(ctx, `document.activeElement === document.querySelector("#impersonate-dialog[open] input[name=reason]")`) {
			t.Fatal("Enter in Ticket did not move on to Reason")
		}
		typed("type the reason", "Stuck session")
		press("Enter to start", kb.Enter)
		started("keyboard", "SUP-KEYS")
		if keys > 6 {
			t.Errorf("%d key presses besides the typed fields, at most 6", keys)
		}
		t.Logf("keyboard: %d key presses plus the ticket, the reason and the search", keys)
		exit()
		press("Enter: Resume has the focus", kb.Enter)
		started("Enter after Exit", "SUP-KEYS")
		exit()

		// Enter in the search opens the first customer it lists.
		press("/ to search", "/")
		typed("type jane", "jane")
		b.do(ctx, "the results", chromedp.WaitVisible(`#quick-results a.open`))
		first, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#quick-results a.open").getAttribute("href")`))
		if err != nil || !strings.HasPrefix(first, "/admin/customers/") {
			t.Fatalf("the first match: %q %v", first, err)
		}
		press("Enter", kb.Enter)
		b.waitFor(ctx, "the first match", fmt.Sprintf(`location.pathname === %q`, first))
	})
	b.noPageErrors()
}

// Near its end the banner warns and offers Extend; one click adds the TTL (4 more minutes here), recorded, on the
// same page. Without JavaScript a destructive button opens a page that asks, and only its
// button acts.
func TestExtendAndAskWithoutJavaScript(t *testing.T) {
	t.Parallel()
	s := startSiteWith(t, app.Options{ImpersonationTTL: 4 * time.Minute})
	b := newBrowser(t)
	ctx := b.ctx
	jane := s.userID(demo.JaneEmail)
	b.login(ctx, s.base, demo.AdminEmail)
	b.do(ctx, "start", chromedp.Navigate(fmt.Sprintf("%s/admin/customers/%d/impersonate", s.base, jane)),
		chromedp.SendKeys(`#impersonate input[name=ticket]`, "SUP-LONG"), chromedp.SendKeys(`#impersonate input[name=reason]`, "A long call"),
		chromedp.Click(`#impersonate button.primary`), chromedp.WaitVisible(`#impersonation-banner`))
	b.do(ctx, "open EV cards", chromedp.Click(`nav a[href^="/cards"]`))
	b.waitFor(ctx, "the cards page", `location.pathname === "/cards" && document.querySelector("#main h1") !== null`)
	b.waitFor(ctx, "the 5-minute warning", `document.querySelector("#impersonation-banner .expiry-warning").textContent.includes("extend it")`)
	b.do(ctx, "click Extend", chromedp.Click(`#impersonation-banner form[action$='/extend'] button`))
	b.waitFor(ctx, "the extended banner", `location.pathname === "/cards" && /[78] min left/.test(document.querySelector("#impersonation-banner .left").textContent)`)
	if n := s.count(`SELECT count(*) FROM auth_audit WHERE tag = 'impersonation.extend'`); n != 1 {
		t.Errorf("impersonation.extend rows: %d, want 1", n)
	}
	if b.text(ctx, "#impersonation-banner .expiry-warning") != "" {
		t.Error("the warning stays after the extension")
	}
	b.do(ctx, "Exit", chromedp.Click(`#impersonation-banner form[action$='/end'] button`))
	b.waitFor(ctx, "the dashboard", `location.pathname === "/admin"`)

	// A driver whose browser runs no JavaScript blocks a card: a page asks first.
	nojs := newBrowser(t)
	if _, err := chromedp.Call(nojs.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	nojs.login(nojs.ctx, s.base, demo.JaneEmail)
	nojs.do(nojs.ctx, "EV cards", chromedp.Navigate(s.base+"/cards"), chromedp.WaitVisible(`form[action*="/block"] button`))
	nojs.do(nojs.ctx, "click Block", chromedp.Click(`form[action*="/block"] button`), chromedp.WaitVisible(`#main form[method=post] button.danger`))
	// (No script runs in this tab, so the page is read through the DOM, not evaluated.)
	if h, err := chromedp.Run(nojs.ctx, chromedp.OuterHTML(`#main h1`)); err != nil || !strings.Contains(h, ">Block card ") {
		t.Fatalf("without JavaScript Block opened %q (%v)", h, err)
	}
	if n := s.count(`SELECT count(*) FROM ev_cards WHERE user_id = ? AND status = 'blocked'`, jane); n != 0 {
		t.Fatal("the card was blocked before the question was answered")
	}
	nojs.do(nojs.ctx, "answer: Block card", chromedp.Click(`#main form[method=post] button.danger`))
	nojs.do(nojs.ctx, "the cards page says so", chromedp.WaitVisible(`#main .notice`))
	if n := s.count(`SELECT count(*) FROM ev_cards WHERE user_id = ? AND status = 'blocked'`, jane); n != 1 {
		t.Errorf("blocked cards after answering: %d, want 1", n)
	}
}

// Four eyes in two browsers: a support agent asks to impersonate a protected customer (the
// dialog says "Protected" before anything is typed) and waits on a page at its own address;
// the approver's nav shows the request without a reload; once approved, the agent's page
// turns into "Approved by … — start now" by itself, and Start opens the account.
func TestFourEyesInTwoBrowsers(t *testing.T) {
	t.Parallel()
	s := startSite(t)
	jane := s.userID(demo.JaneEmail)
	if _, err := s.db.W.Exec(`UPDATE users SET protected_reason = 'Legal hold LH-7' WHERE id = ?`, jane); err != nil {
		t.Fatal(err)
	}
	agent, approver := newBrowser(t), newBrowser(t)
	agent.login(agent.ctx, s.base, demo.SupportEmail)
	approver.login(approver.ctx, s.base, demo.AdminEmail)
	approver.do(approver.ctx, "the dashboard, open before the request", chromedp.Navigate(s.base+"/admin"), chromedp.WaitVisible(`#approvals-link`))
	if approver.eval(approver.ctx, `document.querySelector("#approvals-link .badge") !== null`) {
		t.Fatal("a badge before any request")
	}

	agent.do(agent.ctx, "search", chromedp.Navigate(s.base+"/admin"), chromedp.SendKeys(`#q`, "jane@"), chromedp.WaitVisible(`#quick-results .protected`))
	if txt := agent.text(agent.ctx, "#quick-results"); !strings.Contains(txt, "Protected — needs a colleague's approval") {
		t.Errorf("the search results say %q", txt)
	}
	agent.do(agent.ctx, "open the dialog", chromedp.Click(fmt.Sprintf(`#quick-results a[href="/admin/customers/%d/impersonate"]`, jane)), chromedp.WaitVisible(`#impersonate-title .protected`))
	agent.do(agent.ctx, "ask", chromedp.SendKeys(`#impersonate input[name=ticket]`, "SUP-4EYES: Customer disputes a charge"),
		chromedp.Click(`#impersonate button.primary`), chromedp.WaitVisible(`#approval`))
	if loc := agent.location(agent.ctx); !strings.Contains(loc, "/admin/approvals/") {
		t.Errorf("the waiting page is at %s, not its own address", loc)
	}
	if h := agent.text(agent.ctx, "#approval h1"); !strings.Contains(h, "Waiting for a colleague") {
		t.Fatalf("the agent sees %q", h)
	}
	if b := agent.eval(agent.ctx, `document.getElementById("impersonation-banner") === null`); !b {
		t.Fatal("the agent is impersonating before any approval")
	}

	// The approver's badge appears without a reload, within 5 s.
	approver.waitWithin(approver.ctx, "the Approvals badge", `document.querySelector("#approvals-link .badge") !== null && document.querySelector("#approvals-link .badge").textContent.startsWith("1")`, 5*time.Second)
	approver.do(approver.ctx, "follow the badge", chromedp.Click(`#approvals-link`), chromedp.WaitVisible(`#approvals form button`))
	if txt := approver.text(approver.ctx, "#approvals"); !contains(txt, "Riley Support", "Jane Doe", "SUP-4EYES", "Legal hold LH-7") {
		t.Fatalf("the approver sees %q", txt)
	}
	approver.do(approver.ctx, "approve", chromedp.Click(`#approvals form button`), chromedp.WaitVisible(`#main .notice`))

	// The agent's page turns into Approved without a reload, within 5 s.
	agent.waitWithin(agent.ctx, "Approved on the waiting page", `document.querySelector("#approval h1").textContent.includes("Approved by Sam Admin")`, 5*time.Second)
	agent.do(agent.ctx, "start", chromedp.Click(`#approval button.primary`), chromedp.WaitVisible(`#impersonation-banner`))
	if txt := agent.text(agent.ctx, "#impersonation-banner"); !contains(txt, "Jane Doe", "SUP-4EYES", "Read-only") {
		t.Errorf("the banner says %q", txt)
	}
	if n := s.count(`SELECT count(*) FROM auth_audit WHERE tag = 'admin.approval.approve'`); n != 1 {
		t.Errorf("approval rows: %d", n)
	}
	agent.screenshot(agent.ctx, "10-four-eyes-started")
	agent.noPageErrors()
	approver.noPageErrors()
}
