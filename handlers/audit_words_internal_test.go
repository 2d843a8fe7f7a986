package handlers

import (
	"encoding/json"
	"strings"
	"testing"
)

// Every kind of audit row reads as a sentence naming people by name and role, with the
// amounts, tickets and reasons it carries; an unknown tag still names its actor.
func TestAuditSentences(t *testing.T) {
	t.Parallel()
	sam, jane := person{1, "Sam Admin", "admin"}, person{3, "Jane Doe", "customer"}
	for _, tc := range []struct {
		tag, meta string
		want      string
	}{
		{"impersonation.start", `{"ticket":"SUP-1","reason":"receipt","allow_changes":true}`, "Sam Admin (admin) started impersonating Jane Doe — ticket SUP-1, changes allowed: \u201creceipt\u201d"},
		{"impersonation.end", `{"via":"idle","duration_s":125}`, "Sam Admin (admin) stopped impersonating Jane Doe after sitting idle, after 2 min"},
		{"admin.refund", `{"amount_cents":100,"receipt_id":25,"credit_note":"CN-2026-000002","customer_reason":"A goodwill gesture from ChargeDesk"}`,
			"Sam Admin (admin) refunded €1.00 on Jane Doe's receipt #25 (credit note CN-2026-000002), telling them \u201cA goodwill gesture from ChargeDesk\u201d"},
		{"admin.staff.role", `{"from":"support","to":"admin"}`, "Sam Admin (admin) changed Jane Doe's role from support to admin"},
		{"login.failure", `{"email":"x@example.com"}`, "A sign-in as x@example.com failed"},
		{"privilege_violation", `{"what":"impersonation start"}`, "Sam Admin (admin) was refused: impersonation start"},
		{"admin.consent.request", `{"ticket":"SUP-2","reason":"to check your receipt"}`, "Sam Admin (admin) asked Jane Doe for access to their account — ticket SUP-2: \u201cto check your receipt\u201d"},
		{"customer.consent.deny", `{"ticket":"SUP-2"}`, "Sam Admin (admin) did not let support see their account (ticket SUP-2)"},
		{"customer.consent.revoke", `{"impersonations_ended":1}`, "Sam Admin (admin) took back support's access to their account (1 impersonations ended)"},
		{"admin.access_report", `{"from":"2026-01-01T00:00:00Z","to":"2026-07-01T00:00:00Z","format":"pdf"}`, "Sam Admin (admin) made an access report of Jane Doe's account (2026-01-01 to 2026-07-01, pdf)"},
		{"session.end", `{"device":"Safari on iPhone","signed_in_from":"192.0.2.7","sessions_ended":1}`, "Sam Admin (admin) signed out a session of theirs (Safari on iPhone, from 192.0.2.7)"},
		{"session.end", `{"others":true,"sessions_ended":3}`, "Sam Admin (admin) signed out every other session of theirs (3)"},
		{"admin.staff.signout", `{"sessions_ended":2,"reason":"Laptop left open"}`, "Sam Admin (admin) signed Jane Doe out everywhere (2 sessions): \u201cLaptop left open\u201d"},
		{"something.new", `{}`, "Sam Admin (admin): something new"},
	} {
		var m meta
		if err := json.Unmarshal([]byte(tc.meta), &m); err != nil {
			t.Fatal(err)
		}
		if got := auditSentence(tc.tag, sam, jane, m); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.tag, got, tc.want)
		}
	}
	if got := (person{}).String(); got != "ChargeDesk" {
		t.Errorf("no actor: %q", got)
	}
}

// Each impersonated request reads as what the agent did on which page.
func TestRouteWords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ method, route, path, outcome, want string }{
		{"GET", "/receipts/:id", "/receipts/25?as=3", "viewed", "viewed the receipt #25"},
		{"GET", "/", "/?as=3", "viewed", "viewed the home page"},
		{"POST", "/cards/:id/block", "/cards/4/block?as=3", "changed", "blocked an EV card"},
		{"POST", "/sessions", "/sessions?as=3", "blocked", "tried to start charging — refused"},
		{"POST", startRoute, startRoute, "viewed", "opened the account"},
		{"GET", "/new/:id", "/new/7", "viewed", "viewed the page /new/:id #7"},
	} {
		if got := routeWords(tc.method, tc.route, tc.path, tc.outcome); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}
