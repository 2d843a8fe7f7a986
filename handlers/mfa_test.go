package handlers_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"chargedesk/demo"
	"chargedesk/mfa"
)

// now is the app's clock.
func (ta *testApp) now() time.Time { return time.Now().Add(time.Duration(ta.offset.Load())) }

// enrolTOTP gives email an authenticator app (as `chargedesk user mfa --totp` does) and
// returns its secret and recovery codes.
func (ta *testApp) enrolTOTP(email string) (secret string, codes []string) {
	ta.t.Helper()
	id := ta.userID(email)
	err := ta.db.CriticalTx(context.Background(), func(tx *sql.Tx) error {
		e, c, err := mfa.EnrolTOTP(context.Background(), tx, ta.trail, id, email, mfa.By{Actor: id, Now: ta.now()})
		secret, codes = e.Secret, c
		return err
	})
	if err != nil {
		ta.t.Fatal(err)
	}
	return secret, codes
}

// code is the authenticator app's code for secret now (the app's clock). Two codes for one
// account need 30 s between them (ta.advance): a code is accepted once.
func (ta *testApp) code(secret string) string {
	ta.t.Helper()
	c, err := totp.GenerateCode(secret, ta.now())
	if err != nil {
		ta.t.Fatal(err)
	}
	return c
}

// loginWithCode signs in with the demo password and then the code.
func (c *client) loginWithCode(email, code string) {
	c.t.Helper()
	r := c.post("/login", url.Values{"email": {email}, "password": {demo.DefaultPassword}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login/verify" {
		c.t.Fatalf("login %s: %d to %q, want 303 to /login/verify", email, r.status, r.header.Get("Location"))
	}
	if r := c.post("/login/verify", url.Values{"code": {code}}); r.status != http.StatusSeeOther {
		c.t.Fatalf("second step %s: %d %.300s", email, r.status, r.body)
	}
}

// lastAudit is the metadata of the newest auth_audit row tagged tag.
func (ta *testApp) lastAudit(tag string) map[string]any {
	ta.t.Helper()
	var meta string
	if err := ta.db.R.QueryRow(`SELECT metadata FROM auth_audit WHERE tag = ? ORDER BY id DESC LIMIT 1`, tag).Scan(&meta); err != nil {
		ta.t.Fatalf("no %s row: %v", tag, err)
	}
	var m map[string]any
	json.Unmarshal([]byte(meta), &m)
	return m
}

// After a right password, an account with a factor has no session until the second step: a
// wrong code is refused and recorded, a right one signs in (once: the same code in another
// browser is refused), a recovery code works once and warns.
func TestSignInTakesTwoSteps(t *testing.T) {
	t.Parallel()
	ta := newTestAppWith(t, appOptions{requireMFA: true})
	secret, codes := ta.enrolTOTP(demo.AdminEmail)

	b := ta.client()
	r := b.post("/login", url.Values{"email": {demo.AdminEmail}, "password": {demo.DefaultPassword}, "next": {"/admin/audit"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login/verify" {
		t.Fatalf("password: %d to %q, want the second step", r.status, r.header.Get("Location"))
	}
	if r := b.get("/admin"); r.status != http.StatusSeeOther || !toLogin(r.header.Get("Location")) {
		t.Fatalf("the console after the password alone: %d to %q, want the login page", r.status, r.header.Get("Location"))
	}
	if r := b.get("/admin/customers", "Accept", "application/json"); r.status != http.StatusUnauthorized {
		t.Errorf("JSON after the password alone: %d, want 401", r.status)
	}
	if r := b.get("/login/verify"); r.status != http.StatusOK || !strings.Contains(r.body, `name="code"`) {
		t.Fatalf("the second step's page: %d", r.status)
	}
	if r := b.post("/login/verify", url.Values{"code": {"000000"}}); r.status != http.StatusUnauthorized || !strings.Contains(r.body, "That code is not right") {
		t.Fatalf("a wrong code: %d %.200s", r.status, r.body)
	}
	if m := ta.lastAudit("login.failure"); m["step"] != "second factor" {
		t.Errorf("the wrong code's row: %v", m)
	}
	code := ta.code(secret)
	if r := b.post("/login/verify", url.Values{"code": {code}}); r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/audit" {
		t.Fatalf("the right code: %d to %q, want /admin/audit", r.status, r.header.Get("Location"))
	}
	if r := b.get("/admin"); r.status != http.StatusOK {
		t.Fatalf("the console after both steps: %d", r.status)
	}
	if m := ta.lastAudit("login.success"); m["factor"] != "totp" {
		t.Errorf("login.success: %v, want factor totp", m)
	}
	// The same code again (someone who watched it typed): refused.
	thief := ta.client()
	thief.post("/login", url.Values{"email": {demo.AdminEmail}, "password": {demo.DefaultPassword}})
	if r := thief.post("/login/verify", url.Values{"code": {code}}); r.status != http.StatusUnauthorized || !strings.Contains(r.body, "used already") {
		t.Fatalf("a replayed code: %d %.200s", r.status, r.body)
	}
	// A recovery code signs in once, and warns.
	lost := ta.client()
	lost.post("/login", url.Values{"email": {demo.AdminEmail}, "password": {demo.DefaultPassword}})
	r = lost.post("/login/verify", url.Values{"code": {strings.ToUpper(codes[0])}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/account/security?done=recovery-used&left=9") {
		t.Fatalf("a recovery code: %d to %q", r.status, r.header.Get("Location"))
	}
	if r := lost.get(r.header.Get("Location")); !strings.Contains(r.body, "9 left") {
		t.Errorf("no warning after a recovery code: %.300s", r.body)
	}
	if m := ta.lastAudit("mfa.recovery.use"); m["remaining"] != float64(9) {
		t.Errorf("mfa.recovery.use: %v", m)
	}
	again := ta.client()
	again.post("/login", url.Values{"email": {demo.AdminEmail}, "password": {demo.DefaultPassword}})
	if r := again.post("/login/verify", url.Values{"code": {codes[0]}}); r.status != http.StatusUnauthorized {
		t.Errorf("a recovery code used twice: %d, want 401", r.status)
	}
}

// Guessing codes counts against the login limits, like guessing passwords.
func TestCodeGuessesAreLimited(t *testing.T) {
	t.Parallel()
	ta := newTestAppWith(t, appOptions{requireMFA: true})
	ta.enrolTOTP(demo.AdminEmail)
	b := ta.client()
	b.post("/login", url.Values{"email": {demo.AdminEmail}, "password": {demo.DefaultPassword}})
	for i := 0; i < 30; i++ {
		r := b.post("/login/verify", url.Values{"code": {fmt.Sprintf("%06d", i)}})
		if r.status == http.StatusTooManyRequests {
			if r.header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			return
		}
		if r.status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, r.status)
		}
	}
	t.Fatal("30 wrong codes and no 429")
}

var secretRE = regexp.MustCompile(`<code class="secret">([A-Z2-7]+)</code>`)
var factorIDRE = regexp.MustCompile(`name="factor_id" value="(\d+)"`)
var recoveryRE = regexp.MustCompile(`<li><code>([a-z2-7]{4}(-[a-z2-7]{4}){5})</code></li>`)

// With --require-staff-mfa, a staff member without a factor signs in only to enrol one: every
// other page sends them to the Security page (JSON: 403); once enrolled, the console opens.
// Customers are not asked.
func TestStaffMustEnrolUnderThePolicy(t *testing.T) {
	t.Parallel()
	ta := newTestAppWith(t, appOptions{requireMFA: true})
	b := ta.client()
	b.login(demo.SupportEmail)
	for _, path := range []string{"/admin", "/admin/customers", "/admin/audit", "/?as=3"} {
		if r := b.get(path); r.status != http.StatusSeeOther || r.header.Get("Location") != "/account/security" {
			t.Errorf("GET %s without a factor: %d to %q, want the Security page", path, r.status, r.header.Get("Location"))
		}
	}
	jane := ta.userID(demo.JaneEmail)
	if r := b.post("/api/customer/impersonation/start", url.Values{"customer_user_id": {fmt.Sprint(jane)}, "ticket": {"SUP-1"}, "reason": {"check"}}); r.status != http.StatusForbidden {
		t.Errorf("start without a factor: %d, want 403", r.status)
	}
	if n := ta.count(`SELECT count(*) FROM impersonations`); n != 0 {
		t.Errorf("%d impersonations started by a staff member without a factor", n)
	}
	r := b.get("/account/security")
	mustContain(t, r.body, "Add a second factor to continue")
	r = b.post("/account/totp", url.Values{})
	sec, fid := secretRE.FindStringSubmatch(r.body), factorIDRE.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || sec == nil || fid == nil || !strings.Contains(r.body, "data:image/png;base64,") {
		t.Fatalf("enrolment page: %d %.300s", r.status, r.body)
	}
	if r := b.post("/account/totp/confirm", url.Values{"factor_id": {fid[1]}, "code": {"123456"}}); r.status != http.StatusUnprocessableEntity || !secretRE.MatchString(r.body) {
		t.Fatalf("a wrong first code: %d (the enrolment must stay on the page)", r.status)
	}
	r = b.post("/account/totp/confirm", url.Values{"factor_id": {fid[1]}, "code": {ta.code(sec[1])}})
	if got := recoveryRE.FindAllStringSubmatch(r.body, -1); r.status != http.StatusOK || len(got) != 10 {
		t.Fatalf("confirm: %d with %d recovery codes shown, want 10", r.status, len(got))
	}
	if r := b.get("/admin"); r.status != http.StatusOK {
		t.Errorf("the console after enrolling: %d", r.status)
	}
	// A customer is not asked for a factor.
	j := ta.client()
	j.login(demo.JaneEmail)
	if r := j.get("/"); r.status != http.StatusOK {
		t.Errorf("a customer under the staff policy: %d", r.status)
	}
}

// stepUpRoutes are the sensitive actions: each needs a factor used within the window.
var stepUpRoutes = []string{
	"/api/customer/impersonation/start",
	"/admin/approvals/1/approve",
	"/admin/charges/1/refund",
	"/admin/reservations/1/restore",
	"/admin/cards/1/reissue",
	"/admin/sessions/1/force-stop",
	"/admin/chargers",
	"/admin/chargers/1/password",
	"/admin/chargers/1/call",
	"/admin/staff",
	"/admin/staff/2/role",
	"/admin/staff/2/status",
	"/admin/staff/2/link",
	"/admin/staff/2/factors/reset",
	"/admin/staff/2/signout",
	"/admin/customers/3/status",
	"/admin/customers/3/protect",
	"/admin/reviews",
	"/admin/reviews/1/decisions",
	"/admin/reviews/1/signoff",
	"/admin/settings/impersonation",
	"/account/recovery-codes",
	"/account/factors/1/delete",
	"/account/sessions/end",
	"/account/sessions/end-others",
}

// Every sensitive action, with the factor older than the step-up window, is refused (401, a
// page asking for the factor that keeps the form) and changes nothing; with a code it
// proceeds, its audit row naming the factor and its age; within the window it asks no more.
func TestSensitiveActionsNeedARecentFactor(t *testing.T) {
	t.Parallel()
	ta := newTestAppWith(t, appOptions{requireMFA: true})
	secret, _ := ta.enrolTOTP(demo.AdminEmail)
	sam := ta.client()
	sam.loginWithCode(demo.AdminEmail, ta.code(secret))
	ta.advanceKeepingLogin(sam, 16*time.Minute)

	rows := ta.count(`SELECT count(*) FROM auth_audit`)
	for _, path := range stepUpRoutes {
		r := sam.post(path, url.Values{"reason": {"kept"}, "ticket": {"SUP-9"}})
		if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "Confirm it") || !strings.Contains(r.body, `name="reason" value="kept"`) {
			t.Errorf("POST %s without a recent factor: %d, want 401 asking for it with the form kept; %.200s", path, r.status, r.body)
		}
	}
	if after := ta.count(`SELECT count(*) FROM auth_audit`); after != rows {
		t.Errorf("refused actions wrote %d audit rows", after-rows)
	}
	jane := ta.userID(demo.JaneEmail)
	start := url.Values{"customer_user_id": {fmt.Sprint(jane)}, "ticket": {"SUP-9"}, "reason": {"Check the receipt"}}
	if r := sam.post("/api/customer/impersonation/start", start, "Accept", "application/json"); r.status != http.StatusUnauthorized || !strings.Contains(r.body, `"step_up":true`) {
		t.Errorf("JSON start without a factor: %d %s", r.status, r.body)
	}
	before := sam.cookie()
	start.Set("code", ta.code(secret))
	if r := sam.post("/api/customer/impersonation/start", start); r.status != http.StatusSeeOther {
		t.Fatalf("start with a code: %d %.300s", r.status, r.body)
	}
	// The step-up gave the session a new id: the cookie from before it signs nobody in.
	if sam.cookie() == before {
		t.Error("the session id did not change at the step-up")
	}
	old := ta.client()
	u, _ := url.Parse(old.base)
	old.http.Jar.SetCookies(u, []*http.Cookie{{Name: "chargedesk_session", Value: before}})
	if r := old.get("/admin"); r.status != http.StatusSeeOther || !toLogin(r.header.Get("Location")) {
		t.Errorf("the cookie from before the step-up: %d, want the login page", r.status)
	}
	if m := ta.lastAudit("impersonation.start"); m["factor"] != "totp" || m["factor_age_s"] != float64(0) {
		t.Errorf("impersonation.start row: %v, want factor totp and its age", m)
	}
	sam.post("/api/customer/impersonation/end", url.Values{})
	// Within the window: no code asked; the age is recorded.
	ta.advance(2 * time.Minute)
	if r := sam.post("/admin/settings/impersonation", url.Values{"enabled": {"false"}, "reason": {"Incident INC-7"}}); r.status == http.StatusUnauthorized {
		t.Fatalf("kill switch within the window: %d", r.status)
	}
	if m := ta.lastAudit("admin.settings.impersonation"); m["factor"] != "totp" || m["factor_age_s"].(float64) < 120 {
		t.Errorf("kill switch row: %v, want factor totp aged 2 min", m)
	}
}

// Without the policy and without a factor (the demo), sensitive actions proceed and their
// rows say factor none.
func TestWithoutThePolicyActionsRecordNoFactor(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	sam := adminClient(t, ta)
	jane := ta.userID(demo.JaneEmail)
	if r := sam.startImpersonating(jane, "SUP-DEMO", false); r.status != http.StatusSeeOther {
		t.Fatalf("start in the demo: %d", r.status)
	}
	if m := ta.lastAudit("impersonation.start"); m["factor"] != "none" {
		t.Errorf("impersonation.start: %v, want factor none", m)
	}
	if r := sam.get("/admin"); !strings.Contains(r.body, "Second factor not required (demo)") {
		t.Error("the console does not say that no second factor is required")
	}
}

// Removing your last factor signs out your other sessions and drops the recovery codes; an
// admin resetting a colleague's factors signs them out everywhere and is recorded, and for 7
// days their approval of that admin's requests does not count.
func TestRemovingAndResettingFactors(t *testing.T) {
	t.Parallel()
	ta := newTestAppWith(t, appOptions{requireMFA: true})
	secret, _ := ta.enrolTOTP(demo.AdminEmail)
	alexSecret, _ := ta.enrolTOTP("alex@chargedesk.test")
	sam := ta.client()
	sam.loginWithCode(demo.AdminEmail, ta.code(secret))
	alex := ta.client()
	alex.loginWithCode("alex@chargedesk.test", ta.code(alexSecret))
	alexID := ta.userID("alex@chargedesk.test")

	// Sam resets Alex's factors (within the window: Sam signed in with a code just now).
	if r := sam.post(fmt.Sprintf("/admin/staff/%d/factors/reset", alexID), url.Values{"reason": {"Lost phone, ticket IT-3"}}); r.status != http.StatusSeeOther {
		t.Fatalf("reset: %d %.300s", r.status, r.body)
	}
	if n := ta.count(`SELECT count(*) FROM user_factors WHERE user_id = ?`, alexID); n != 0 {
		t.Errorf("%d factors left after the reset", n)
	}
	if r := alex.get("/admin"); r.status != http.StatusSeeOther || !toLogin(r.header.Get("Location")) {
		t.Errorf("Alex's session after the reset: %d to %q, want signed out", r.status, r.header.Get("Location"))
	}
	if m := ta.lastAudit("admin.staff.mfa_reset"); m["factors_removed"] != float64(1) || m["factor"] != "totp" {
		t.Errorf("admin.staff.mfa_reset: %v", m)
	}
	// Alex enrols again; Sam asks to impersonate a protected customer; Alex's approval
	// does not count (Sam reset Alex's credentials this week).
	jane := ta.userID(demo.JaneEmail)
	protect(t, ta, sam, jane)
	if r := sam.startImpersonating(jane, "SUP-R", false); !r.awaitsApproval() {
		t.Fatalf("request: %d", r.status)
	}
	ta.advance(31 * time.Second)
	alexSecret, _ = ta.enrolTOTP("alex@chargedesk.test")
	alex = ta.client()
	alex.loginWithCode("alex@chargedesk.test", ta.code(alexSecret))
	var id int64
	ta.db.R.QueryRow(`SELECT id FROM impersonation_approvals WHERE customer_user_id = ?`, jane).Scan(&id)
	if r := alex.post(fmt.Sprintf("/admin/approvals/%d/approve", id), url.Values{}); r.status != http.StatusForbidden || !strings.Contains(r.body, "would not be independent") {
		t.Errorf("an approval by the colleague whose factors the requester reset: %d %.200s", r.status, r.body)
	}

	// Sam removes their own last factor: the other session ends, the codes go.
	other := ta.client()
	ta.advance(31 * time.Second)
	other.loginWithCode(demo.AdminEmail, ta.code(secret))
	var fid int64
	ta.db.R.QueryRow(`SELECT id FROM user_factors WHERE user_id = ?`, ta.userID(demo.AdminEmail)).Scan(&fid)
	if r := other.post(fmt.Sprintf("/account/factors/%d/delete", fid), url.Values{}); r.status != http.StatusSeeOther || r.header.Get("Location") != "/account/security?done=removed-last" {
		t.Fatalf("remove the last factor: %d to %q", r.status, r.header.Get("Location"))
	}
	if r := sam.get("/admin"); r.status != http.StatusSeeOther || !toLogin(r.header.Get("Location")) {
		t.Errorf("the other session after removing the last factor: %d to %q", r.status, r.header.Get("Location"))
	}
	if n := ta.count(`SELECT count(*) FROM recovery_codes WHERE user_id = ?`, ta.userID(demo.AdminEmail)); n != 0 {
		t.Errorf("%d recovery codes left after removing the last factor", n)
	}
	if r := other.get("/admin"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/account/security" {
		t.Errorf("this session, now without a factor under the policy: %d to %q, want the Security page", r.status, r.header.Get("Location"))
	}
}

// The runbook outside the demo: the admin signs in with a password and a TOTP code, then
// every step reads as written (locate, Impersonate, banner, Exit back to /admin, paired rows
// in the audit log filtered by their user id), with no further code within the window.
func TestRunbookWithASecondFactor(t *testing.T) {
	t.Parallel()
	ta := newTestAppWith(t, appOptions{requireMFA: true})
	secret, _ := ta.enrolTOTP(demo.AdminEmail)
	jane, admin := ta.userID(demo.JaneEmail), ta.userID(demo.AdminEmail)
	c := ta.client()
	c.loginWithCode(demo.AdminEmail, ta.code(secret))
	if r := c.get("/admin/customers?q=jane%40example.com"); r.status != http.StatusOK || !strings.Contains(r.body, fmt.Sprintf("/admin/customers/%d", jane)) {
		t.Fatalf("locate: %d", r.status)
	}
	if r := c.get(fmt.Sprintf("/admin/customers/%d/impersonate", jane)); r.status != http.StatusOK || strings.Contains(r.body, `name="code"`) {
		t.Errorf("the start form asks for a code within the window (%d)", r.status)
	}
	r := c.startImpersonating(jane, "SUP-MFA", false)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != fmt.Sprintf("/?as=%d", jane) {
		t.Fatalf("start: %d to %q", r.status, r.header.Get("Location"))
	}
	if r := c.get(r.header.Get("Location")); !hasBanner(r.body) {
		t.Fatal("no banner on the customer's home")
	}
	if r := c.post("/api/customer/impersonation/end", url.Values{}); r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin" {
		t.Fatalf("Exit: %d to %q", r.status, r.header.Get("Location"))
	}
	if r := c.get("/admin"); r.status != http.StatusOK || hasBanner(r.body) {
		t.Errorf("back on /admin: %d, banner %v", r.status, hasBanner(r.body))
	}
	starts, ends := ta.auditRows("impersonation.start", admin), ta.auditRows("impersonation.end", admin)
	if len(starts) != 1 || len(ends) != 1 || starts[0]["customer_user_id"] != float64(jane) || starts[0]["factor"] != "totp" {
		t.Errorf("audit: starts %v, ends %v", starts, ends)
	}
	if r := c.get(fmt.Sprintf("/admin/audit?user=%d", admin)); !strings.Contains(r.body, "impersonation.start") || !strings.Contains(r.body, "impersonation.end") {
		t.Error("the audit log filtered by the admin's id lacks the paired rows")
	}
}

// What a person or a script can send to the second step and the factor pages gets a 4xx with
// a sentence, never a 5xx, and signs nobody in: junk codes, junk passkey answers, a passkey
// answer without its challenge, factor ids of nobody.
func TestBadFactorInputGetsAClearAnswer(t *testing.T) {
	t.Parallel()
	ta := newTestAppWith(t, appOptions{requireMFA: true})
	ta.enrolTOTP(demo.AdminEmail)
	junk := []string{"", " ", "abc", "12345", "1234567", "\xff\xfe", strings.Repeat("9", 5000), `{}`, `{"id":"x","type":"public-key","response":{}}`, "null", "<script>"}
	pending := ta.client()
	pending.post("/login", url.Values{"email": {demo.AdminEmail}, "password": {demo.DefaultPassword}})
	for _, v := range junk {
		for _, form := range []url.Values{{"code": {v}}, {"passkey": {v}}} {
			r := pending.post("/login/verify", form)
			if r.status < 400 || r.status >= 500 {
				t.Errorf("/login/verify %v: %d", form, r.status)
			}
		}
	}
	if r := pending.post("/login/passkey", url.Values{}, "Accept", "application/json"); r.status != http.StatusUnprocessableEntity && r.status != http.StatusBadRequest {
		t.Errorf("passkey options for an account without passkeys: %d %s", r.status, r.body)
	}
	if r := pending.get("/admin"); r.status != http.StatusSeeOther || !toLogin(r.header.Get("Location")) {
		t.Errorf("after the junk, a session: %d", r.status)
	}
	// (The guesses above used up the admin's login limits: the pages below as a colleague.)
	alexSecret, _ := ta.enrolTOTP("alex@chargedesk.test")
	signed := ta.client()
	signed.loginWithCode("alex@chargedesk.test", ta.code(alexSecret))
	for _, v := range junk {
		for path, form := range map[string]url.Values{
			"/account/totp/confirm":      {"factor_id": {v}, "code": {v}},
			"/account/passkeys":          {"name": {v}, "passkey": {v}},
			"/account/factors/99/delete": {"code": {v}},
		} {
			if r := signed.post(path, form); r.status < 400 || r.status >= 500 {
				t.Errorf("%s %v: %d", path, form, r.status)
			}
		}
	}
	if n := ta.count(`SELECT count(*) FROM user_factors WHERE confirmed_at IS NOT NULL`); n != 2 {
		t.Errorf("%d confirmed factors after the junk, want the two enrolled", n)
	}
}
