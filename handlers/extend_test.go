package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"chargedesk/db"
	"chargedesk/demo"
)

// expiry is the admin's active impersonation's expires_at and started_at.
func (ta *testApp) expiry(admin int64) (expires, started int64) {
	ta.t.Helper()
	if err := ta.db.R.QueryRow(`SELECT expires_at, started_at FROM impersonations WHERE admin_user_id = ? AND ended_at IS NULL`, admin).Scan(&expires, &started); err != nil {
		ta.t.Fatal(err)
	}
	return expires, started
}

// verifyAudit runs audit verify on a read-only handle of the test database.
func (ta *testApp) verifyAudit() error {
	r, err := db.OpenReadOnly(context.Background(), ta.db.Path)
	if err != nil {
		ta.t.Fatal(err)
	}
	defer r.Close()
	_, err = ta.trail.Verify(context.Background(), r, "", time.Now().Add(time.Duration(ta.offset.Load())))
	return err
}

// Extend: the banner offers it near the end (banner.js earlier, at the warning); each click
// adds the TTL, recorded as impersonation.extend with the old and new expiry and as a route
// row, back on the page it was clicked on; at the maximum it is refused with the reason;
// audit verify accepts the extensions and catches an expiry moved without one.
func TestExtendImpersonation(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	adminID := ta.userID(demo.AdminEmail)
	admin := adminClient(t, ta)
	admin.startImpersonating(jane, "SUP-EXT", false)
	as := fmt.Sprintf("?as=%d", jane)

	home := admin.get("/" + as).body
	mustContain(t, home, `data-extend="30 min"`)
	if strings.Contains(home, "/api/customer/impersonation/extend") {
		t.Error("Extend is offered 30 minutes before the end; it should show in the last 10")
	}
	for range 7 { // 21 minutes of work on the account, never idle
		ta.advance(3 * time.Minute)
		admin.get("/sessions" + as)
	}
	cards := admin.get("/cards" + as).body
	mustContain(t, cards, `<form method="post" action="/api/customer/impersonation/extend"><button>Extend 30 min</button></form>`)

	before, started := ta.expiry(adminID)
	r := admin.post("/api/customer/impersonation/extend", url.Values{}, "Referer", admin.base+"/cards"+as)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/cards"+as {
		t.Fatalf("extend: %d to %q, want 303 back to /cards%s", r.status, r.header.Get("Location"), as)
	}
	after, _ := ta.expiry(adminID)
	if after != before+1800 {
		t.Fatalf("expires_at %d → %d, want 30 minutes later", before, after)
	}
	var meta string
	if err := ta.db.R.QueryRow(`SELECT metadata FROM auth_audit WHERE tag = 'impersonation.extend' AND actor_user_id = ?`, adminID).Scan(&meta); err != nil {
		t.Fatal("no impersonation.extend row:", err)
	}
	var m map[string]any
	json.Unmarshal([]byte(meta), &m)
	if m["previous_expires_at"] != float64(before) || m["expires_at"] != float64(after) || m["ticket"] != "SUP-EXT" {
		t.Errorf("extend metadata: %s", meta)
	}
	if n := ta.count(`SELECT count(*) FROM impersonation_audit WHERE route = '/api/customer/impersonation/extend' AND outcome = 'changed'`); n != 1 {
		t.Errorf("%d route rows for the extension, want 1", n)
	}
	if err := ta.verifyAudit(); err != nil {
		t.Fatalf("audit verify after an extension: %v", err)
	}
	// A Referer without this customer's marker would end the impersonation: home instead.
	r = admin.post("/api/customer/impersonation/extend", url.Values{}, "Referer", admin.base+"/cards")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/"+as {
		t.Errorf("extend from a page without the marker: %d to %q", r.status, r.header.Get("Location"))
	}
	// Up to the maximum (2 h after the start): 30 + 30 + 30 + 30 minutes, then refused.
	r = admin.post("/api/customer/impersonation/extend", url.Values{}, "Accept", "application/json")
	if r.status != http.StatusOK {
		t.Fatalf("third extension: %d %s", r.status, r.body)
	}
	if exp, _ := ta.expiry(adminID); exp != started+7200 {
		t.Fatalf("after three extensions it runs to %d, want the maximum %d", exp, started+7200)
	}
	mustContain(t, admin.get("/"+as).body, `class="left" data-expires=`)
	if strings.Contains(admin.get("/"+as).body, "data-extend") {
		t.Error("the banner still offers Extend at the maximum")
	}
	r = admin.post("/api/customer/impersonation/extend", url.Values{})
	if r.status != http.StatusConflict || !strings.Contains(r.body, "the most allowed (2 h after it started)") {
		t.Errorf("extension past the maximum: %d %.300s", r.status, r.body)
	}
	if err := ta.verifyAudit(); err != nil {
		t.Fatalf("audit verify after three extensions: %v", err)
	}

	// A customer cannot extend anything (and it is recorded); an admin impersonating no one
	// gets 404 with a sentence.
	own := ta.client()
	own.login(demo.JaneEmail)
	violations := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'privilege_violation'`)
	if r := own.post("/api/customer/impersonation/extend", url.Values{}); r.status != http.StatusForbidden {
		t.Errorf("a customer's extend: %d", r.status)
	}
	if ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'privilege_violation'`) != violations+1 {
		t.Error("a customer's extend was not recorded as a privilege violation")
	}
	admin.post("/api/customer/impersonation/end", url.Values{})
	if r := admin.post("/api/customer/impersonation/extend", url.Values{}); r.status != http.StatusNotFound || !strings.Contains(r.body, "not impersonating anyone") {
		t.Errorf("extend with no impersonation: %d %.200s", r.status, r.body)
	}
	if err := ta.verifyAudit(); err != nil {
		t.Fatalf("audit verify after the end: %v", err)
	}
}

// The database lets an active impersonation's expiry move only later, and audit verify names
// an expiry moved without its impersonation.extend row (on a copy an attacker edits).
func TestExtensionWithoutRowIsCaught(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	admin := adminClient(t, ta)
	admin.startImpersonating(jane, "SUP-T", false)
	if _, err := ta.db.W.Exec(`UPDATE impersonations SET expires_at = expires_at - 60 WHERE ended_at IS NULL`); err == nil || !strings.Contains(err.Error(), "only be extended while active") {
		t.Errorf("moving the expiry earlier: %v", err)
	}
	if _, err := ta.db.W.Exec(`UPDATE impersonations SET expires_at = expires_at + 3600 WHERE ended_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	if err := ta.verifyAudit(); err == nil || !strings.Contains(err.Error(), "its expiry is not what its impersonation.start and .extend rows say") {
		t.Errorf("audit verify of an expiry moved without a row: %v", err)
	}
	admin.post("/api/customer/impersonation/end", url.Values{})
	if _, err := ta.db.W.Exec(`UPDATE impersonations SET expires_at = expires_at + 60`); err == nil {
		t.Error("an ended impersonation's expiry moved")
	}
}
