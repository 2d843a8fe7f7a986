package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"chargedesk/demo"
)

// A support agent works in the console and impersonates read-only; every admin-only action
// is refused with 403 and a privilege_violation row, and changes nothing. The role is re-read
// inside the write: an admin demoted mid-impersonation can no longer change anything.
func TestSupportRole(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	sup := ta.client()
	r := sup.post("/login", url.Values{"email": {demo.SupportEmail}, "password": {demo.DefaultPassword}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin" {
		t.Fatalf("support login: %d to %q", r.status, r.header.Get("Location"))
	}
	mustContain(t, sup.get("/admin/customers?q=jane").body, "Jane Doe")
	page := sup.get(fmt.Sprintf("/admin/customers/%d", jane)).body
	mustContain(t, page, "Admins only")
	if strings.Contains(page, `action="/admin/charges/`) || strings.Contains(page, `/force-stop#`) {
		t.Error("the customer's page offers the admin tools to a support agent")
	}
	if form := sup.get(fmt.Sprintf("/admin/customers/%d/impersonate", jane)).body; strings.Contains(form, `name="allow_changes"`) {
		t.Error("the start form offers “allow changes” to a support agent")
	}

	var receipt, card, reservation, session int64
	ta.db.R.QueryRow(`SELECT id FROM receipts WHERE user_id = ? AND gross_cents = 3096`, jane).Scan(&receipt)
	ta.db.R.QueryRow(`SELECT id FROM ev_cards WHERE user_id = ? AND status = 'active' LIMIT 1`, jane).Scan(&card)
	ta.db.R.QueryRow(`SELECT id FROM reservations WHERE user_id = ? LIMIT 1`, jane).Scan(&reservation)
	ta.db.R.QueryRow(`SELECT id FROM charging_sessions WHERE user_id = ? AND status = 'ACTIVE' LIMIT 1`, jane).Scan(&session)
	form := url.Values{"customer_user_id": {fmt.Sprint(jane)}, "amount": {"1.00"}, "reason": {"r"}, "confirm": {"yes"}}
	before := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'privilege_violation'`)
	changes := ta.count(`SELECT (SELECT count(*) FROM refunds) + (SELECT count(*) FROM auth_audit WHERE tag LIKE 'admin.%')`)
	for _, path := range []string{fmt.Sprintf("/admin/charges/%d/refund", receipt), fmt.Sprintf("/admin/cards/%d/reissue", card),
		fmt.Sprintf("/admin/reservations/%d/restore", reservation), fmt.Sprintf("/admin/sessions/%d/force-stop", session)} {
		if r := sup.post(path, form); r.status != http.StatusForbidden || !strings.Contains(r.body, "Only an admin") {
			t.Errorf("support POST %s: %d %.200s", path, r.status, r.body)
		}
	}
	// The first is written at once (repeats within the window are summed into one later row).
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'privilege_violation' AND json_extract(metadata, '$.what') = 'admin-only route'`); n != 1 || ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'privilege_violation'`) != before+1 {
		t.Errorf("privilege violations for the admin-only routes: %d", n)
	}
	if n := ta.count(`SELECT (SELECT count(*) FROM refunds) + (SELECT count(*) FROM auth_audit WHERE tag LIKE 'admin.%')`); n != changes {
		t.Error("a support agent's admin tool changed something")
	}
	// Staff management, the kill switch, events, protection: admins only, every one refused.
	for _, req := range []struct{ method, path string }{{"GET", "/admin/staff"}, {"POST", "/admin/staff"}, {"POST", "/admin/staff/2/role"},
		{"POST", "/admin/staff/2/status"}, {"POST", "/admin/staff/2/link"}, {"POST", "/admin/settings/impersonation"}, {"GET", "/admin/webhooks"},
		{"POST", fmt.Sprintf("/admin/customers/%d/protect", jane)}, {"POST", fmt.Sprintf("/admin/customers/%d/status", jane)},
		{"POST", "/admin/chargers/2/password"}, {"POST", "/admin/chargers/2/call"}} {
		var r response
		if req.method == "GET" {
			r = sup.get(req.path)
		} else {
			r = sup.post(req.path, url.Values{"role": {"admin"}, "enabled": {"false"}, "protect": {"true"}, "reason": {"x"}, "email": {"x@y.z"}, "name": {"X"}, "call": {"ResetHard"}})
		}
		if r.status != http.StatusForbidden {
			t.Errorf("support %s %s: %d, want 403", req.method, req.path, r.status)
		}
	}
	if n := ta.count(`SELECT (SELECT count(*) FROM refunds) + (SELECT count(*) FROM auth_audit WHERE tag LIKE 'admin.%')`); n != changes {
		t.Error("a support agent changed staff, settings or a customer's status")
	}

	// Read-only impersonation only.
	if r := sup.startImpersonating(jane, "SUP-R1", true); r.status != http.StatusForbidden || !strings.Contains(r.body, "only an admin can allow changes") {
		t.Errorf("support start with allow changes: %d %.200s", r.status, r.body)
	}
	if n := ta.count(`SELECT count(*) FROM impersonations WHERE ended_at IS NULL`); n != 0 {
		t.Fatalf("%d impersonations open after the refused start", n)
	}
	if r := sup.startImpersonating(jane, "SUP-R2", false); r.status != http.StatusSeeOther {
		t.Fatalf("support read-only start: %d", r.status)
	}
	mustContain(t, sup.get(fmt.Sprintf("/?as=%d", jane)).body, "Impersonating Jane Doe", "Read-only")
	sup.post("/api/customer/impersonation/end", url.Values{})

	// An admin with changes allowed, demoted to support mid-impersonation: the write's own
	// transaction re-reads the role and refuses.
	admin := adminClient(t, ta)
	admin.startImpersonating(jane, "SUP-R3", true)
	ta.db.W.Exec(`UPDATE users SET role = 'support' WHERE email = ?`, demo.AdminEmail)
	cards := ta.count(`SELECT count(*) FROM ev_cards WHERE user_id = ?`, jane)
	r = admin.post(fmt.Sprintf("/cards?as=%d", jane), url.Values{"label": {"Demoted"}})
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "Only an admin can change") {
		t.Errorf("a demoted admin's write: %d %.300s", r.status, r.body)
	}
	if ta.count(`SELECT count(*) FROM ev_cards WHERE user_id = ?`, jane) != cards {
		t.Error("a demoted admin ordered a card")
	}
}

// Payment methods move money: with changes allowed they stay refused (403, recorded as
// blocked, nothing added) unless an admin started the impersonation saying the ticket
// authorizes payment changes; the banner and the page say which it is.
func TestPaymentMethodsNeedTheirOwnAuthorization(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	admin := adminClient(t, ta)
	as := fmt.Sprintf("?as=%d", jane)
	card := url.Values{"brand": {"Visa"}, "last4": {"1111"}, "exp_month": {"12"}, "exp_year": {"2030"}}
	methods := ta.count(`SELECT count(*) FROM payment_methods WHERE user_id = ?`, jane)

	admin.startImpersonating(jane, "SUP-PAY1", true)
	mustContain(t, admin.get("/"+as).body, "Changes allowed, not payment methods")
	page := admin.get("/payment-methods" + as).body
	mustContain(t, page, "may not change Jane Doe's payment methods", `disabled aria-describedby="read-only-reason">Add card</button>`)
	if r := admin.post("/payment-methods"+as, card); r.status != http.StatusForbidden || !strings.Contains(r.body, "they move money") {
		t.Errorf("adding a payment method with changes allowed: %d %.200s", r.status, r.body)
	}
	if ta.count(`SELECT count(*) FROM payment_methods WHERE user_id = ?`, jane) != methods {
		t.Fatal("a payment method was added without the ticket authorizing it")
	}
	if n := ta.count(`SELECT count(*) FROM impersonation_audit WHERE route = '/payment-methods' AND outcome = 'blocked' AND status = 403`); n != 1 {
		t.Errorf("blocked route rows: %d", n)
	}
	admin.post("/api/customer/impersonation/end", url.Values{})

	form := url.Values{"customer_user_id": {fmt.Sprint(jane)}, "ticket": {"SUP-PAY2"}, "reason": {"Customer asked us to add a card"}, "allow_payments": {"true"}}
	if r := admin.post("/api/customer/impersonation/start", form); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "allow changes") {
		t.Errorf("payments without changes: %d", r.status)
	}
	form.Set("allow_changes", "true")
	if r := admin.post("/api/customer/impersonation/start", form); r.status != http.StatusSeeOther {
		t.Fatalf("start with payments: %d %.300s", r.status, r.body)
	}
	mustContain(t, admin.get("/"+as).body, "Changes allowed, payment methods too")
	if r := admin.post("/payment-methods"+as, card); r.status != http.StatusSeeOther {
		t.Errorf("adding a payment method when the ticket authorizes it: %d %.300s", r.status, r.body)
	}
	if ta.count(`SELECT count(*) FROM payment_methods WHERE user_id = ?`, jane) != methods+1 {
		t.Error("the authorized payment method was not added")
	}
	if err := ta.verifyAudit(); err != nil {
		t.Fatal(err)
	}
}

// The audit page's rows are rendered once and reused (the log is append-only), but never
// stale: a renamed user and an impersonation's end row show at once.
func TestAuditRowsAreNeverStale(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	admin := adminClient(t, ta)
	admin.startImpersonating(jane, "SUP-STALE", false)
	first := admin.get("/admin/audit").body
	mustContain(t, first, "Jane Doe")
	if strings.Contains(first, "Ended by") {
		t.Fatal("an open impersonation shows an end row")
	}
	admin.post("/api/customer/impersonation/end", url.Values{})
	ta.db.W.Exec(`UPDATE users SET name = 'Jane Renamed' WHERE id = ?`, jane)
	again := admin.get("/admin/audit").body
	mustContain(t, again, "Jane Renamed", "<dt>Ended by</dt><dd><code>auth_audit #")
	if strings.Contains(again, "Jane Doe") {
		t.Error("a reused row still shows the old name")
	}
}

// A customer who follows a link to the console from another site (an email, a chat) is sent
// home, and nothing is recorded against them; the same request from ChargeDesk's own pages is
// still refused and recorded.
func TestCrossSiteLinkToTheConsoleIsNotTheCustomersAct(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.client()
	jane.login(demo.JaneEmail)
	before := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'privilege_violation'`)
	r := jane.get("/admin/customers", "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
		t.Errorf("a cross-site link: %d to %q, want home", r.status, r.header.Get("Location"))
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'privilege_violation'`); n != before {
		t.Errorf("a cross-site link wrote %d privilege violations", n-before)
	}
	if r := jane.get("/admin/customers", "Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "navigate"); r.status != http.StatusForbidden {
		t.Errorf("from ChargeDesk's own pages: %d, want 403", r.status)
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'privilege_violation'`); n != before+1 {
		t.Errorf("%d privilege violations after the same-origin request, want 1", n-before)
	}
}
