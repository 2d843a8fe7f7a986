package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"chargedesk/demo"
)

// After Exit the console says whom the agent left, with one link back to that customer and
// one to the impersonation's timeline; an hour later, or while impersonating, it does not.
func TestConsoleOffersTheWayBackAfterExit(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	c := adminClient(t, ta)
	if body := c.get("/admin").body; strings.Contains(body, "You left") {
		t.Error("the console says you left someone before any impersonation")
	}
	c.startImpersonating(jane, "SUP-1234", false)
	if body := c.get("/admin").body; strings.Contains(body, "You left") {
		t.Error("the console says you left Jane while still impersonating her")
	}
	exit := c.post("/api/customer/impersonation/end", url.Values{})
	if exit.status != http.StatusSeeOther || exit.header.Get("Location") != "/admin" {
		t.Fatalf("Exit: %d %q", exit.status, exit.header.Get("Location"))
	}
	var imp int64
	ta.db.R.QueryRow(`SELECT id FROM impersonations WHERE customer_user_id = ?`, jane).Scan(&imp)
	body := c.get("/admin").body
	mustContain(t, body, "You left <strong>Jane Doe</strong> (ticket SUP-1234)",
		fmt.Sprintf(`href="/admin/customers/%d">Back to Jane Doe</a>`, jane), fmt.Sprintf(`href="/admin/impersonations/%d"`, imp))
	ta.advanceKeepingLogin(c, 61*time.Minute)
	if body := c.get("/admin").body; strings.Contains(body, "You left") {
		t.Error("the console still offers the way back an hour later")
	}
}

// The console header finds customers as the agent types (any case of a Public ID too), each
// with a link to open them and one to impersonate them; customers cannot use it.
func TestQuickSearch(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	var publicID string
	ta.db.R.QueryRow(`SELECT public_id FROM users WHERE id = ?`, jane).Scan(&publicID)
	c := adminClient(t, ta)
	for _, q := range []string{"jane", "Jane Doe", demo.JaneEmail, publicID, strings.ToLower(publicID), "CUS_" + strings.ToLower(publicID[4:])} {
		r := c.get("/admin/customers/quick?q="+url.QueryEscape(q), "HX-Request", "true")
		if r.status != http.StatusOK || strings.Contains(r.body, "<html") {
			t.Fatalf("%q: %d, want the results fragment", q, r.status)
		}
		mustContain(t, r.body, fmt.Sprintf(`href="/admin/customers/%d"`, jane), fmt.Sprintf(`href="/admin/customers/%d/impersonate">Impersonate</a>`, jane))
	}
	for _, q := range []string{strings.ToLower(publicID), "CUS_" + strings.ToLower(publicID[4:])} {
		mustContain(t, c.get("/admin/customers?q="+url.QueryEscape(q)).body, fmt.Sprintf(`href="/admin/customers/%d"`, jane))
	}
	if r := c.get("/admin/customers/quick?q=zzzzqqq", "HX-Request", "true"); !strings.Contains(r.body, "No customer matches") {
		t.Errorf("no match: %.300s", r.body)
	}
	mustContain(t, c.get("/admin/audit").body, `id="q"`, `hx-get="/admin/customers/quick"`, `href="#main">Skip to content</a>`)
	cust := ta.client()
	cust.login(demo.JaneEmail)
	if r := cust.get("/admin/customers/quick?q=jane"); r.status != http.StatusForbidden && r.status != http.StatusSeeOther {
		t.Errorf("a customer using the console search: %d", r.status)
	}
}

// The start form has its own small page (ticket focused first); a refused start shows it again
// with what was typed and the reason it was refused.
func TestImpersonateFormPage(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	c := adminClient(t, ta)
	page := c.get(fmt.Sprintf("/admin/customers/%d/impersonate", jane))
	mustContain(t, page.body, "Impersonate Jane Doe", `name="ticket" required maxlength="1100" autocomplete="off" aria-describedby="ticket-help" value="" autofocus>`, "Start impersonating")
	r := c.post("/api/customer/impersonation/start", url.Values{"customer_user_id": {fmt.Sprint(jane)}, "ticket": {""}, "reason": {"Checking the receipt"}})
	if r.status < 400 || r.status >= 500 {
		t.Fatalf("a start without a ticket: %d", r.status)
	}
	mustContain(t, r.body, "Impersonate Jane Doe", `value="Checking the receipt"`)
	if n := ta.count(`SELECT count(*) FROM impersonations`); n != 0 {
		t.Errorf("%d impersonations after a refused start", n)
	}
	if r := c.get("/admin/customers/999999/impersonate"); r.status != http.StatusNotFound {
		t.Errorf("an unknown customer: %d", r.status)
	}
}

// A refund amount is read as people write it; a refused one brings the page back with the
// refund tool open, what was typed in it, and the problem beside it — and changes nothing.
func TestRefundToolKeepsTheInput(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := adminClient(t, ta)
	jane := ta.userID(demo.JaneEmail)
	var receipt int64
	ta.db.R.QueryRow(`SELECT id FROM receipts WHERE user_id = ? AND gross_cents = 3096`, jane).Scan(&receipt)
	path := fmt.Sprintf("/admin/charges/%d/refund", receipt)
	for _, amount := range []string{"2,50", "€2.50", "2.5", "2,50 €"} {
		form := toolForm(jane, "amount", amount)
		form.Del("confirm")
		if r := c.post(path, form); r.status != http.StatusOK || !strings.Contains(r.body, "Refund €2.50 on receipt") {
			t.Errorf("amount %q: %d, want the confirmation of €2.50", amount, r.status)
		}
	}
	before := ta.fingerprint(demo.JaneEmail)
	form := toolForm(jane, "amount", "abc")
	form.Set("reason", "Goodwill for ticket SUP-77")
	form.Set("customer_reason", "charger_fault")
	form.Set("back", "receipt")
	r := c.post(path, form)
	if r.status != http.StatusUnprocessableEntity && r.status != http.StatusBadRequest {
		t.Fatalf("amount abc: %d", r.status)
	}
	// The receipt it came from, with the form open as it was sent and the problem at the top.
	mustContain(t, r.body, `<details class="refund" id="refund" open>`, `name="amount" required inputmode="decimal" size="8" value="abc"`,
		`value="charger_fault" required checked`, ">Goodwill for ticket SUP-77</textarea>", "like 2.50 or 2,50")
	if ta.fingerprint(demo.JaneEmail) != before {
		t.Error("a refused refund changed the account")
	}
}

// A deep link followed while logged out comes back after login — a path of this site only,
// and only one the person may see.
func TestLoginReturnsToTheDeepLink(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	r := c.get("/admin/audit?user=1")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login?next="+url.QueryEscape("/admin/audit?user=1") {
		t.Fatalf("logged out: %d %q", r.status, r.header.Get("Location"))
	}
	page := c.get(r.header.Get("Location"))
	mustContain(t, page.body, `name="next" value="/admin/audit?user=1"`)
	login := func(email, next string) string {
		t.Helper()
		cl := ta.client()
		cl.get("/login")
		r := cl.post("/login", url.Values{"email": {email}, "password": {demo.DefaultPassword}, "next": {next}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("login %s with next %q: %d", email, next, r.status)
		}
		return r.header.Get("Location")
	}
	for next, want := range map[string]string{
		"/admin/audit?user=1":       "/admin/audit?user=1",
		"https://evil.example/":     "/admin",
		"//evil.example/admin":      "/admin",
		"/\\evil.example":           "/admin",
		"/admin\r\nSet-Cookie: x=1": "/admin",
		"/sessions":                 "/admin", // a customer page: support lands on the console
		"":                          "/admin",
	} {
		if got := login(demo.AdminEmail, next); got != want {
			t.Errorf("admin with next %q lands on %q, want %q", next, got, want)
		}
	}
	if got := login(demo.JaneEmail, "/admin/audit"); got != "/" {
		t.Errorf("a customer with next=/admin/audit lands on %q, want /", got)
	}
	if got := login(demo.JaneEmail, "/sessions?status=COMPLETED"); got != "/sessions?status=COMPLETED" {
		t.Errorf("a customer with next=/sessions lands on %q", got)
	}
}

// Destructive customer actions ask first; in a read-only impersonation every write button is
// disabled with the reason beside it (and the server still refuses and records a write).
func TestDestructiveActionsAskAndReadOnlyDisables(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	own := ta.client()
	own.login(demo.JaneEmail)
	cards := own.get("/cards").body
	mustContain(t, cards, `hx-confirm="Block card `)
	if strings.Contains(cards, "disabled") {
		t.Error("the customer's own buttons are disabled")
	}
	mustContain(t, own.get("/payment-methods").body, `hx-confirm="Remove `)
	admin := adminClient(t, ta)
	admin.startImpersonating(jane, "SUP-RO", false)
	ro := admin.get(fmt.Sprintf("/cards?as=%d", jane)).body
	mustContain(t, ro, `id="read-only-reason"`, `disabled aria-describedby="read-only-reason">Block</button>`, `disabled aria-describedby="read-only-reason">Order card</button>`)
	admin.post("/api/customer/impersonation/end", url.Values{})
	admin.startImpersonating(jane, "SUP-RW", true)
	rw := admin.get(fmt.Sprintf("/cards?as=%d", jane)).body
	mustContain(t, rw, `hx-confirm="Block card `, "This action is real")
	if strings.Contains(rw, "read-only-reason") {
		t.Error("with changes allowed the buttons are disabled")
	}
}

// The customer's console page opens with what is wrong with the account, worst first, each
// linking to where it can be dealt with.
func TestCustomerPageSaysWhatIsWrong(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := adminClient(t, ta)
	jane := ta.userID(demo.JaneEmail)
	c.startImpersonating(jane, "SUP-1", false)
	c.post("/api/customer/impersonation/end", url.Values{})
	body := c.get(fmt.Sprintf("/admin/customers/%d", jane)).body
	alerts := body[strings.Index(body, "What needs attention"):strings.Index(body, `<nav class="subnav">`)]
	mustContain(t, alerts, "looks stuck", "1 EV card reported lost", "Mastercard ••4444 expires", "Support opened this account once",
		`href="#sessions"`, `href="#cards"`, `href="#payment"`)
	if strings.Index(alerts, "looks stuck") > strings.Index(alerts, "reported lost") {
		t.Error("a stuck session is not listed before a lost card")
	}
	tomasz := ta.userID("tomasz@example.com")
	mustContain(t, c.get(fmt.Sprintf("/admin/customers/%d", tomasz)).body, "No payment method on file")
}

// The audit log reads as sentences for people: names beside ids, the metadata as labelled
// fields, local times to the second with UTC on hover, and the agent's own actions one
// click away.
func TestAuditLogForPeople(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := adminClient(t, ta)
	jane := ta.userID(demo.JaneEmail)
	admin := ta.userID(demo.AdminEmail)
	c.startImpersonating(jane, "SUP-1234", false)
	c.post("/api/customer/impersonation/end", url.Values{})
	body := c.get("/admin/audit").body
	mustContain(t, body, fmt.Sprintf(`href="/admin/audit?user=%d">My actions</a>`, admin),
		fmt.Sprintf(`href="/admin/audit?user=%d">Jane Doe</a> #%d`, jane, jane),
		"<dt>Ticket</dt><dd>SUP-1234</dd>", fmt.Sprintf("<dt>Customer</dt><dd>Jane Doe (#%d)</dd>", jane), "<dt>Ended via</dt><dd>exit</dd>",
		` UTC" datetime="`, "Technical details", "Stored metadata:",
		// Pickers, not ids and free text: the people and the event types.
		fmt.Sprintf(`<option value="%d">Sam Admin (admin)</option>`, admin), `<option value="impersonation.*">Impersonations (start, end, extend)</option>`,
		`<option value="impersonation.start">Impersonation started</option>`)
	if !regexp.MustCompile(`<time title="[0-9-]+ [0-9:]+ UTC" datetime="[0-9-]+T[0-9:]+Z" data-local="full">[0-9]{1,2} [A-Z][a-z]{2} [0-9]{4}, [0-9]{2}:[0-9]{2}:[0-9]{2}</time>`).MatchString(body) {
		t.Error("audit times are not local to the second with UTC on hover")
	}
	mine := c.get(fmt.Sprintf("/admin/audit?user=%d", admin)).body
	mustContain(t, mine, "Showing your actions.")
}

// The banner's countdown carries its deadline for the page to tick, and its warning is the
// only part announced (the ticking minutes are not).
func TestBannerCountdown(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := adminClient(t, ta)
	jane := ta.userID(demo.JaneEmail)
	c.startImpersonating(jane, "SUP-9", false)
	var expires int64
	ta.db.R.QueryRow(`SELECT expires_at FROM impersonations WHERE ended_at IS NULL`).Scan(&expires)
	body := c.get(fmt.Sprintf("/?as=%d", jane)).body
	mustContain(t, body, fmt.Sprintf(`<span class="left" data-expires="%d" data-extend="30 min">`, expires), `<span class="expiry-warning" role="alert"></span>`, `src="/static/banner.js"`)
	if strings.Contains(body[strings.Index(body, `id="impersonation-banner"`):strings.Index(body, `class="left"`)], "aria-live") {
		t.Error("the banner announces every tick")
	}
}

// Error pages are headed as a person would say it, not with the protocol's words.
func TestErrorHeadlinesForPeople(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	c.login(demo.JaneEmail)
	r := c.get("/receipts/999999")
	if r.status != http.StatusNotFound || !strings.Contains(r.body, "<h1>Not found</h1>") || strings.Contains(r.body, "Not Found") {
		t.Errorf("404: %d %.300s", r.status, r.body[strings.Index(r.body, "<main"):])
	}
}

// "@domain" finds everyone whose email is at that domain, in any case.
func TestSearchByEmailDomain(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := adminClient(t, ta)
	jane := ta.userID(demo.JaneEmail)
	at := ta.count(`SELECT count(*) FROM users WHERE role = 'customer' AND email LIKE '%@example.com'`)
	for _, q := range []string{"@example.com", "@EXAMPLE.com"} {
		body := c.get("/admin/customers?q=" + url.QueryEscape(q)).body
		mustContain(t, body, fmt.Sprintf(`href="/admin/customers/%d"`, jane))
		if n := strings.Count(body, `<tr><td><a href="/admin/customers/`); n != min(at, 25) {
			t.Errorf("%s: %d customers listed, want %d", q, n, min(at, 25))
		}
	}
	if body := c.get("/admin/customers?q=" + url.QueryEscape("@nowhere.example")).body; !strings.Contains(body, "No customer matches") {
		t.Error("a domain nobody is at lists customers")
	}
}

// Support reads a customer's receipt in the console without impersonating them: the same
// receipt, a way back to the customer; customers cannot use that address.
func TestReceiptOpensInTheConsole(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := adminClient(t, ta)
	jane := ta.userID(demo.JaneEmail)
	var receipt int64
	ta.db.R.QueryRow(`SELECT id FROM receipts WHERE user_id = ? AND gross_cents = 3096`, jane).Scan(&receipt)
	mustContain(t, c.get(fmt.Sprintf("/admin/customers/%d", jane)).body, fmt.Sprintf(`<a href="/admin/receipts/%d">R-`, receipt))
	page := c.get(fmt.Sprintf("/admin/receipts/%d", receipt))
	mustContain(t, page.body, "€30.96", "Which price applied when", fmt.Sprintf(`href="/admin/customers/%d#receipts">`, jane))
	if hasBanner(page.body) || ta.count(`SELECT count(*) FROM impersonations`) != 0 {
		t.Error("reading a receipt in the console started an impersonation")
	}
	if r := c.get("/admin/receipts/999999"); r.status != http.StatusNotFound {
		t.Errorf("an unknown receipt: %d", r.status)
	}
	own := ta.client()
	own.login(demo.JaneEmail)
	if r := own.get(fmt.Sprintf("/admin/receipts/%d", receipt)); r.status != http.StatusForbidden && r.status != http.StatusSeeOther {
		t.Errorf("a customer at the console's receipt address: %d", r.status)
	}
}

// An impersonation's timeline shows local times to the second, UTC on hover.
func TestTimelineTimesToTheSecond(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := adminClient(t, ta)
	jane := ta.userID(demo.JaneEmail)
	c.startImpersonating(jane, "SUP-T", false)
	c.get(fmt.Sprintf("/cards?as=%d", jane))
	c.post("/api/customer/impersonation/end", url.Values{})
	var imp int64
	ta.db.R.QueryRow(`SELECT id FROM impersonations`).Scan(&imp)
	body := c.get(fmt.Sprintf("/admin/impersonations/%d", imp)).body
	if n := len(regexp.MustCompile(`<time title="[0-9-]+ [0-9:]+ UTC" datetime="[0-9-]+T[0-9:]+Z" data-local="full">[0-9]{1,2} [A-Z][a-z]{2} [0-9]{4}, [0-9]{2}:[0-9]{2}:[0-9]{2}</time>`).FindAllString(body, -1)); n < 3 {
		t.Errorf("%d timeline times to the second, want the start, the page and the end", n)
	}
}

// Without JavaScript a destructive button leads to a page that asks (the GET of the action's
// address), and only its button changes anything; the page keeps the impersonation's marker,
// refuses what the action would refuse, and is disabled in a read-only impersonation.
func TestDestructiveActionsAskWithoutJavaScript(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	var card int64
	var visual string
	ta.db.R.QueryRow(`SELECT id, visual_number FROM ev_cards WHERE user_id = ? AND status = 'active' ORDER BY id LIMIT 1`, jane).Scan(&card, &visual)
	own := ta.client()
	own.login(demo.JaneEmail)
	path := fmt.Sprintf("/cards/%d/block", card)
	mustContain(t, own.get("/cards").body, fmt.Sprintf(`<form method="get" action="%s" hx-post="%s"`, path, path))

	page := own.get(path)
	if page.status != http.StatusOK {
		t.Fatalf("GET %s: %d", path, page.status)
	}
	mustContain(t, page.body, "<h1>Block card "+visual+"?</h1>", "only support can issue a replacement", fmt.Sprintf(`<form method="post" action="%s"`, path), ">Block card</button>", `<a href="/cards">No, go back</a>`)
	if n := ta.count(`SELECT count(*) FROM ev_cards WHERE id = ? AND status = 'active'`, card); n != 1 {
		t.Fatal("asking blocked the card")
	}
	if r := own.post(path, url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("POST %s: %d", path, r.status)
	}
	if r := own.get(path); r.status != http.StatusConflict || !strings.Contains(r.body, "is already blocked") {
		t.Errorf("asking to block a blocked card: %d %.300s", r.status, r.body)
	}
	var def int64
	ta.db.R.QueryRow(`SELECT id FROM payment_methods WHERE user_id = ? AND is_default = 1`, jane).Scan(&def)
	if r := own.get(fmt.Sprintf("/payment-methods/%d/delete", def)); r.status != http.StatusConflict || !strings.Contains(r.body, "default payment method") {
		t.Errorf("asking to remove the default payment method: %d", r.status)
	}
	var done int64
	ta.db.R.QueryRow(`SELECT id FROM charging_sessions WHERE user_id = ? AND status = 'COMPLETED' LIMIT 1`, jane).Scan(&done)
	if r := own.get(fmt.Sprintf("/sessions/%d/stop", done)); r.status != http.StatusConflict {
		t.Errorf("asking to stop an ended session: %d", r.status)
	}

	admin := adminClient(t, ta)
	admin.startImpersonating(jane, "SUP-ASK", true)
	as := fmt.Sprintf("?as=%d", jane)
	var res int64
	ta.db.R.QueryRow(`SELECT id FROM reservations WHERE user_id = ? AND status IN ('requested', 'accepted') AND ends_at > unixepoch() LIMIT 1`, jane).Scan(&res)
	list := admin.get("/reservations" + as).body
	mustContain(t, list, fmt.Sprintf(`action="/reservations/%d/cancel%s"`, res, as), fmt.Sprintf(`<input type="hidden" name="as" value="%d">`, jane))
	ask := admin.get(fmt.Sprintf("/reservations/%d/cancel%s", res, as)) // what the form's GET sends
	if ask.status != http.StatusOK {
		t.Fatalf("impersonated ask: %d %.300s", ask.status, ask.body)
	}
	mustContain(t, ask.body, "Cancel this reservation?", "This action is real", fmt.Sprintf(`<form method="post" action="/reservations/%d/cancel%s"`, res, as), fmt.Sprintf(`<a href="/reservations%s">No, go back</a>`, as))
	admin.post("/api/customer/impersonation/end", url.Values{})
	admin.startImpersonating(jane, "SUP-ASK-RO", false)
	ro := admin.get(fmt.Sprintf("/reservations/%d/cancel%s", res, as)).body
	mustContain(t, ro, `id="read-only-reason"`, `disabled aria-describedby="read-only-reason">Cancel reservation</button>`)
	if n := ta.count(`SELECT count(*) FROM reservations WHERE id = ? AND status IN ('requested', 'accepted')`, res); n != 1 {
		t.Error("asking cancelled the reservation")
	}
}

// After Exit, one button resumes: a new impersonation of the same customer with the same
// ticket, reason and mode, recorded like any start.
func TestResumeAfterExit(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	sam := adminClient(t, ta)
	jane := ta.userID(demo.JaneEmail)
	if r := sam.startImpersonating(jane, "SUP-RES", true); r.status != http.StatusSeeOther {
		t.Fatalf("start: %d", r.status)
	}
	sam.post("/api/customer/impersonation/end", url.Values{})
	home := sam.get("/admin").body
	mustContain(t, home, "Resume as Jane Doe (SUP-RES)", `name="ticket" value="SUP-RES"`, `name="allow_changes" value="true"`)
	form := url.Values{"customer_user_id": {fmt.Sprint(jane)}, "ticket": {"SUP-RES"}, "reason": {"Customer reports a bug we cannot reproduce"}, "allow_changes": {"true"}}
	if r := sam.post("/api/customer/impersonation/start", form); r.status != http.StatusSeeOther || r.header.Get("Location") != fmt.Sprintf("/?as=%d", jane) {
		t.Fatalf("resume: %d %q", r.status, r.header.Get("Location"))
	}
	if n := ta.count(`SELECT count(*) FROM impersonations WHERE customer_user_id = ? AND ticket = 'SUP-RES' AND allow_changes = 1`, jane); n != 2 {
		t.Errorf("%d impersonations with the ticket, want 2 (the first and the resumed one)", n)
	}
}

// A ticket's deep link opens the start form prefilled (by email, Public ID or id), Start
// focused, and starts nothing; Start lands on the page it names. Logged out, the link
// survives the login. A page that is not a customer page is dropped with a sentence; a
// customer nobody has is 404; a link without a customer is 400.
func TestTicketDeepLink(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	var publicID string
	var receipt int64
	ta.db.R.QueryRow(`SELECT public_id FROM users WHERE id = ?`, jane).Scan(&publicID)
	ta.db.R.QueryRow(`SELECT id FROM receipts WHERE user_id = ? AND gross_cents = 3096`, jane).Scan(&receipt)
	link := fmt.Sprintf("/admin/impersonate?customer=%s&ticket=SUP-1234&reason=%s&page=%s",
		url.QueryEscape("JANE@example.com"), url.QueryEscape("can't see her receipt"), url.QueryEscape(fmt.Sprintf("/receipts/%d", receipt)))

	logged := ta.client()
	if r := logged.get(link); r.status != http.StatusSeeOther || r.header.Get("Location") != "/login?next="+url.QueryEscape(link) {
		t.Fatalf("logged out: %d %q, want the login keeping the link", r.status, r.header.Get("Location"))
	}
	sam := adminClient(t, ta)
	before := ta.count(`SELECT count(*) FROM impersonations`)
	for _, handle := range []string{url.QueryEscape("JANE@example.com"), publicID, fmt.Sprint(jane)} {
		r := sam.get(strings.Replace(link, url.QueryEscape("JANE@example.com"), handle, 1))
		if r.status != http.StatusOK {
			t.Fatalf("link by %s: %d", handle, r.status)
		}
		mustContain(t, r.body, "Impersonate Jane Doe", `value="SUP-1234"`, `value="can&#39;t see her receipt"`,
			fmt.Sprintf(`name="page" value="/receipts/%d"`, receipt), `autofocus>Start impersonating</button>`)
	}
	if n := ta.count(`SELECT count(*) FROM impersonations`); n != before {
		t.Fatal("following the link started an impersonation")
	}
	// Start: one click, onto the receipt.
	form := url.Values{"customer_user_id": {fmt.Sprint(jane)}, "ticket": {"SUP-1234"}, "reason": {"can't see her receipt"}, "page": {fmt.Sprintf("/receipts/%d", receipt)}}
	r := sam.post("/api/customer/impersonation/start", form)
	if want := fmt.Sprintf("/receipts/%d?as=%d", receipt, jane); r.status != http.StatusSeeOther || r.header.Get("Location") != want {
		t.Fatalf("start from the link: %d %q, want %q", r.status, r.header.Get("Location"), want)
	}
	sam.post("/api/customer/impersonation/end", url.Values{})

	// Pages that are not the customer's are never landed on.
	for _, page := range []string{"/admin/staff", "//evil.example/x", "https://evil.example/", "/receipts/abc", "/nowhere", "/api/customer/impersonation/end"} {
		r := sam.get("/admin/impersonate?customer=" + publicID + "&page=" + url.QueryEscape(page))
		mustContain(t, r.body, "is not a page of the customer")
		if strings.Contains(r.body, `name="page"`) {
			t.Errorf("page %q was kept", page)
		}
		form.Set("page", page)
		if r := sam.post("/api/customer/impersonation/start", form); r.header.Get("Location") != fmt.Sprintf("/?as=%d", jane) {
			t.Errorf("start with page %q: went to %q, want the home page", page, r.header.Get("Location"))
		}
		sam.post("/api/customer/impersonation/end", url.Values{})
	}
	if r := sam.get("/admin/impersonate?customer=nobody@example.com"); r.status != http.StatusNotFound || !strings.Contains(r.body, "No customer has the email or Public ID") {
		t.Errorf("unknown customer: %d", r.status)
	}
	if r := sam.get("/admin/impersonate?customer=" + url.QueryEscape(demo.AdminEmail)); r.status != http.StatusNotFound {
		t.Errorf("a staff account by email: %d, want 404", r.status)
	}
	if r := sam.get("/admin/impersonate?ticket=SUP-1"); r.status != http.StatusBadRequest {
		t.Errorf("no customer: %d, want 400", r.status)
	}
}

// One field can carry both: "SUP-1234: what I am checking" typed as the ticket is the
// ticket and the reason (the start takes search, pick, one line, Start).
func TestTicketLineCarriesTheReason(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	sam := adminClient(t, ta)
	jane := ta.userID(demo.JaneEmail)
	r := sam.post("/api/customer/impersonation/start", url.Values{"customer_user_id": {fmt.Sprint(jane)}, "ticket": {" SUP-77 : receipt shows the wrong tariff "}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("start with ticket and reason in one line: %d %.300s", r.status, r.body)
	}
	var ticket, reason string
	ta.db.R.QueryRow(`SELECT ticket, reason FROM impersonations ORDER BY id DESC LIMIT 1`).Scan(&ticket, &reason)
	if ticket != "SUP-77" || reason != "receipt shows the wrong tariff" {
		t.Errorf("ticket %q reason %q", ticket, reason)
	}
	sam.post("/api/customer/impersonation/end", url.Values{})
	r = sam.post("/api/customer/impersonation/start", url.Values{"customer_user_id": {fmt.Sprint(jane)}, "ticket": {"SUP-78"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Errorf("a ticket without a reason: %d, want 422", r.status)
	}
}

// With --ticket-url every ticket id links back to the ticket system: the banner, the
// timeline, the audit log and the ticket note. The timeline reads in words, its ids behind
// the technical details.
func TestTicketLinksAndTheTimelineInWords(t *testing.T) {
	t.Parallel()
	ta := newTestAppWith(t, appOptions{ticketURL: "https://desk.example.com/tickets/{ticket}"})
	jane := ta.userID(demo.JaneEmail)
	sam := adminClient(t, ta)
	sam.startImpersonating(jane, "SUP 12/34", false)
	const href = `href="https://desk.example.com/tickets/SUP%2012%2F34"`
	mustContain(t, sam.get(fmt.Sprintf("/cards?as=%d", jane)).body, href)
	sam.post("/api/customer/impersonation/end", url.Values{})
	var imp int64
	ta.db.R.QueryRow(`SELECT id FROM impersonations`).Scan(&imp)
	tl := sam.get(fmt.Sprintf("/admin/impersonations/%d", imp)).body
	mustContain(t, tl, href, "Ticket: https://desk.example.com/tickets/SUP%2012%2F34", "Copy the note",
		"Sam Admin started impersonating Jane Doe — ticket SUP 12/34, read-only", "Sam Admin viewed the EV cards",
		"Sam Admin stopped impersonating Jane Doe with Exit", "<summary>Technical details</summary><code>impersonation_audit #")
	mustContain(t, sam.get("/admin/audit").body, href+` target="_blank" rel="noopener">open the ticket</a>`)
}
