package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"chargedesk/demo"
)

// The kill switch: an admin turns impersonation off with a reason; every open impersonation
// ends at once (end_via disabled, with its end row), its next page is refused, nobody can
// start one, and the console says why; a support agent cannot touch the switch; on again,
// starting works. audit verify accepts all of it.
func TestKillSwitch(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane, omar := ta.userID(demo.JaneEmail), ta.userID(demo.OmarEmail)
	sam := adminClient(t, ta)
	alex := ta.client()
	alex.login("alex@chargedesk.test")
	sup := ta.client()
	sup.login(demo.SupportEmail)
	sam.startImpersonating(jane, "SUP-K1", true)
	sup.startImpersonating(omar, "SUP-K2", false)

	if r := sup.post("/admin/settings/impersonation", url.Values{"enabled": {"false"}, "reason": {"I want out"}}); r.status != http.StatusForbidden {
		t.Errorf("a support agent turned the switch: %d", r.status)
	}
	if r := alex.post("/admin/settings/impersonation", url.Values{"enabled": {"false"}, "reason": {"  "}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Reason") {
		t.Errorf("off without a reason: %d", r.status)
	}
	if r := alex.post("/admin/settings/impersonation", url.Values{"enabled": {"maybe"}, "reason": {"x"}}); r.status != http.StatusBadRequest {
		t.Errorf("enabled=maybe: %d", r.status)
	}
	if n := ta.count(`SELECT count(*) FROM impersonations WHERE ended_at IS NULL`); n != 2 {
		t.Fatalf("refused switch changes ended impersonations: %d open", n)
	}

	r := alex.post("/admin/settings/impersonation", url.Values{"enabled": {"false"}, "reason": {"Security review of support access"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/settings?done=off&ended=2" {
		t.Fatalf("off: %d %q", r.status, r.header.Get("Location"))
	}
	if n := ta.count(`SELECT count(*) FROM impersonations WHERE end_via = 'disabled' AND end_audit_id IS NOT NULL`); n != 2 {
		t.Errorf("%d impersonations ended by the switch with their end row, want 2", n)
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'admin.settings.impersonation' AND json_extract(metadata, '$.enabled') = 0 AND json_extract(metadata, '$.reason') = 'Security review of support access'`); n != 1 {
		t.Errorf("switch rows: %d", n)
	}
	if r := sam.get(fmt.Sprintf("/?as=%d", jane)); r.status != http.StatusForbidden || strings.Contains(r.body, "Jane Doe") {
		t.Errorf("a page of an impersonation the switch ended: %d", r.status)
	}
	if r := sam.startImpersonating(jane, "SUP-K3", false); r.status != http.StatusConflict || !strings.Contains(r.body, "turned off for everyone") || !strings.Contains(r.body, "Security review of support access") {
		t.Errorf("start while off: %d %.300s", r.status, r.body)
	}
	mustContain(t, sam.get("/admin").body, "Impersonation is turned off for everyone (by Alex Admin")
	mustContain(t, sam.get(fmt.Sprintf("/admin/customers/%d/impersonate", jane)).body, `disabled aria-describedby="switch-off">Start impersonating</button>`)
	mustContain(t, sup.get("/admin/settings").body, "Only an admin can change this.")
	if err := ta.verifyAudit(); err != nil {
		t.Fatalf("audit verify with the switch off: %v", err)
	}

	if r := alex.post("/admin/settings/impersonation", url.Values{"enabled": {"true"}, "reason": {"Review done"}}); r.status != http.StatusSeeOther {
		t.Fatalf("on: %d", r.status)
	}
	if r := alex.post("/admin/settings/impersonation", url.Values{"enabled": {"true"}, "reason": {"again"}}); r.status != http.StatusConflict {
		t.Errorf("on when on: %d", r.status)
	}
	if r := sam.startImpersonating(jane, "SUP-K4", false); r.status != http.StatusSeeOther {
		t.Errorf("start after the switch is on again: %d", r.status)
	}
}
