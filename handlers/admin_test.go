package handlers_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"chargedesk/audit"
	"chargedesk/demo"
	"chargedesk/queries"
)

func adminClient(t testing.TB, ta *testApp) *client {
	c := ta.client()
	c.login(demo.AdminEmail)
	return c
}

func TestCustomerSearch(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := adminClient(t, ta)
	jane := fmt.Sprintf(`href="/admin/customers/%d"`, ta.userID(demo.JaneEmail))
	var publicID string
	ta.db.R.QueryRow(`SELECT public_id FROM users WHERE email = ?`, demo.JaneEmail).Scan(&publicID)
	tests := []struct {
		q     string
		finds bool
	}{
		{"Doe", true},                      // name substring
		{"doe", true},                      // case-insensitive
		{"ane D", true},                    // substring across words
		{"jane@ex", true},                  // email prefix
		{"JANE@EXAMPLE.COM", true},         // email, any case
		{publicID, true},                   // Public ID, exact
		{publicID[:8], false},              // Public ID, partial: no
		{"example.com", false},             // email substring that is not a prefix: no
		{"zzz-nobody", false},              // nothing
		{`"; DROP TABLE users; --`, false}, // text, not SQL
	}
	for _, tt := range tests {
		r := c.get("/admin/customers?q=" + url.QueryEscape(tt.q))
		if r.status != 200 {
			t.Errorf("q=%q: status %d", tt.q, r.status)
			continue
		}
		if got := strings.Contains(r.body, jane); got != tt.finds {
			t.Errorf("q=%q finds Jane: %v, want %v", tt.q, got, tt.finds)
		}
	}
	if r := c.get("/admin/customers?q=" + url.QueryEscape(strings.Repeat("x", 300))); r.status != 400 {
		t.Errorf("300-character search: %d, want 400", r.status)
	}
	// Live search: the HTMX request gets the results fragment.
	hx := c.get("/admin/customers?q=Doe", "HX-Request", "true")
	if strings.Contains(hx.body, "<html") || !strings.Contains(hx.body, jane) {
		t.Error("HTMX search did not answer a fragment with the result")
	}
}

func TestCustomerSearchKeysetPaging(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	for i := range 30 {
		if _, err := ta.db.W.Exec(`INSERT INTO users (public_id, email, name, password_hash, role, created_at) VALUES (?, ?, ?, 'x', 'customer', 0)`,
			fmt.Sprintf("cus_PAGER%04d", i), fmt.Sprintf("pager%02d@example.org", i), fmt.Sprintf("Pager Person %02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	c := adminClient(t, ta)
	first := c.get("/admin/customers?q=pager")
	if n := strings.Count(first.body, "Pager Person"); n != 25 {
		t.Fatalf("first page: %d results, want 25", n)
	}
	i := strings.Index(first.body, `">Next →</a>`)
	if i < 0 {
		t.Fatal("no Next link")
	}
	href := strings.ReplaceAll(first.body[strings.LastIndex(first.body[:i], `href="`)+6:i], "&amp;", "&")
	second := c.get(href)
	if n := strings.Count(second.body, "Pager Person"); n != 5 {
		t.Errorf("second page: %d results, want 5", n)
	}
	if strings.Contains(second.body, "Pager Person 00") || !strings.Contains(second.body, "Pager Person 29") {
		t.Error("second page overlaps the first or misses the last")
	}
}

// streaming are the audit page queries that must never sort: at a million rows, a sort
// would read them all.
var streaming = map[string]bool{"ListAuthAudit": true, "ListAuthAuditByTag": true, "ListRouteAudit": true, "ListAuthAuditInRange": true, "ListRouteAuditInRange": true, "CommonEmailMatchesAfter": true}

// The search and audit queries use indexes: no full scan of a table.
func TestAdminQueriesUseIndexes(t *testing.T) {
	t.Parallel()
	ta := newTestAppWith(t, appOptions{seedInPlace: true})
	checked := 0
	for _, file := range []string{"../queries/admin_customers.sql", "../queries/admin_audit.sql"} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range queries.ParseQueries(file, string(src)) {
			// Named parameters become positional ones, bound to NULL: the plan is the prepared one.
			sqlText := regexp.MustCompile(`@\w+|sqlc\.slice\('\w+'\)`).ReplaceAllString(q.SQL, "?")
			args := make([]any, strings.Count(sqlText, "?"))
			rows, err := ta.db.R.Query("EXPLAIN QUERY PLAN "+sqlText, args...)
			if err != nil {
				t.Fatalf("%s: %v", q.Name, err)
			}
			for rows.Next() {
				var id, parent, notused int
				var detail string
				rows.Scan(&id, &parent, &notused, &detail)
				t.Logf("%s: %s", q.Name, detail)
				if strings.HasPrefix(detail, "SCAN ") && !strings.Contains(detail, "USING") && !strings.Contains(detail, "VIRTUAL TABLE") &&
					detail != "SCAN CONSTANT ROW" && !strings.HasPrefix(detail, "SCAN (subquery") {
					t.Errorf("%s does a full scan: %s", q.Name, detail)
				}
				// The page queries walk an index newest first and stop after a page.
				if streaming[q.Name] && strings.Contains(detail, "TEMP B-TREE") {
					t.Errorf("%s sorts its whole range: %s", q.Name, detail)
				}
			}
			rows.Close()
			checked++
		}
	}
	if checked < 8 {
		t.Errorf("checked only %d queries", checked)
	}
}

// toolForm is a confirmed admin-tool form for a customer.
func toolForm(customer int64, extra ...string) url.Values {
	f := url.Values{"customer_user_id": {fmt.Sprint(customer)}, "reason": {"Ticket SUP-77: reversing a change"}, "reference": {"impersonation_audit #3"}, "confirm": {"yes"}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return f
}

func TestAdminToolsHappyPaths(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := adminClient(t, ta)
	jane := ta.userID(demo.JaneEmail)
	var stuck, lost, cancelled, receipt int64
	ta.db.R.QueryRow(`SELECT s.id FROM charging_sessions s JOIN connectors cn ON cn.id = s.connector_id WHERE s.user_id = ? AND s.status = 'ACTIVE' AND cn.status = 'Available'`, jane).Scan(&stuck)
	ta.db.R.QueryRow(`SELECT id FROM ev_cards WHERE user_id = ? AND status = 'lost'`, jane).Scan(&lost)
	ta.db.R.QueryRow(`SELECT id FROM reservations WHERE user_id = ? AND status = 'cancelled'`, jane).Scan(&cancelled)
	ta.db.R.QueryRow(`SELECT id FROM receipts WHERE user_id = ? AND gross_cents = 3096`, jane).Scan(&receipt)

	// The first POST only asks for confirmation and changes nothing.
	before := ta.fingerprint(demo.JaneEmail)
	unconfirmed := toolForm(jane)
	unconfirmed.Del("confirm")
	r := c.post(fmt.Sprintf("/admin/sessions/%d/force-stop", stuck), unconfirmed)
	if r.status != 200 || !strings.Contains(r.body, "Force-stop session") || ta.fingerprint(demo.JaneEmail) != before {
		t.Fatalf("confirmation step: %d, or it changed the account", r.status)
	}

	steps := []struct {
		name, path string
		form       url.Values
		tag        string
		activity   string
	}{
		{"force-stop the stuck session", fmt.Sprintf("/admin/sessions/%d/force-stop", stuck), toolForm(jane), "admin.session_force_stop", "Support closed your stuck charging session"},
		{"refund part of a receipt", fmt.Sprintf("/admin/charges/%d/refund", receipt), toolForm(jane, "amount", "2.50"), "admin.refund", "Support refunded €2.50"},
		{"restore the cancelled reservation", fmt.Sprintf("/admin/reservations/%d/restore", cancelled), toolForm(jane), "admin.reservation_restore", "Support restored your reservation"},
		{"re-issue the lost card", fmt.Sprintf("/admin/cards/%d/reissue", lost), toolForm(jane), "admin.card_reissue", "Support re-issued card"},
	}
	for _, s := range steps {
		r := c.post(s.path, s.form)
		if r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "row=") {
			t.Fatalf("%s: %d %q %.300s", s.name, r.status, r.header.Get("Location"), r.body)
		}
		page := c.get(r.header.Get("Location"))
		mustContain(t, page.body, "Audit row auth_audit #")
		if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = ? AND target_user_id = ? AND json_extract(metadata, '$.reference') = 'impersonation_audit #3'`, s.tag, jane); n != 1 {
			t.Errorf("%s: %d %s rows citing the reference, want 1", s.name, n, s.tag)
		}
	}
	// The effects, as DOMAIN.md describes them.
	var endedBy, connStatus string
	var stopWh, lastWh int64
	ta.db.R.QueryRow(`SELECT s.ended_by, s.meter_stop_wh, (SELECT max(energy_wh) FROM meter_readings WHERE session_id = s.id), cn.status
		FROM charging_sessions s JOIN connectors cn ON cn.id = s.connector_id WHERE s.id = ?`, stuck).Scan(&endedBy, &stopWh, &lastWh, &connStatus)
	if endedBy != "admin_force_close" || stopWh != lastWh || connStatus != "Available" {
		t.Errorf("force-stop: ended_by %s, stop %d Wh vs last reading %d Wh, connector %s", endedBy, stopWh, lastWh, connStatus)
	}
	if n := ta.count(`SELECT count(*) FROM receipts WHERE session_id = ?`, stuck); n != 1 {
		t.Error("the force-stopped session has no receipt")
	}
	if n := ta.count(`SELECT count(*) FROM reservations WHERE restored_from_id = ? AND status = 'accepted'`, cancelled); n != 1 {
		t.Error("no restored reservation pointing at the old one")
	}
	var newCard int64
	var oldContract, newContract string
	ta.db.R.QueryRow(`SELECT o.contract_id, n.id, n.contract_id FROM ev_cards o JOIN ev_cards n ON n.id = o.replaced_by_id WHERE o.id = ? AND o.status = 'replaced' AND n.status = 'active'`, lost).Scan(&oldContract, &newCard, &newContract)
	if newCard == 0 || oldContract != newContract {
		t.Errorf("re-issue: new card %d, contracts %q and %q", newCard, oldContract, newContract)
	}
	// Jane sees each in her activity.
	jc := ta.client()
	jc.login(demo.JaneEmail)
	act := jc.get("/activity").body
	for _, s := range steps {
		mustContain(t, act, s.activity)
		// An admin tool's line is not drawn as a view of the account.
		if strings.Contains(act, "ticket "+s.activity) {
			t.Errorf("%q is shown as if support viewed the account", s.activity)
		}
	}
}

// The tools take exactly DESIGN.md's form (amount, reason, reference): without
// customer_user_id the customer is the object's owner.
func TestAdminToolWithTheDesignForm(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := adminClient(t, ta)
	jane := ta.userID(demo.JaneEmail)
	var receipt int64
	ta.db.R.QueryRow(`SELECT id FROM receipts WHERE user_id = ? AND gross_cents = 3096`, jane).Scan(&receipt)
	form := url.Values{"amount": {"1.00"}, "reason": {"Goodwill"}, "reference": {"impersonation_audit #9"}}
	r := c.post(fmt.Sprintf("/admin/charges/%d/refund", receipt), form)
	if r.status != 200 || !strings.Contains(r.body, "Refund €1.00 on receipt") {
		t.Fatalf("confirmation: %d %.300s", r.status, r.body)
	}
	form.Set("confirm", "yes")
	r = c.post(fmt.Sprintf("/admin/charges/%d/refund", receipt), form)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), fmt.Sprintf("/admin/customers/%d?", jane)) {
		t.Fatalf("refund: %d %q", r.status, r.header.Get("Location"))
	}
	if n := ta.count(`SELECT count(*) FROM refunds WHERE receipt_id = ? AND amount_cents = 100`, receipt); n != 1 {
		t.Errorf("refunds of €1.00: %d, want 1", n)
	}
	// The result is shown where the redirect scrolls to: in the receipts section.
	loc := r.header.Get("Location")
	if !strings.HasSuffix(loc, "#receipts") {
		t.Errorf("the refund returns to %q, not the receipts section", loc)
	}
	page := c.get(strings.TrimSuffix(loc, "#receipts")).body
	section := page[strings.Index(page, `id="receipts"`):]
	section = section[:strings.Index(section, "</section>")]
	mustContain(t, section, `<p class="notice" role="status">Refund recorded, credit note issued.`)
	if r := c.post("/admin/charges/999999/refund", form); r.status != 404 {
		t.Errorf("unknown receipt: %d, want 404", r.status)
	}
}

func TestAdminToolRefusalsChangeNothing(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := adminClient(t, ta)
	jane, omar := ta.userID(demo.JaneEmail), ta.userID(demo.OmarEmail)
	var receipt, expired, card, done int64
	ta.db.R.QueryRow(`SELECT id FROM receipts WHERE user_id = ? AND gross_cents = 3096`, jane).Scan(&receipt)
	ta.db.R.QueryRow(`SELECT id FROM ev_cards WHERE user_id = ? AND status = 'active' LIMIT 1`, jane).Scan(&card)
	ta.db.R.QueryRow(`SELECT min(id) FROM charging_sessions WHERE user_id = ? AND status = 'COMPLETED'`, jane).Scan(&done)
	// A cancelled reservation whose window has passed.
	res, _ := ta.db.W.Exec(`INSERT INTO reservations (user_id, evse_id, card_id, starts_at, ends_at, status, created_at, cancelled_at)
		VALUES (?, 2, ?, ?, ?, 'cancelled', 0, 0)`, jane, card, time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-time.Hour).Unix())
	expired, _ = res.LastInsertId()
	refund := fmt.Sprintf("/admin/charges/%d/refund", receipt)

	tests := []struct {
		name, path string
		form       url.Values
		status     int
		msg        string
	}{
		{"refund without a reason", refund, url.Values{"customer_user_id": {fmt.Sprint(jane)}, "amount": {"1.00"}, "confirm": {"yes"}}, 422, "Reason is required"},
		{"refund above the remainder", refund, toolForm(jane, "amount", "30.00"), 422, "At most €25.96 remains"},
		{"refund of abc", refund, toolForm(jane, "amount", "abc"), 422, "like 2.50"},
		{"negative refund", refund, toolForm(jane, "amount", "-1.00"), 422, "like 2.50"},
		{"refund of 0.001", refund, toolForm(jane, "amount", "0.001"), 422, "like 2.50"},
		{"refund of zero", refund, toolForm(jane, "amount", "0.00"), 422, "more than €0.00"},
		{"restore an expired reservation", fmt.Sprintf("/admin/reservations/%d/restore", expired), toolForm(jane), 422, "can no longer be restored"},
		{"force-stop a completed session", fmt.Sprintf("/admin/sessions/%d/force-stop", done), toolForm(jane), 422, "already ended"},
		{"Jane's receipt under Omar's page", refund, toolForm(omar, "amount", "1.00"), 404, "not found"},
		{"Jane's card under Omar's page", fmt.Sprintf("/admin/cards/%d/reissue", card), toolForm(omar), 404, "not found"},
		{"Jane's reservation under Omar's page", fmt.Sprintf("/admin/reservations/%d/restore", expired), toolForm(omar), 404, "not found"},
		{"Jane's session under Omar's page", fmt.Sprintf("/admin/sessions/%d/force-stop", done), toolForm(omar), 404, "not found"},
		{"a malformed id", "/admin/cards/abc/reissue", toolForm(jane), 404, "not found"},
		{"a 10 kB reason", fmt.Sprintf("/admin/cards/%d/reissue", card), toolForm(jane, "reason", strings.Repeat("r", 10_000)), 422, "Reason is too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ta.fingerprint(demo.JaneEmail)
			refunds := ta.count(`SELECT count(*) FROM refunds`)
			rows := ta.count(`SELECT count(*) FROM auth_audit WHERE tag LIKE 'admin.%'`)
			r := c.post(tt.path, tt.form)
			if r.status != tt.status {
				t.Errorf("status %d, want %d; %.300s", r.status, tt.status, r.body)
			}
			mustContain(t, r.body, tt.msg)
			if ta.fingerprint(demo.JaneEmail) != before || ta.count(`SELECT count(*) FROM refunds`) != refunds || ta.count(`SELECT count(*) FROM auth_audit WHERE tag LIKE 'admin.%'`) != rows {
				t.Error("a refused tool changed something")
			}
		})
	}
	// The database itself refuses a refund above the receipt total.
	if _, err := ta.db.W.Exec(`INSERT INTO refunds (receipt_id, user_id, amount_cents, reason, credit_note_number, created_at) VALUES (?, ?, 5000, 'x', 'CN-X', 0)`, receipt, jane); err == nil {
		t.Error("the database accepted a refund above the remainder")
	}
	// Customers cannot use the tools at all.
	jc := ta.client()
	jc.login(demo.JaneEmail)
	if r := jc.post(refund, toolForm(jane, "amount", "1.00")); r.status != http.StatusForbidden {
		t.Errorf("customer on an admin tool: %d, want 403", r.status)
	}
}

func TestAuditLogFiltersJSONAndCSV(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := adminClient(t, ta)
	admin, jane := ta.userID(demo.AdminEmail), ta.userID(demo.JaneEmail)
	c.startImpersonating(jane, "SUP-AUDIT", false)
	c.get(fmt.Sprintf("/cards?as=%d", jane))
	c.post("/api/customer/impersonation/end", url.Values{})
	omar := ta.client()
	omar.login(demo.OmarEmail)

	// The page shows the start/end pair with the route rows nested.
	page := c.get(fmt.Sprintf("/admin/audit?user=%d", admin))
	mustContain(t, page.body, "impersonation.start", "impersonation.end", "<dt>Ended by</dt><dd><code>auth_audit #", "impersonation_audit #", "GET /cards",
		"Sam Admin (admin) started impersonating Jane Doe — ticket SUP-AUDIT, read-only", "viewed the EV cards", "Sam Admin (admin) stopped impersonating Jane Doe with Exit")

	// JSON: exactly the documented shape.
	r := c.get(fmt.Sprintf("/admin/audit?user=%d", admin), "Accept", "application/json")
	var out map[string][]map[string]any
	if err := json.Unmarshal([]byte(r.body), &out); err != nil || r.status != 200 {
		t.Fatalf("JSON: %d %v %.200s", r.status, err, r.body)
	}
	if len(out) != 2 || out["auth_audit"] == nil || out["impersonation_audit"] == nil {
		t.Fatalf("JSON keys: %v", out)
	}
	keys := func(m map[string]any) string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		return fmt.Sprint(len(ks))
	}
	for _, row := range out["auth_audit"] {
		if keys(row) != "6" || row["id"] == nil || row["tag"] == nil || row["metadata"] == nil {
			t.Errorf("auth_audit row shape: %v", row)
		}
		actor, _ := row["actor_user_id"].(float64)
		target, _ := row["target_user_id"].(float64)
		if int64(actor) != admin && int64(target) != admin {
			t.Errorf("user filter let through %v", row)
		}
	}
	for _, row := range out["impersonation_audit"] {
		if keys(row) != "8" || row["outcome"] == nil || row["route"] == nil {
			t.Errorf("impersonation_audit row shape: %v", row)
		}
	}
	if len(out["impersonation_audit"]) != 2 { // the start row and GET /cards
		t.Errorf("impersonation_audit rows: %d, want 2", len(out["impersonation_audit"]))
	}
	// A customer's rows: where they act (their login) and where they are the target (the
	// impersonation of them), merged newest first.
	jc := ta.client()
	jc.login(demo.JaneEmail)
	r = c.get(fmt.Sprintf("/admin/audit?user=%d", jane), "Accept", "application/json")
	json.Unmarshal([]byte(r.body), &out)
	tags := map[string]bool{}
	for i, row := range out["auth_audit"] {
		tags[row["tag"].(string)] = true
		if i > 0 && row["id"].(float64) >= out["auth_audit"][i-1]["id"].(float64) {
			t.Error("a user's rows are not newest first")
		}
	}
	if !tags["login.success"] || !tags["impersonation.start"] || !tags["impersonation.end"] {
		t.Errorf("Jane's rows have tags %v, want her login and the impersonation of her", tags)
	}
	// Tag filter: only that tag, and no route rows.
	r = c.get("/admin/audit?tag=login.success", "Accept", "application/json")
	json.Unmarshal([]byte(r.body), &out)
	if len(out["auth_audit"]) != 3 || len(out["impersonation_audit"]) != 0 {
		t.Errorf("tag filter: %d auth rows, %d route rows", len(out["auth_audit"]), len(out["impersonation_audit"]))
	}
	// CSV download.
	r = c.get(fmt.Sprintf("/admin/audit?user=%d&format=csv", admin))
	if !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") || !strings.Contains(r.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("CSV headers: %v", r.header)
	}
	recs, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil || len(recs) < 4 || recs[0][0] != "table" {
		t.Errorf("CSV: %v, %d records", err, len(recs))
	}
	// Bad filters are 400, as HTML or JSON.
	for _, q := range []string{"user=abc", "tag=DROP%20TABLE", "from=yesterday", "impersonation=-1"} {
		if r := c.get("/admin/audit?" + q); r.status != 400 {
			t.Errorf("?%s: %d, want 400", q, r.status)
		}
		if r := c.get("/admin/audit?"+q, "Accept", "application/json"); r.status != 400 || !strings.Contains(r.body, `"error"`) {
			t.Errorf("?%s as JSON: %d %s", q, r.status, r.body)
		}
	}
}

func TestImpersonationTimelineLinksTheReversal(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := adminClient(t, ta)
	jane := ta.userID(demo.JaneEmail)
	j := ta.jane()
	c.startImpersonating(jane, "SUP-TL", true)
	c.get(fmt.Sprintf("/cards?as=%d", jane))
	c.post(fmt.Sprintf("/cards/%d/block?as=%d", j.card, jane), url.Values{})
	c.post("/api/customer/impersonation/end", url.Values{})
	var imp, writeRow int64
	ta.db.R.QueryRow(`SELECT id FROM impersonations`).Scan(&imp)
	ta.db.R.QueryRow(`SELECT id FROM impersonation_audit WHERE route = '/cards/:id/block'`).Scan(&writeRow)
	r := c.get(fmt.Sprintf("/admin/impersonations/%d", imp))
	mustContain(t, r.body, "Ticket note", fmt.Sprintf("impersonation_audit #%d POST /cards/:id/block (changed", writeRow),
		"Re-issue the card", fmt.Sprintf("reference=impersonation_audit%%20%%23%d#cards", writeRow), "ended via exit")
	list := c.get("/admin/impersonations")
	mustContain(t, list.body, fmt.Sprintf(`href="/admin/impersonations/%d"`, imp), "SUP-TL")
	// The customer page pre-fills the reference from the link.
	page := c.get(fmt.Sprintf("/admin/customers/%d?reference=%s", jane, url.QueryEscape(fmt.Sprintf("impersonation_audit #%d", writeRow))))
	mustContain(t, page.body, fmt.Sprintf(`value="impersonation_audit #%d"`, writeRow))
}

func TestAdminDashboard(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := adminClient(t, ta)
	alex := ta.client()
	alex.login("alex@chargedesk.test")
	alex.startImpersonating(ta.userID(demo.OmarEmail), "SUP-DASH", false)
	omar := ta.client()
	omar.login(demo.OmarEmail)
	omar.get("/admin") // a privilege violation
	r := c.get("/admin")
	mustContain(t, r.body, "Alex Admin", "Omar Haddad", "SUP-DASH", "min left", "Parkhaus Alexanderplatz P2", "the connector reports Available")
	if !strings.Contains(r.body, "admin route") {
		t.Error("the privilege violation is not on the dashboard")
	}
}

// A common search term (1000 matches or more) reads one page of each index from the keyset
// and pages in id order: each match once, no match skipped.
func TestCommonSearchTermsPageByID(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	tx, err := ta.db.W.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1200 {
		if _, err := tx.Exec(`INSERT INTO users (public_id, email, name, password_hash, role, created_at) VALUES (?, ?, ?, 'x', 'customer', 0)`,
			fmt.Sprintf("cus_DENSE%05d", i), fmt.Sprintf("dense%d@example.net", i), fmt.Sprintf("Janina Dense %04d", (i*7919)%1200)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var want []string
	rows, _ := ta.db.R.Query(`SELECT name FROM users WHERE role = 'customer' AND (instr(lower(name), 'jan') > 0 OR email LIKE 'jan%') ORDER BY id LIMIT 50`)
	for rows.Next() {
		var n string
		rows.Scan(&n)
		want = append(want, n)
	}
	rows.Close()
	c := adminClient(t, ta)
	first := c.get("/admin/customers?q=jan")
	if first.status != http.StatusOK {
		t.Fatalf("search: %d", first.status)
	}
	next := regexp.MustCompile(`after=(\d+)`).FindStringSubmatch(first.body)
	if next == nil {
		t.Fatalf("no next page link: %.300s", first.body)
	}
	second := c.get("/admin/customers?q=jan&after=" + next[1])
	body := first.body + second.body
	last := -1
	for i, name := range want {
		at := strings.Index(body, name)
		if at < 0 || at < last {
			t.Fatalf("result %d (%s) missing or out of order", i, name)
		}
		last = at
	}
}

// A date window pages through the (at, id) index: every row in the window once, none outside,
// even when rows were not written in time order (a late end row).
func TestAuditDateWindowPages(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 130 {
		at := base.Add(time.Duration(i) * time.Hour)
		if i%10 == 0 {
			at = base.Add(time.Duration(130-i) * time.Hour) // out of order
		}
		if _, err := ta.trail.Log(context.Background(), ta.db, at, audit.Entry{Tag: audit.TagLoginSuccess, Actor: 1, Metadata: map[string]any{"n": i}}); err != nil {
			t.Fatal(err)
		}
	}
	from, to := base.Add(24*time.Hour), base.Add(96*time.Hour) // whole days 2 to 4 in UTC
	var want int
	ta.db.R.QueryRow(`SELECT count(*) FROM auth_audit WHERE at >= ? AND at < ?`, from.Unix(), to.Unix()).Scan(&want)
	c := adminClient(t, ta)
	next := "/admin/audit?from=" + from.Format(time.RFC3339) + "&to=" + to.Add(-time.Second).Format(time.RFC3339)
	seen := map[int64]bool{}
	for pages := 0; next != "" && pages < 10; pages++ {
		r := c.get(next, "Accept", "application/json")
		var body struct {
			Auth []struct {
				ID int64  `json:"id"`
				At string `json:"at"`
			} `json:"auth_audit"`
		}
		if err := json.Unmarshal([]byte(r.body), &body); err != nil {
			t.Fatalf("page %d: %v %.200s", pages, err, r.body)
		}
		for _, row := range body.Auth {
			at, _ := time.Parse(time.RFC3339, row.At)
			if seen[row.ID] || at.Before(from) || !at.Before(to) {
				t.Errorf("row %d (%s) repeated or outside the window", row.ID, row.At)
			}
			seen[row.ID] = true
		}
		next = ""
		if m := regexp.MustCompile(`<([^>]+)>; rel="next"`).FindStringSubmatch(r.header.Get("Link")); m != nil {
			u, _ := url.Parse(m[1])
			next = u.RequestURI()
		}
	}
	if len(seen) != want || want < 60 {
		t.Errorf("saw %d rows of the window, want %d", len(seen), want)
	}
}

// A busy impersonation does not make the audit page grow: ten route rows nest under its
// start, and a link leads to the rest on its timeline.
func TestAuditPageNestsABoundedNumberOfRouteRows(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	c := adminClient(t, ta)
	c.startImpersonating(jane, "SUP-BUSY", false)
	for i := range 25 {
		c.get(fmt.Sprintf("/sessions?as=%d&status=&page=%d", jane, i)) // distinct paths: a row each
	}
	page := c.get("/admin/audit")
	if n := strings.Count(page.body, "impersonation_audit #"); n != 10 {
		t.Errorf("nested route rows: %d, want 10", n)
	}
	mustContain(t, page.body, "… and more: open the timeline")
	var imp int64
	ta.db.R.QueryRow(`SELECT id FROM impersonations`).Scan(&imp)
	if tl := c.get(fmt.Sprintf("/admin/impersonations/%d", imp)); strings.Count(tl.body, "impersonation_audit #") < 26 {
		t.Errorf("the timeline shows %d route rows, want all 26", strings.Count(tl.body, "impersonation_audit #"))
	}
}

// The user + tag filter reads the user's rows of each tag through the (user, tag, id) index:
// every row of the user with that tag (exact, or a family like admin.*), as actor or target,
// newest first, none of another user or tag — even when the user's other rows are many.
func TestAuditUserAndTagFilter(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	base := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	tags := []string{"admin.refund", "admin.card_reissue", "login.success", "admin.refund"}
	for i := range 240 {
		e := audit.Entry{Tag: tags[i%len(tags)], Actor: int64(1 + i%3), Target: int64(2 + i%5), Metadata: map[string]any{"n": i}}
		if _, err := ta.trail.Log(context.Background(), ta.db, base.Add(time.Duration(i)*time.Minute), e); err != nil {
			t.Fatal(err)
		}
	}
	c := adminClient(t, ta)
	for _, tc := range []struct {
		filter, where string
		user          int
	}{
		{"user=2&tag=admin.refund", `tag = 'admin.refund'`, 2},
		{"user=2&tag=admin.*", `tag GLOB 'admin.*'`, 2},
		{"user=4&tag=login.success", `tag = 'login.success'`, 4},
		{"tag=admin.*", `tag GLOB 'admin.*'`, 0}, // a family alone: ids from the index, then rows
	} {
		var want []int64
		rows, _ := ta.db.R.Query(`SELECT id FROM auth_audit WHERE (?1 = 0 OR actor_user_id = ?1 OR target_user_id = ?1) AND `+tc.where+` ORDER BY id DESC LIMIT 50`, tc.user)
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			want = append(want, id)
		}
		rows.Close()
		r := c.get("/admin/audit?"+tc.filter, "Accept", "application/json")
		var body struct {
			Auth []struct {
				ID int64 `json:"id"`
			} `json:"auth_audit"`
		}
		if err := json.Unmarshal([]byte(r.body), &body); err != nil {
			t.Fatalf("%s: %v %.200s", tc.filter, err, r.body)
		}
		var got []int64
		for _, a := range body.Auth {
			got = append(got, a.ID)
		}
		if len(want) < 10 || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: rows %v, want %v", tc.filter, got, want)
		}
	}
}

// The long lists of the admin customer page page independently: following a section's
// "Older →" shows the rest of that list, each row once; a broken page link answers 400.
func TestAdminCustomerPageSectionsPage(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	c := adminClient(t, ta)
	growJanesLists(t, ta)
	for _, sec := range []struct{ name, count string }{
		{"sessions", `SELECT count(*) FROM charging_sessions WHERE user_id = ?`},
		{"receipts", `SELECT count(*) FROM receipts WHERE user_id = ?`},
		{"cards", `SELECT count(*) FROM ev_cards WHERE user_id = ?`},
		{"reservations", `SELECT count(*) FROM reservations WHERE user_id = ?`},
	} {
		want := ta.count(sec.count, jane)
		if want <= 10 {
			t.Fatalf("%s: Jane has %d, the test needs more than a page", sec.name, want)
		}
		seen := 0
		next := fmt.Sprintf("/admin/customers/%d", jane)
		for pages := 0; next != ""; pages++ {
			if pages > 10 {
				t.Fatalf("%s: paging does not end", sec.name)
			}
			body := c.get(next).body
			part := body[strings.Index(body, `id="`+sec.name+`"`):]
			part = part[:strings.Index(part, "</section>")]
			if i := strings.Index(part, "</table>"); i >= 0 { // the section's own list, its first table
				seen += strings.Count(part[:i], "<tr>") - 1 // minus the header row
			}
			next = ""
			if m := regexp.MustCompile(`href="([^"]*\?` + sec.name + `=[^"]*)">Older →`).FindStringSubmatch(part); m != nil {
				next = strings.ReplaceAll(m[1], "&amp;", "&")
			}
		}
		if seen != want {
			t.Errorf("%s: the pages show %d rows, want %d", sec.name, seen, want)
		}
	}
	if r := c.get(fmt.Sprintf("/admin/customers/%d?activity=1-2", jane)); r.status != http.StatusBadRequest {
		t.Errorf("a broken section link: %d, want 400", r.status)
	}
}

// The audit page's event picker keeps the trail's tag list for a while (listing it is a seek
// per tag): a tag written for the first time joins the picker once the list is older than
// tagListFor, while a filter by its family finds its rows at once.
func TestAuditPickerKeepsItsTags(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := adminClient(t, ta)
	option := `<option value="admin.brand_new_tool">`
	if r := c.get("/admin/audit"); r.status != http.StatusOK || strings.Contains(r.body, option) {
		t.Fatalf("before: %d, picker has the tag: %v", r.status, strings.Contains(r.body, option))
	}
	if _, err := ta.trail.Log(context.Background(), ta.db, ta.now(), audit.Entry{Tag: "admin.brand_new_tool", Actor: ta.userID(demo.AdminEmail)}); err != nil {
		t.Fatal(err)
	}
	if r := c.get("/admin/audit?tag=admin.*", "Accept", "application/json"); !strings.Contains(r.body, `"admin.brand_new_tool"`) {
		t.Errorf("the family filter does not find the new tag's row at once: %.300s", r.body)
	}
	if r := c.get("/admin/audit"); strings.Contains(r.body, option) {
		t.Error("the picker listed the tags again within tagListFor (each listing is a seek per tag)")
	}
	ta.advance(31 * time.Second)
	if r := c.get("/admin/audit"); !strings.Contains(r.body, option) {
		t.Error("a tag written for the first time is not in the picker after tagListFor")
	}
}
