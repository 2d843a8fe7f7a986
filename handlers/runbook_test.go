package handlers_test

// These tests follow ../shared/seed/impersonation-runbook.txt section by section.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"chargedesk/demo"
)

// startImpersonating posts the start form the way the console does and returns the response.
func (c *client) startImpersonating(customer int64, ticket string, allowChanges bool) response {
	c.t.Helper()
	form := url.Values{"customer_user_id": {fmt.Sprint(customer)}, "ticket": {ticket}, "reason": {"Customer reports a bug we cannot reproduce"}}
	if allowChanges {
		form.Set("allow_changes", "true")
	}
	return c.post("/api/customer/impersonation/start", form)
}

func hasBanner(body string) bool { return strings.Contains(body, `id="impersonation-banner"`) }

// metadata reads one auth_audit row's metadata.
func (ta *testApp) auditRows(tag string, actor int64) []map[string]any {
	ta.t.Helper()
	rows, err := ta.db.R.Query(`SELECT metadata FROM auth_audit WHERE tag = ? AND actor_user_id = ? ORDER BY id`, tag, actor)
	if err != nil {
		ta.t.Fatal(err)
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		var raw string
		rows.Scan(&raw)
		m := map[string]any{}
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			ta.t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestRunbookProcedureAndVerify(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	admin := ta.userID(demo.AdminEmail)
	var publicID string
	ta.db.R.QueryRow(`SELECT public_id FROM users WHERE id = ?`, jane).Scan(&publicID)
	c := ta.client()
	c.login(demo.AdminEmail)

	// 1. Locate the customer: Customers, search by email or Public ID, open the detail page.
	for _, q := range []string{demo.JaneEmail, publicID} {
		r := c.get("/admin/customers?q=" + url.QueryEscape(q))
		mustContain(t, r.body, fmt.Sprintf(`href="/admin/customers/%d"`, jane))
	}
	detail := c.get(fmt.Sprintf("/admin/customers/%d", jane))
	mustContain(t, detail.body, fmt.Sprintf(`href="/admin/customers/%d/impersonate">Impersonate</a>`, jane)) // in the customer header
	form := c.get(fmt.Sprintf("/admin/customers/%d/impersonate", jane))
	mustContain(t, form.body, `action="/api/customer/impersonation/start"`, fmt.Sprintf(`name="customer_user_id" value="%d"`, jane), `name="ticket"`, `name="reason"`, `name="allow_changes"`)

	// 2. Start: POST start, redirected to /?as=<customerUserId>, banner pinned on every page.
	r := c.startImpersonating(jane, "SUP-1234", false)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != fmt.Sprintf("/?as=%d", jane) {
		t.Fatalf("start: %d %q, want 303 /?as=%d", r.status, r.header.Get("Location"), jane)
	}
	home := c.get(r.header.Get("Location"))
	if home.status != 200 || !hasBanner(home.body) {
		t.Fatalf("customer home while impersonating: %d, banner %v", home.status, hasBanner(home.body))
	}
	mustContain(t, home.body, "Impersonating Jane Doe", publicID, "Ticket SUP-1234", "Read-only", "Exit")
	if cc := home.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}

	// 3. Reproduce: navigate; every page is Jane's and carries the banner.
	j := ta.jane()
	pages := []string{"/chargers", "/sessions", fmt.Sprintf("/receipts/%d", j.receipt), "/chargers", "/"}
	for _, p := range pages {
		r := c.get(fmt.Sprintf("%s?as=%d", p, jane))
		if r.status != 200 || !hasBanner(r.body) || strings.Contains(r.body, "Omar Haddad") {
			t.Errorf("%s: status %d banner %v", p, r.status, hasBanner(r.body))
		}
	}

	// 4. End: Exit posts to the end endpoint, which redirects to /admin.
	end := c.post("/api/customer/impersonation/end", url.Values{})
	if end.status != http.StatusSeeOther || end.header.Get("Location") != "/admin" {
		t.Fatalf("exit: %d %q, want 303 /admin", end.status, end.header.Get("Location"))
	}

	// Verify: banner gone, back on /admin, still logged in.
	back := c.get("/admin")
	if back.status != 200 || hasBanner(back.body) {
		t.Errorf("after exit: /admin %d, banner %v", back.status, hasBanner(back.body))
	}
	// Paired start and end with the customer's id in metadata.
	starts, ends := ta.auditRows("impersonation.start", admin), ta.auditRows("impersonation.end", admin)
	if len(starts) != 1 || len(ends) != 1 {
		t.Fatalf("start rows %d, end rows %d, want 1 and 1", len(starts), len(ends))
	}
	for _, m := range []map[string]any{starts[0], ends[0]} {
		if m["customer_user_id"] != float64(jane) || m["impersonation_id"] == nil {
			t.Errorf("metadata %v lacks customer_user_id %d or impersonation_id", m, jane)
		}
	}
	if ends[0]["via"] != "exit" {
		t.Errorf("end via %v, want exit", ends[0]["via"])
	}
	// One impersonation_audit row at start, then one per privileged route touched.
	got := map[string]int{}
	rows, _ := ta.db.R.Query(`SELECT method || ' ' || route FROM impersonation_audit WHERE admin_user_id = ?`, admin)
	for rows.Next() {
		var k string
		rows.Scan(&k)
		got[k]++
	}
	rows.Close()
	want := map[string]int{"POST /api/customer/impersonation/start": 1, "GET /": 1, "GET /chargers": 1, "GET /sessions": 1, "GET /receipts/:id": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("impersonation_audit rows %v, want %v", got, want)
	}
}

func TestRunbookIfSomethingGoesWrong(t *testing.T) {
	t.Parallel()
	jane := func(ta *testApp) int64 { return ta.userID(demo.JaneEmail) }

	t.Run("409 with a stale marker in another tab", func(t *testing.T) {
		ta := newTestApp(t)
		c := ta.client()
		c.login(demo.AdminEmail)
		c.startImpersonating(jane(ta), "SUP-1", false)
		r := c.startImpersonating(ta.userID(demo.OmarEmail), "SUP-2", false)
		if r.status != http.StatusConflict {
			t.Fatalf("second start: %d, want 409", r.status)
		}
		mustContain(t, r.body, "Already impersonating; end the current session first.", `action="/api/customer/impersonation/end"`)
		if strings.Contains(r.body, "ImpersonationBanner") {
			t.Error("the 409 page names a component (ImpersonationBanner) in its copy")
		}
		j := c.post("/api/customer/impersonation/start", url.Values{"customer_user_id": {"4"}, "ticket": {"x"}, "reason": {"y"}}, "Accept", "application/json")
		if j.status != 409 || !strings.Contains(j.body, `"error":"Already impersonating; end the current session first."`) {
			t.Errorf("JSON 409: %d %s", j.status, j.body)
		}
		// Exit in the old tab, then retry: it works.
		c.post("/api/customer/impersonation/end", url.Values{})
		if r := c.startImpersonating(ta.userID(demo.OmarEmail), "SUP-2", false); r.status != http.StatusSeeOther {
			t.Errorf("retry after exit: %d, want 303", r.status)
		}
	})

	t.Run("403 on start for a non-admin, with a privilege_violation row", func(t *testing.T) {
		ta := newTestApp(t)
		c := ta.client()
		c.login(demo.OmarEmail)
		r := c.startImpersonating(jane(ta), "SUP-1", false)
		if r.status != http.StatusForbidden {
			t.Fatalf("customer start: %d, want 403", r.status)
		}
		if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'privilege_violation' AND actor_user_id = ?`, ta.userID(demo.OmarEmail)); n != 1 {
			t.Errorf("privilege_violation rows %d, want 1", n)
		}
		if n := ta.count(`SELECT count(*) FROM impersonations`); n != 0 {
			t.Errorf("a customer started %d impersonations", n)
		}
	})

	t.Run("banner missing means not impersonating", func(t *testing.T) {
		ta := newTestApp(t)
		c := ta.client()
		c.login(demo.AdminEmail)
		r := c.get(fmt.Sprintf("/?as=%d", jane(ta)))
		if r.status != http.StatusForbidden || hasBanner(r.body) || strings.Contains(r.body, "Jane Doe") {
			t.Errorf("no impersonation: %d, banner %v", r.status, hasBanner(r.body))
		}
		mustContain(t, r.body, "You are not impersonating this customer")
	})

	t.Run("Exit still ends it when the audit write fails", func(t *testing.T) {
		ta := newTestApp(t)
		c := ta.client()
		c.login(demo.AdminEmail)
		c.startImpersonating(jane(ta), "SUP-1", false)
		if _, err := ta.db.W.Exec(`CREATE TRIGGER fail_end BEFORE INSERT ON auth_audit WHEN NEW.tag = 'impersonation.end'
			BEGIN SELECT RAISE(ABORT, 'disk full'); END`); err != nil {
			t.Fatal(err)
		}
		r := c.post("/api/customer/impersonation/end", url.Values{})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin" {
			t.Fatalf("end with failing audit: %d %q, want 303 /admin", r.status, r.header.Get("Location"))
		}
		if n := ta.count(`SELECT count(*) FROM impersonations WHERE ended_at IS NULL`); n != 0 {
			t.Error("the impersonation is still active")
		}
		if r := c.get(fmt.Sprintf("/?as=%d", jane(ta))); r.status != http.StatusForbidden {
			t.Errorf("the old marker still works: %d", r.status)
		}
	})

	t.Run("stripping ?as= ends it on the next request", func(t *testing.T) {
		ta := newTestApp(t)
		c := ta.client()
		c.login(demo.AdminEmail)
		c.startImpersonating(jane(ta), "SUP-1", false)
		r := c.get("/sessions")
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin" {
			t.Fatalf("no marker: %d %q, want 303 /admin", r.status, r.header.Get("Location"))
		}
		ends := ta.auditRows("impersonation.end", ta.userID(demo.AdminEmail))
		if len(ends) != 1 || ends[0]["via"] != "marker_removed" {
			t.Errorf("end rows %v, want one via marker_removed", ends)
		}
		// Admin routes never end it: that is how a stale tab leads to the 409.
		c.startImpersonating(jane(ta), "SUP-2", false)
		c.get("/admin")
		c.get("/admin/customers")
		if n := ta.count(`SELECT count(*) FROM impersonations WHERE ended_at IS NULL`); n != 1 {
			t.Errorf("admin pages ended the impersonation")
		}
	})

	t.Run("start fails closed when its audit rows cannot be written", func(t *testing.T) {
		ta := newTestApp(t)
		if _, err := ta.db.W.Exec(`CREATE TRIGGER fail_start BEFORE INSERT ON auth_audit WHEN NEW.tag = 'impersonation.start'
			BEGIN SELECT RAISE(ABORT, 'disk full'); END`); err != nil {
			t.Fatal(err)
		}
		c := ta.client()
		c.login(demo.AdminEmail)
		r := c.startImpersonating(jane(ta), "SUP-1", false)
		if r.status != http.StatusServiceUnavailable {
			t.Errorf("start without audit: %d, want 503", r.status)
		}
		if n := ta.count(`SELECT count(*) FROM impersonations`); n != 0 {
			t.Errorf("%d impersonations started without their audit rows", n)
		}
	})
}

// Read-only by default: writes are refused with the read-only page and recorded as blocked.
// With allow_changes they go through, are recorded as changed, and show in the customer's
// activity as made by support.
func TestReadOnlyAndAllowChanges(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	c := ta.client()
	c.login(demo.AdminEmail)
	c.startImpersonating(jane, "SUP-1", false)
	before := ta.fingerprint(demo.JaneEmail)
	for i := 0; i < 2; i++ {
		r := c.post(fmt.Sprintf("/cards?as=%d", jane), url.Values{"label": {"Support test"}})
		if r.status != http.StatusForbidden {
			t.Fatalf("read-only write: %d, want 403", r.status)
		}
		mustContain(t, r.body, "This impersonation is read-only")
	}
	if ta.fingerprint(demo.JaneEmail) != before {
		t.Error("a read-only impersonation changed the account")
	}
	if n := ta.count(`SELECT count(*) FROM impersonation_audit WHERE outcome = 'blocked' AND route = '/cards' AND method = 'POST'`); n != 2 {
		t.Errorf("blocked rows %d, want 2 (writes are never rate-limited)", n)
	}
	c.post("/api/customer/impersonation/end", url.Values{})

	c.startImpersonating(jane, "SUP-2", true)
	page := c.get(fmt.Sprintf("/cards?as=%d", jane))
	mustContain(t, page.body, "Changes allowed", "This action is real")
	r := c.post(fmt.Sprintf("/cards?as=%d", jane), url.Values{"label": {"Support test"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != fmt.Sprintf("/cards?notice=card-added&as=%d", jane) {
		t.Fatalf("allowed write: %d %q", r.status, r.header.Get("Location"))
	}
	if n := ta.count(`SELECT count(*) FROM impersonation_audit WHERE outcome = 'changed' AND route = '/cards'`); n != 1 {
		t.Errorf("changed rows %d, want 1", n)
	}
	if n := ta.count(`SELECT count(*) FROM activity WHERE user_id = ? AND actor_role = 'support' AND summary LIKE 'Ordered EV card%'`, jane); n != 1 {
		t.Errorf("the change is not in Jane's activity as made by support")
	}
	// HTMX write: the redirect comes as HX-Redirect and keeps the marker.
	hx := c.post(fmt.Sprintf("/cards?as=%d", jane), url.Values{"label": {"Another"}}, "HX-Request", "true")
	if hx.header.Get("HX-Redirect") != fmt.Sprintf("/cards?notice=card-added&as=%d", jane) {
		t.Errorf("HTMX write: HX-Redirect %q", hx.header.Get("HX-Redirect"))
	}
}

// A change made while impersonating commits together with its audit row, or not at all.
func TestImpersonatedChangeAndItsAuditRowCommitTogether(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	c := ta.client()
	c.login(demo.AdminEmail)
	c.startImpersonating(jane, "SUP-ATOMIC", true)
	if _, err := ta.db.W.Exec(`CREATE TRIGGER fail_route BEFORE INSERT ON impersonation_audit WHEN NEW.route = '/cards'
		BEGIN SELECT RAISE(ABORT, 'disk full'); END`); err != nil {
		t.Fatal(err)
	}
	before := ta.fingerprint(demo.JaneEmail)
	r := c.post(fmt.Sprintf("/cards?as=%d", jane), url.Values{"label": {"Unrecorded"}})
	// The change fails with its audit row, and so does the row that would record the
	// failure: the admin gets 503 and nothing of Jane's account.
	if r.status != http.StatusServiceUnavailable || strings.Contains(r.body, "Jane") || !strings.Contains(r.body, `id="impersonation-banner" class="withheld"`) {
		t.Errorf("change with a failing audit write: %d, want 503 without Jane's data (the banner cut down to ticket and Exit); body %.300s", r.status, r.body)
	}
	if ta.fingerprint(demo.JaneEmail) != before {
		t.Error("the change committed without its audit row")
	}
	ta.db.W.Exec(`DROP TRIGGER fail_route`)
	if r := c.post(fmt.Sprintf("/cards?as=%d", jane), url.Values{"label": {"Recorded"}}); r.status != http.StatusSeeOther {
		t.Fatalf("change: %d", r.status)
	}
	if n := ta.count(`SELECT count(*) FROM impersonation_audit WHERE route = '/cards' AND outcome = 'changed' AND status = 303`); n != 1 {
		t.Errorf("changed rows %d, want exactly 1 (no second row after the fact)", n)
	}
}

func TestCustomerSeesSupportAccessInActivity(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	admin := ta.client()
	admin.login(demo.AdminEmail)
	admin.startImpersonating(jane, "SUP-1234", false)
	admin.post("/api/customer/impersonation/end", url.Values{})
	c := ta.client()
	c.login(demo.JaneEmail)
	body := c.get("/activity").body
	mustContain(t, body, "Support viewed your account (ticket SUP-1234), ")
	if strings.Contains(body, demo.AdminEmail) || strings.Contains(body, "Sam Admin") {
		t.Error("activity names the admin; it should say support")
	}
}

// Re-entries on one ticket read as one visit line with their count (Exit, Resume, Exit …);
// another ticket, or something else happening in between, starts a line of its own.
func TestActivityGroupsReentriesOnOneTicket(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	admin := ta.client()
	admin.login(demo.AdminEmail)
	for _, ticket := range []string{"SUP-1", "SUP-2", "SUP-2", "SUP-2"} {
		admin.startImpersonating(jane, ticket, false)
		ta.advance(2 * time.Minute)
		admin.post("/api/customer/impersonation/end", url.Values{})
		ta.advance(time.Minute)
	}
	c := ta.client()
	c.login(demo.JaneEmail)
	body := c.get("/activity").body
	if n := strings.Count(body, "Support viewed your account (ticket SUP-2)"); n != 1 {
		t.Errorf("%d lines for ticket SUP-2's three visits, want 1", n)
	}
	mustContain(t, body, ">support visit</span>")
	for _, want := range []string{`\(ticket SUP-2\), \d\d:\d\d–\d\d:\d\d, 3 visits\s*<`, `\(ticket SUP-1\), \d\d:\d\d–\d\d:\d\d\s*<`} {
		if !regexp.MustCompile(want).MatchString(body) {
			t.Errorf("activity lacks a line matching %s", want)
		}
	}
}

func TestImpersonationEndsOnExpiryRoleRevocationAndRestart(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	admin := ta.userID(demo.AdminEmail)
	c := ta.client()
	c.login(demo.AdminEmail)

	c.startImpersonating(jane, "SUP-1", false)
	ta.advanceKeepingLogin(c, 31*time.Minute)
	r := c.get(fmt.Sprintf("/?as=%d", jane))
	if r.status != http.StatusForbidden {
		t.Errorf("after expiry: %d, want 403", r.status)
	}
	mustContain(t, r.body, "expired")
	if n := ta.count(`SELECT count(*) FROM impersonations WHERE end_via = 'expired'`); n != 1 {
		t.Errorf("expired ends %d, want 1", n)
	}

	c.startImpersonating(jane, "SUP-2", false)
	ta.db.W.Exec(`UPDATE users SET role = 'customer' WHERE id = ?`, admin)
	if r := c.get(fmt.Sprintf("/?as=%d", jane)); r.status != http.StatusForbidden {
		t.Errorf("revoked role: %d, want 403", r.status)
	}
	if n := ta.count(`SELECT count(*) FROM impersonations WHERE end_via = 'role_revoked'`); n != 1 {
		t.Errorf("role_revoked ends %d, want 1", n)
	}
	ta.db.W.Exec(`UPDATE users SET role = 'admin' WHERE id = ?`, admin)

	c.startImpersonating(jane, "SUP-3", false)
	ta.advanceKeepingLogin(c, 31*time.Minute)
	ta.svc.Guard.Sweep(t.Context(), true)
	if n := ta.count(`SELECT count(*) FROM impersonations WHERE end_via = 'server_restart'`); n != 1 {
		t.Errorf("server_restart ends %d, want 1", n)
	}
	// A disabled customer ends it on the next request; a disabled admin on theirs.
	c.startImpersonating(jane, "SUP-4", false)
	ta.db.W.Exec(`UPDATE users SET status = 'disabled' WHERE id = ?`, jane)
	if r := c.get(fmt.Sprintf("/?as=%d", jane)); r.status != http.StatusForbidden {
		t.Errorf("disabled customer: %d, want 403", r.status)
	}
	ta.db.W.Exec(`UPDATE users SET status = 'active' WHERE id = ?`, jane)
	c.startImpersonating(jane, "SUP-5", false)
	ta.db.W.Exec(`UPDATE users SET status = 'disabled' WHERE id = ?`, admin)
	if r := c.get(fmt.Sprintf("/?as=%d", jane)); r.status != http.StatusSeeOther || !toLogin(r.header.Get("Location")) {
		t.Errorf("disabled admin: %d %q, want 303 /login", r.status, r.header.Get("Location"))
	}
	for _, via := range []string{"customer_disabled", "admin_disabled"} {
		if n := ta.count(`SELECT count(*) FROM impersonations WHERE end_via = ?`, via); n != 1 {
			t.Errorf("%s ends %d, want 1", via, n)
		}
	}
	// Every start has its end.
	if s, e := len(ta.auditRows("impersonation.start", admin)), len(ta.auditRows("impersonation.end", admin)); s != 5 || e != 5 {
		t.Errorf("start rows %d, end rows %d, want 5 and 5", s, e)
	}
}
