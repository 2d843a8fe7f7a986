package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"chargedesk/demo"
)

// protect marks Jane protected as an admin would.
func protect(t *testing.T, ta *testApp, admin *client, customer int64) {
	t.Helper()
	if r := admin.post(fmt.Sprintf("/admin/customers/%d/protect", customer), url.Values{"protect": {"true"}, "reason": {"Legal hold LH-7"}}); r.status != http.StatusSeeOther {
		t.Fatalf("protect: %d %.300s", r.status, r.body)
	}
}

// Four eyes: starting on a protected customer makes a request; the requester cannot approve
// it; another staff member approves (recorded); the requester then starts, with the ticket
// and reason the approver saw (another ticket is refused), once; an approval not used in time
// expires.
func TestProtectedAccountNeedsASecondApprover(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	sam := adminClient(t, ta)
	protect(t, ta, sam, jane)
	sup := ta.client()
	sup.login(demo.SupportEmail)

	r := sup.startImpersonating(jane, "SUP-4E", false)
	if !r.awaitsApproval() {
		t.Fatalf("start on a protected customer: %d %.300s", r.status, r.body)
	}
	// The waiting page is at its own address (a reload asks nothing again), and polls itself.
	waiting := r.header.Get("Location")
	w := sup.get(waiting)
	mustContain(t, w.body, "Waiting for a colleague's approval", "Legal hold LH-7", `hx-trigger="every 2s"`, `disabled aria-describedby="approval-title">Start impersonating`)
	// The approver's nav counts it (and the requester's does not: it is their own).
	mustContain(t, sam.get("/admin/approvals/badge", "HX-Request", "true").body, `<span class="badge">1<span class="visually-hidden"> waiting for you</span>`)
	if strings.Contains(sup.get("/admin/approvals/badge", "HX-Request", "true").body, `class="badge"`) {
		t.Error("the requester's own request counts in their badge")
	}
	if n := ta.count(`SELECT count(*) FROM impersonations WHERE ended_at IS NULL`); n != 0 {
		t.Fatal("an impersonation started without approval")
	}
	var id int64
	ta.db.R.QueryRow(`SELECT id FROM impersonation_approvals WHERE customer_user_id = ?`, jane).Scan(&id)
	if r := sup.post(fmt.Sprintf("/admin/approvals/%d/approve", id), url.Values{}); r.status != http.StatusForbidden {
		t.Errorf("approving one's own request: %d", r.status)
	}
	dash := sam.get("/admin").body
	mustContain(t, dash, "Waiting for your approval", "Riley Support", "SUP-4E", fmt.Sprintf(`/admin/approvals/%d/approve`, id))
	if r := sam.post(fmt.Sprintf("/admin/approvals/%d/approve", id), url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("approve: %d %.300s", r.status, r.body)
	}
	// The waiting page's next poll is the approval, with Start focused; nobody else sees it.
	mustContain(t, sup.get(waiting+"?poll=1").body, "Approved by Sam Admin — start now", `autofocus>Start impersonating`)
	if r := sam.get(waiting); r.status != http.StatusNotFound {
		t.Errorf("another staff member's view of the waiting page: %d, want 404", r.status)
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'admin.approval.approve' AND json_extract(metadata, '$.ticket') = 'SUP-4E'`); n != 1 {
		t.Errorf("approval rows: %d", n)
	}
	// A start naming another ticket is refused with both named, and starts nothing (it used
	// to start silently with the approved ticket).
	if r := sup.startImpersonating(jane, "SUP-OTHER", false); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, "approved for ticket SUP-4E, not SUP-OTHER") {
		t.Fatalf("start after approval with another ticket: %d %.300s", r.status, r.body)
	}
	if n := ta.count(`SELECT count(*) FROM impersonations WHERE ended_at IS NULL`); n != 0 {
		t.Fatal("a start with another ticket started")
	}
	// The start uses what the approver saw.
	if r := sup.startImpersonating(jane, "SUP-4E", false); r.status != http.StatusSeeOther {
		t.Fatalf("start after approval: %d %.300s", r.status, r.body)
	}
	if n := ta.count(`SELECT count(*) FROM impersonations WHERE customer_user_id = ? AND ticket = 'SUP-4E' AND ended_at IS NULL`, jane); n != 1 {
		t.Error("the impersonation does not carry the approved ticket")
	}
	sup.post("/api/customer/impersonation/end", url.Values{})
	// Used once: a new start asks again.
	if r := sup.startImpersonating(jane, "SUP-4E2", false); !r.awaitsApproval() {
		t.Errorf("a second start on the same approval: %d", r.status)
	}
	ta.db.R.QueryRow(`SELECT max(id) FROM impersonation_approvals`).Scan(&id)
	sam.post(fmt.Sprintf("/admin/approvals/%d/approve", id), url.Values{})
	ta.advance(16 * time.Minute) // approved, never used: it expires
	sup.get("/admin")            // (the agent's login stays alive)
	if r := sup.startImpersonating(jane, "SUP-4E2", false); !r.awaitsApproval() || !strings.Contains(sup.get(r.header.Get("Location")).body, "Waiting for a colleague") {
		t.Errorf("start on an expired approval: %d %.200s", r.status, r.body)
	}
	if err := ta.verifyAudit(); err != nil {
		t.Fatal(err)
	}
}

// The customer's own grant lets support in without a second approver; revoking it ends an
// open impersonation at once; only the customer can grant (not an admin impersonating them).
func TestCustomerGrantsAndRevokesSupportAccess(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	sam := adminClient(t, ta)
	protect(t, ta, sam, jane)
	own := ta.client()
	own.login(demo.JaneEmail)
	if r := own.post("/support-access", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("grant: %d %.300s", r.status, r.body)
	}
	mustContain(t, own.get("/activity").body, "Let ChargeDesk support see this account until", "Revoke support's access now")
	if r := sam.startImpersonating(jane, "SUP-G", true); r.status != http.StatusSeeOther {
		t.Fatalf("start under the customer's grant: %d %.300s", r.status, r.body)
	}
	as := fmt.Sprintf("?as=%d", jane)
	if r := sam.post("/support-access/revoke"+as, url.Values{}); r.status != http.StatusForbidden {
		t.Errorf("an admin revoking on the customer's behalf: %d", r.status)
	}
	if r := own.post("/support-access/revoke", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.status)
	}
	if n := ta.count(`SELECT count(*) FROM impersonations WHERE customer_user_id = ? AND end_via = 'grant_revoked' AND end_audit_id IS NOT NULL`, jane); n != 1 {
		t.Errorf("impersonations ended by the revocation: %d", n)
	}
	if r := sam.get("/" + as); r.status != http.StatusForbidden {
		t.Errorf("a page after the revocation: %d", r.status)
	}
	if r := sam.startImpersonating(jane, "SUP-G2", false); !r.awaitsApproval() {
		t.Errorf("start after the revocation: %d, want a request for approval", r.status)
	}
	if err := ta.verifyAudit(); err != nil {
		t.Fatal(err)
	}
}

// An approval raced by 20 starts is used once: one impersonation starts.
func TestApprovalIsUsedOnceUnderARace(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	sam := adminClient(t, ta)
	protect(t, ta, sam, jane)
	sup := ta.client()
	sup.login(demo.SupportEmail)
	sup.startImpersonating(jane, "SUP-RACE", false)
	var id int64
	ta.db.R.QueryRow(`SELECT id FROM impersonation_approvals`).Scan(&id)
	sam.post(fmt.Sprintf("/admin/approvals/%d/approve", id), url.Values{})
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := sup.startImpersonating(jane, "SUP-RACE", false); r.status >= 500 {
				t.Errorf("racing start: %d %.200s", r.status, r.body)
			}
		}()
	}
	wg.Wait()
	if n := ta.count(`SELECT count(*) FROM impersonations WHERE customer_user_id = ?`, jane); n != 1 {
		t.Errorf("%d impersonations started on one approval, want 1", n)
	}
	if n := ta.count(`SELECT count(*) FROM impersonation_approvals WHERE id = ? AND used_at IS NOT NULL`, id); n != 1 {
		t.Error("the approval is not marked used")
	}
}
