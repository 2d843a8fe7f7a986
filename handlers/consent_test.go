package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"chargedesk/demo"
)

// Consent on request, through the real router: the agent asks, the customer sees it on her
// next page and allows it for an hour, the agent starts on the protected account without a
// colleague, the customer revokes and the impersonation ends at once; each step is a chain
// row. A request left unanswered expires; an expired or answered request cannot be answered.
func TestConsentOnRequest(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	sam := adminClient(t, ta)
	protect(t, ta, sam, jane)
	own := ta.client()
	own.login(demo.JaneEmail)
	ask := func(c *client, line string) response {
		return c.post(fmt.Sprintf("/admin/customers/%d/consent", jane), url.Values{"ticket": {line}})
	}

	if r := ask(sam, "SUP-9: to check your receipt"); r.status != http.StatusSeeOther {
		t.Fatalf("ask: %d %.300s", r.status, r.body)
	}
	if r := ask(sam, "SUP-9: again"); r.status != http.StatusConflict || !strings.Contains(r.body, "already asked this customer") {
		t.Errorf("asking twice: %d", r.status)
	}
	if r := ask(sam, "SUP-9"); r.status != http.StatusUnprocessableEntity {
		t.Errorf("asking without a reason: %d", r.status)
	}
	mustContain(t, sam.get(fmt.Sprintf("/admin/customers/%d", jane)).body, "waiting for the answer", "SUP-9: to check your receipt")
	home := own.get("/").body
	mustContain(t, home, "ChargeDesk support asks to see your account", "to check your receipt", `value="1h"`, `value="deny"`)
	var id int64
	ta.db.R.QueryRow(`SELECT id FROM consent_requests WHERE customer_user_id = ?`, jane).Scan(&id)
	answer := func(c *client, v string) response {
		return c.post(fmt.Sprintf("/support-access/requests/%d", id), url.Values{"answer": {v}})
	}

	// Before the answer, the protected account still needs a colleague.
	if r := sam.startImpersonating(jane, "SUP-9", false); !r.awaitsApproval() {
		t.Fatalf("start before the answer: %d, want a request for approval", r.status)
	}
	for _, bad := range []string{"", "forever", "2h"} {
		if r := answer(own, bad); r.status != http.StatusUnprocessableEntity {
			t.Errorf("answer %q: %d, want 422", bad, r.status)
		}
	}
	if r := answer(own, "1h"); r.status != http.StatusSeeOther {
		t.Fatalf("allow for an hour: %d %.300s", r.status, r.body)
	}
	if r := answer(own, "deny"); r.status != http.StatusConflict {
		t.Errorf("answering again: %d, want 409", r.status)
	}
	if strings.Contains(own.get("/").body, "asks to see your account") {
		t.Error("an answered request is still shown to the customer")
	}
	mustContain(t, own.get("/activity").body, "ChargeDesk support asked to see this account (ticket SUP-9)", "Let ChargeDesk support see this account until")
	mustContain(t, sam.get(fmt.Sprintf("/admin/customers/%d", jane)).body, "allowed until")
	if r := sam.startImpersonating(jane, "SUP-9", false); r.status != http.StatusSeeOther || r.awaitsApproval() {
		t.Fatalf("start within the grant: %d %s", r.status, r.header.Get("Location"))
	}
	as := fmt.Sprintf("?as=%d", jane)
	if r := sam.get("/" + as); r.status != http.StatusOK {
		t.Fatalf("a page within the grant: %d", r.status)
	}
	if r := own.post("/support-access/revoke", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.status)
	}
	if r := sam.get("/" + as); r.status != http.StatusForbidden {
		t.Errorf("the agent's next page after the revocation: %d, want 403", r.status)
	}
	mustContain(t, sam.get(fmt.Sprintf("/admin/customers/%d", jane)).body, "allowed, then taken back")
	for _, tag := range []string{"admin.consent.request", "customer.consent.allow", "customer.consent.revoke"} {
		if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = ? AND target_user_id = ?`, tag, jane); n != 1 {
			t.Errorf("%s rows: %d, want 1", tag, n)
		}
	}
	if n := ta.count(`SELECT count(*) FROM impersonations WHERE customer_user_id = ? AND end_via = 'grant_revoked'`, jane); n != 1 {
		t.Errorf("impersonations ended by the revocation: %d", n)
	}

	// Unanswered for three days: expired, and the customer can no longer answer it.
	if r := ask(sam, "SUP-10: the lost card"); r.status != http.StatusSeeOther {
		t.Fatalf("ask again: %d", r.status)
	}
	ta.db.R.QueryRow(`SELECT max(id) FROM consent_requests`).Scan(&id)
	ta.advance(73 * time.Hour)
	own.login(demo.JaneEmail)
	if strings.Contains(own.get("/").body, "the lost card") {
		t.Error("an expired request is still shown")
	}
	if r := answer(own, "24h"); r.status != http.StatusConflict || !strings.Contains(r.body, "expired") {
		t.Errorf("answering an expired request: %d", r.status)
	}
	sam = adminClient(t, ta)
	mustContain(t, sam.get(fmt.Sprintf("/admin/customers/%d", jane)).body, "expired unanswered")
	if n := ta.count(`SELECT count(*) FROM support_grants WHERE customer_user_id = ? AND revoked_at IS NULL AND expires_at > ?`, jane, ta.now().Unix()); n != 0 {
		t.Errorf("grants in force after an expired request: %d", n)
	}
	if err := ta.verifyAudit(); err != nil {
		t.Fatal(err)
	}
}
