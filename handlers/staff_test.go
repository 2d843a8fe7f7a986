package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"chargedesk/demo"
)

// Staff management: an admin adds a support agent and gets a one-time link; the link sets a
// password once; the new agent logs in; the admin promotes, disables (logged out at once) and
// enables them, each recorded; a customer is disabled from the console with a reason and
// impersonations of them end; support agents cannot reach any of it.
func TestStaffManagement(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := adminClient(t, ta)
	r := admin.post("/admin/staff", url.Values{"name": {"Nia New"}, "email": {"nia@chargedesk.test"}, "role": {"support"}})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %.300s", r.status, r.body)
	}
	m := regexp.MustCompile(`(/password/set\?token=[0-9a-f]+)`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no link on the page: %.500s", r.body)
	}
	link := m[1]
	nia := ta.userID("nia@chargedesk.test")
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'admin.staff.create' AND target_user_id = ?`, nia); n != 1 {
		t.Errorf("admin.staff.create rows: %d", n)
	}
	if n := ta.count(`SELECT count(*) FROM password_tokens WHERE token_hash = ?`, strings.TrimPrefix(link, "/password/set?token=")); n != 0 {
		t.Error("the token is stored in clear")
	}
	if r := admin.post("/admin/staff", url.Values{"name": {"Dup"}, "email": {"NIA@chargedesk.test"}, "role": {"support"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "already exists") {
		t.Errorf("a second account with the same email: %d", r.status)
	}
	if r := admin.post("/admin/staff", url.Values{"name": {"X"}, "email": {"x@chargedesk.test"}, "role": {"customer"}}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("staff with role customer: %d", r.status)
	}

	visitor := ta.client()
	mustContain(t, visitor.get(link).body, "Set your password", "nia@chargedesk.test")
	token := strings.TrimPrefix(link, "/password/set?token=")
	if r := visitor.post("/password/set", url.Values{"token": {token}, "password": {"short"}}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("a short password: %d", r.status)
	}
	if r := visitor.post("/password/set", url.Values{"token": {token}, "password": {"a-long-new-password"}}); r.status != http.StatusOK || !strings.Contains(r.body, "Your password is set") {
		t.Fatalf("set password: %d %.300s", r.status, r.body)
	}
	if r := visitor.post("/password/set", url.Values{"token": {token}, "password": {"another-password-1"}}); r.status != http.StatusNotFound {
		t.Errorf("the link used twice: %d", r.status)
	}
	if r := visitor.get("/password/set?token=nonsense"); r.status != http.StatusNotFound || !strings.Contains(r.body, "This link does not work") {
		t.Errorf("a made-up link: %d", r.status)
	}
	niaC := ta.client()
	if r := niaC.post("/login", url.Values{"email": {"nia@chargedesk.test"}, "password": {"a-long-new-password"}}); r.status != http.StatusSeeOther {
		t.Fatalf("the new agent's login: %d", r.status)
	}
	if r := niaC.get("/admin/staff"); r.status != http.StatusForbidden {
		t.Errorf("a support agent on the staff page: %d", r.status)
	}

	if r := admin.post(fmt.Sprintf("/admin/staff/%d/role", nia), url.Values{"role": {"admin"}, "reason": {"Team lead"}}); r.status != http.StatusSeeOther {
		t.Fatalf("promote: %d %.300s", r.status, r.body)
	}
	if r := niaC.get("/admin/staff"); r.status != http.StatusOK {
		t.Errorf("promoted, on her next request the staff page: %d", r.status)
	}
	adminID := ta.userID(demo.AdminEmail)
	if r := admin.post(fmt.Sprintf("/admin/staff/%d/role", adminID), url.Values{"role": {"support"}, "reason": {"x"}}); r.status != http.StatusConflict {
		t.Errorf("an admin changing their own role: %d", r.status)
	}
	if r := admin.post(fmt.Sprintf("/admin/staff/%d/status", nia), url.Values{"enabled": {"false"}, "reason": {"Left the team"}}); r.status != http.StatusSeeOther {
		t.Fatalf("disable: %d", r.status)
	}
	if n := ta.count(`SELECT count(*) FROM web_sessions WHERE user_id = ?`, nia); n != 0 {
		t.Errorf("%d sessions left after disabling", n)
	}
	if r := niaC.get("/admin"); r.status != http.StatusSeeOther {
		t.Errorf("a disabled agent's next request: %d, want the login redirect", r.status)
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag IN ('admin.staff.role', 'admin.staff.disable') AND target_user_id = ?`, nia); n != 2 {
		t.Errorf("role and disable rows: %d", n)
	}

	// A customer disabled from the console: logged out, and an open impersonation of them ends.
	jane := ta.userID(demo.JaneEmail)
	own := ta.client()
	own.login(demo.JaneEmail)
	alex := ta.client()
	alex.login("alex@chargedesk.test")
	alex.startImpersonating(jane, "SUP-D", false)
	if r := admin.post(fmt.Sprintf("/admin/customers/%d/status", jane), url.Values{"enabled": {"false"}, "reason": {"Fraud report FR-9"}}); r.status != http.StatusSeeOther || !strings.HasSuffix(r.header.Get("Location"), "#account") {
		t.Fatalf("disable a customer: %d %q", r.status, r.header.Get("Location"))
	}
	mustContain(t, admin.get(fmt.Sprintf("/admin/customers/%d?notice=disabled", jane)).body, "The account is disabled: the customer is logged out everywhere")
	if r := own.get("/"); r.status != http.StatusSeeOther {
		t.Errorf("the disabled customer's next request: %d", r.status)
	}
	if r := alex.get(fmt.Sprintf("/?as=%d", jane)); r.status != http.StatusForbidden || strings.Contains(r.body, "Jane Doe's") {
		t.Errorf("impersonating a disabled customer: %d", r.status)
	}
	if n := ta.count(`SELECT count(*) FROM impersonations WHERE customer_user_id = ? AND end_via = 'customer_disabled'`, jane); n != 1 {
		t.Errorf("impersonations ended as customer_disabled: %d", n)
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'admin.customer.disable' AND json_extract(metadata, '$.reason') = 'Fraud report FR-9'`); n != 1 {
		t.Errorf("admin.customer.disable rows: %d", n)
	}
	sup := ta.client()
	sup.login(demo.SupportEmail)
	if r := sup.post(fmt.Sprintf("/admin/customers/%d/status", jane), url.Values{"enabled": {"true"}, "reason": {"x"}}); r.status != http.StatusForbidden {
		t.Errorf("a support agent enabling a customer: %d", r.status)
	}
	if err := ta.verifyAudit(); err != nil {
		t.Fatalf("audit verify: %v", err)
	}
}

// A one-time link raced by 50 requests sets the password once: one success, the rest refused.
func TestPasswordLinkWorksOnceUnderARace(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := adminClient(t, ta)
	r := admin.post("/admin/staff", url.Values{"name": {"Race"}, "email": {"race@chargedesk.test"}, "role": {"support"}})
	m := regexp.MustCompile(`/password/set\?token=([0-9a-f]+)`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no link: %d", r.status)
	}
	var wg sync.WaitGroup
	var ok, refused atomic.Int32
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := ta.client()
			r := c.post("/password/set", url.Values{"token": {m[1]}, "password": {fmt.Sprintf("racing-password-%02d", i)}})
			switch r.status {
			case http.StatusOK:
				ok.Add(1)
			case http.StatusNotFound:
				refused.Add(1)
			default:
				t.Errorf("racing set: %d %.200s", r.status, r.body)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 || refused.Load() != 49 {
		t.Errorf("%d successes and %d refusals, want 1 and 49", ok.Load(), refused.Load())
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'password.set'`); n != 1 {
		t.Errorf("password.set rows: %d, want 1", n)
	}
}
