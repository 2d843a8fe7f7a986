package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"chargedesk/demo"
)

// An insider holding one admin account, trying to be their own second pair of eyes or to keep
// credentials alive (issue 25's scenarios). Each step goes through HTTP as a person would.

var linkRE = regexp.MustCompile(`/password/set\?token=([0-9a-f]+)`)

// setPassword opens a one-time link's page and sets password through it.
func setPassword(t *testing.T, ta *testApp, token, password string) response {
	t.Helper()
	return ta.client().post("/password/set", url.Values{"token": {token}, "password": {password}})
}

// A self-made second pair of eyes: the admin asks to impersonate a protected customer, adds a
// support account, sets its password through the link they were shown, signs in as it and
// approves their own request. Refused: the approver's account was made by the requester.
func TestInsiderCannotApproveWithAHelperAccount(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	sam := adminClient(t, ta)
	protect(t, ta, sam, jane)
	if r := sam.startImpersonating(jane, "SUP-INSIDE", true); !r.awaitsApproval() {
		t.Fatalf("request: %d", r.status)
	}
	r := sam.post("/admin/staff", url.Values{"name": {"Helper"}, "email": {"helper@chargedesk.test"}, "role": {"support"}})
	m := linkRE.FindStringSubmatch(r.body)
	if r.status != http.StatusCreated || m == nil {
		t.Fatalf("create the helper: %d", r.status)
	}
	if r := setPassword(t, ta, m[1], "helper-password-1"); r.status != http.StatusOK {
		t.Fatalf("set the helper's password: %d", r.status)
	}
	helper := ta.client()
	if r := helper.post("/login", url.Values{"email": {"helper@chargedesk.test"}, "password": {"helper-password-1"}}); r.status != http.StatusSeeOther {
		t.Fatalf("helper login: %d", r.status)
	}
	var id int64
	ta.db.R.QueryRow(`SELECT id FROM impersonation_approvals WHERE customer_user_id = ?`, jane).Scan(&id)
	if r := helper.post(fmt.Sprintf("/admin/approvals/%d/approve", id), url.Values{}); r.status != http.StatusForbidden || !strings.Contains(r.body, "would not be independent") {
		t.Fatalf("the helper's approval: %d %.300s", r.status, r.body)
	}
	if r := sam.startImpersonating(jane, "SUP-INSIDE", true); !r.awaitsApproval() {
		t.Errorf("the start after a refused approval: %d, want 202 (still waiting)", r.status)
	}
	// An independent colleague's approval still counts.
	alex := ta.client()
	alex.login("alex@chargedesk.test")
	if r := alex.post(fmt.Sprintf("/admin/approvals/%d/approve", id), url.Values{}); r.status != http.StatusSeeOther {
		t.Errorf("an independent approval: %d", r.status)
	}
}

// The variant: the admin issues a fresh link for an existing support agent, sets the password
// and approves as them. Refused, and the agent's old sessions are signed out.
func TestInsiderCannotApproveAsAColleagueTheyReissued(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	riley := ta.userID(demo.SupportEmail)
	sam := adminClient(t, ta)
	protect(t, ta, sam, jane)
	rileysDesk := ta.client()
	rileysDesk.login(demo.SupportEmail) // Riley is signed in at their own desk
	sam.startImpersonating(jane, "SUP-INSIDE", false)
	r := sam.post(fmt.Sprintf("/admin/staff/%d/link", riley), url.Values{})
	m := linkRE.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no link: %d", r.status)
	}
	setPassword(t, ta, m[1], "taken-over-password")
	if r := rileysDesk.get("/admin"); r.status != http.StatusSeeOther {
		t.Errorf("Riley's own session after the password was reset: %d, want signed out (303 to login)", r.status)
	}
	asRiley := ta.client()
	if r := asRiley.post("/login", url.Values{"email": {demo.SupportEmail}, "password": {"taken-over-password"}}); r.status != http.StatusSeeOther {
		t.Fatalf("login as Riley: %d", r.status)
	}
	var id int64
	ta.db.R.QueryRow(`SELECT id FROM impersonation_approvals WHERE customer_user_id = ?`, jane).Scan(&id)
	if r := asRiley.post(fmt.Sprintf("/admin/approvals/%d/approve", id), url.Values{}); r.status != http.StatusForbidden {
		t.Fatalf("approval by a colleague the requester re-issued: %d", r.status)
	}
}

// An approval outlives the approver's reason: approved "with changes" for an admin who is
// then made a support agent. The start is refused and says why; nothing starts.
func TestDemotedRequesterCannotUseAnApprovalWithChanges(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	sam := adminClient(t, ta)
	protect(t, ta, sam, jane)
	alex := ta.client()
	alex.login("alex@chargedesk.test")
	if r := alex.startImpersonating(jane, "SUP-CHG", true); !r.awaitsApproval() {
		t.Fatalf("request: %d", r.status)
	}
	var id int64
	ta.db.R.QueryRow(`SELECT id FROM impersonation_approvals WHERE customer_user_id = ?`, jane).Scan(&id)
	if r := sam.post(fmt.Sprintf("/admin/approvals/%d/approve", id), url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("approve: %d", r.status)
	}
	if r := sam.post(fmt.Sprintf("/admin/staff/%d/role", ta.userID("alex@chargedesk.test")), url.Values{"role": {"support"}, "reason": {"Moved to support"}}); r.status != http.StatusSeeOther {
		t.Fatalf("demote: %d", r.status)
	}
	// The form still carries allow_changes from the request (the pending page's hidden field).
	r := alex.startImpersonating(jane, "SUP-CHG", true)
	if r.status != http.StatusForbidden || !(strings.Contains(r.body, "no longer an admin") || strings.Contains(r.body, "only an admin can allow changes")) {
		t.Fatalf("start by the demoted requester: %d %.300s", r.status, r.body)
	}
	if n := ta.count(`SELECT count(*) FROM impersonations WHERE ended_at IS NULL`); n != 0 {
		t.Errorf("%d impersonations started", n)
	}
	// Even without the field, the approval's "with changes" is not granted to a support agent.
	r = alex.startImpersonating(jane, "SUP-CHG", false)
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "no longer an admin") {
		t.Fatalf("start by the demoted requester, without allow_changes: %d %.300s", r.status, r.body)
	}
	if n := ta.count(`SELECT count(*) FROM impersonations WHERE ended_at IS NULL`); n != 0 {
		t.Errorf("%d impersonations started", n)
	}
}

// Credentials that stay valid: a newer link voids the older unused one, and setting a password
// through a link signs out every session the account had.
func TestCredentialHygiene(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	riley := ta.userID(demo.SupportEmail)
	sam := adminClient(t, ta)
	old := linkRE.FindStringSubmatch(sam.post(fmt.Sprintf("/admin/staff/%d/link", riley), url.Values{}).body)
	newer := linkRE.FindStringSubmatch(sam.post(fmt.Sprintf("/admin/staff/%d/link", riley), url.Values{}).body)
	if old == nil || newer == nil {
		t.Fatal("no links")
	}
	if r := setPassword(t, ta, old[1], "an-older-link-pass"); r.status != http.StatusNotFound {
		t.Errorf("the older link after a newer one: %d, want 404", r.status)
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'admin.staff.link' AND json_extract(metadata, '$.older_links_voided') = 1`); n != 1 {
		t.Errorf("%d link rows recording the voided link, want 1", n)
	}
	a, b := ta.client(), ta.client()
	a.login(demo.SupportEmail)
	b.login(demo.SupportEmail)
	if r := setPassword(t, ta, newer[1], "a-brand-new-pass"); r.status != http.StatusOK {
		t.Fatalf("the newer link: %d", r.status)
	}
	for i, c := range []*client{a, b} {
		if r := c.get("/admin"); r.status != http.StatusSeeOther || !toLogin(r.header.Get("Location")) {
			t.Errorf("session %d after the password was set: %d %s, want sent to login", i+1, r.status, r.header.Get("Location"))
		}
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'password.set' AND json_extract(metadata, '$.sessions_ended') = 2`); n != 1 {
		t.Errorf("%d password.set rows recording 2 ended sessions, want 1", n)
	}
}
