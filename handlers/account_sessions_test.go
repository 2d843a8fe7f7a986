package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"chargedesk/demo"
)

const (
	firefoxLinux = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
	safariPhone  = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)

// loginAs signs c in as email with the browser's User-Agent ua.
func (c *client) loginAs(email, ua string) {
	c.t.Helper()
	r := c.post("/login", url.Values{"email": {email}, "password": {demo.DefaultPassword}}, "User-Agent", ua)
	if r.status != http.StatusSeeOther {
		c.t.Fatalf("login %s: %d", email, r.status)
	}
}

// A person sees where their account is signed in (browser, address, when) and signs out one
// session, then every other one; each is recorded. What they cannot end — their own session
// here, a session that is not theirs, one already ended, a made-up name — is refused with a
// sentence and ends nothing.
func TestSignedInSessions(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	here, phone, laptop := ta.client(), ta.clientFrom("127.0.0.2"), ta.client()
	here.loginAs(demo.JaneEmail, firefoxLinux)
	phone.loginAs(demo.JaneEmail, safariPhone)
	laptop.login(demo.JaneEmail)
	omar := ta.client()
	omar.login(demo.OmarEmail)

	page := here.get("/account/security")
	if page.status != http.StatusOK {
		t.Fatalf("the page: %d", page.status)
	}
	mustContain(t, page.body, "Where you're signed in", "Firefox on Linux", "This browser", "Safari on iPhone", "127.0.0.2")
	if n := strings.Count(page.body, `action="/account/sessions/end"`); n != 2 {
		t.Errorf("%d Sign out buttons, want 2 (the phone and the laptop, not this browser)", n)
	}
	if strings.Contains(page.body, "Omar") {
		t.Error("Jane's list shows something of Omar's")
	}
	var phoneHandle, hereHandle string
	ta.db.R.QueryRow(`SELECT substr(id, 1, 16) FROM web_sessions WHERE ip = '127.0.0.2'`).Scan(&phoneHandle)
	ta.db.R.QueryRow(`SELECT substr(id, 1, 16) FROM web_sessions WHERE user_agent = ?`, firefoxLinux).Scan(&hereHandle)
	mustContain(t, page.body, `value="`+phoneHandle+`"`)

	sessions := `SELECT count(*) FROM web_sessions`
	before, rows := ta.count(sessions), ta.count(`SELECT count(*) FROM auth_audit`)
	refusals := []struct {
		name   string
		who    *client
		path   string
		form   url.Values
		status int
		text   string
	}{
		{"no session named", here, "/account/sessions/end", url.Values{}, http.StatusUnprocessableEntity, "not one of your sessions"},
		{"a made-up name", here, "/account/sessions/end", url.Values{"session": {"<script>"}}, http.StatusUnprocessableEntity, "not one of your sessions"},
		{"her own session here", here, "/account/sessions/end", url.Values{"session": {hereHandle}}, http.StatusUnprocessableEntity, "use Sign out"},
		{"no such session", here, "/account/sessions/end", url.Values{"session": {"0123456789abcdef"}}, http.StatusNotFound, "already ended"},
		{"Omar ends Jane's phone", omar, "/account/sessions/end", url.Values{"session": {phoneHandle}}, http.StatusNotFound, "already ended"},
		{"Omar has no other session", omar, "/account/sessions/end-others", url.Values{}, http.StatusConflict, "not signed in anywhere else"},
	}
	for _, tt := range refusals {
		r := tt.who.post(tt.path, tt.form)
		if r.status != tt.status || !strings.Contains(r.body, tt.text) {
			t.Errorf("%s: %d, want %d with %q; %.300s", tt.name, r.status, tt.status, tt.text, r.body)
		}
	}
	if after := ta.count(sessions); after != before {
		t.Fatalf("refusals ended %d sessions", before-after)
	}
	if after := ta.count(`SELECT count(*) FROM auth_audit`); after != rows {
		t.Errorf("refusals wrote %d audit rows", after-rows)
	}

	if r := here.post("/account/sessions/end", url.Values{"session": {phoneHandle}}); r.status != http.StatusSeeOther {
		t.Fatalf("end the phone: %d %.300s", r.status, r.body)
	}
	if r := phone.get("/account/security"); r.status != http.StatusSeeOther || !toLogin(r.header.Get("Location")) {
		t.Errorf("the phone after it was signed out: %d %s, want the login page", r.status, r.header.Get("Location"))
	}
	if r := laptop.get("/account/security"); r.status != http.StatusOK {
		t.Errorf("the laptop after the phone was signed out: %d, want still signed in", r.status)
	}
	if m := ta.lastAudit("session.end"); m["device"] != "Safari on iPhone" || m["signed_in_from"] != "127.0.0.2" || m["sessions_ended"] != float64(1) {
		t.Errorf("session.end row: %v", m)
	}
	mustContain(t, here.get("/account/security?done=session-ended").body, "That session is signed out")

	if r := here.post("/account/sessions/end-others", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("end the others: %d %.300s", r.status, r.body)
	}
	if r := laptop.get("/account/security"); r.status != http.StatusSeeOther {
		t.Errorf("the laptop after every other session ended: %d, want the login page", r.status)
	}
	if r := here.get("/account/security"); r.status != http.StatusOK || !strings.Contains(r.body, "the only one signed in") {
		t.Errorf("this browser after ending the others: %d, want still signed in and alone", r.status)
	}
	if m := ta.lastAudit("session.end"); m["others"] != true || m["sessions_ended"] != float64(1) {
		t.Errorf("session.end row of the others: %v", m)
	}
	if r := omar.get("/account/security"); r.status != http.StatusOK {
		t.Errorf("Omar after Jane ended her sessions: %d, want still signed in", r.status)
	}
}

// An admin signs a colleague out everywhere (a laptop left open) with a reason: every session
// of theirs ends, the account stays active, and it is recorded. What is not allowed — no
// reason, themself, a customer, a colleague signed in nowhere, a support agent doing it —
// changes nothing.
func TestAdminSignsAColleagueOut(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	sam := adminClient(t, ta)
	riley := ta.userID(demo.SupportEmail)
	desk, laptop := ta.client(), ta.client()
	desk.login(demo.SupportEmail)
	laptop.login(demo.SupportEmail)
	signout := func(id int64) string { return fmt.Sprintf("/admin/staff/%d/signout", id) }

	before := ta.count(`SELECT count(*) FROM web_sessions`)
	for _, tt := range []struct {
		name   string
		who    *client
		id     int64
		reason string
		status int
	}{
		{"no reason", sam, riley, "", http.StatusUnprocessableEntity},
		{"herself", sam, ta.userID(demo.AdminEmail), "testing", http.StatusConflict},
		{"a customer", sam, ta.userID(demo.JaneEmail), "testing", http.StatusNotFound},
		{"a support agent signs a colleague out", desk, ta.userID(demo.AdminEmail), "testing", http.StatusForbidden},
	} {
		if r := tt.who.post(signout(tt.id), url.Values{"reason": {tt.reason}}); r.status != tt.status {
			t.Errorf("%s: %d, want %d; %.200s", tt.name, r.status, tt.status, r.body)
		}
	}
	if after := ta.count(`SELECT count(*) FROM web_sessions`); after != before {
		t.Fatalf("refusals ended %d sessions", before-after)
	}
	mustContain(t, sam.get("/admin/staff").body, `action="`+signout(riley)+`"`)
	if r := sam.post(signout(riley), url.Values{"reason": {"Laptop left open, IT-14"}}); r.status != http.StatusSeeOther {
		t.Fatalf("sign Riley out: %d %.300s", r.status, r.body)
	}
	for _, c := range []*client{desk, laptop} {
		if r := c.get("/admin"); r.status != http.StatusSeeOther || !toLogin(r.header.Get("Location")) {
			t.Errorf("Riley's session after the sign-out: %d %s, want the login page", r.status, r.header.Get("Location"))
		}
	}
	if m := ta.lastAudit("admin.staff.signout"); m["sessions_ended"] != float64(2) || m["reason"] != "Laptop left open, IT-14" {
		t.Errorf("admin.staff.signout row: %v", m)
	}
	if n := ta.count(`SELECT count(*) FROM users WHERE id = ? AND status = 'active'`, riley); n != 1 {
		t.Error("signing out disabled the account")
	}
	if r := sam.post(signout(riley), url.Values{"reason": {"again"}}); r.status != http.StatusConflict || !strings.Contains(r.body, "not signed in anywhere") {
		t.Errorf("again, with Riley signed in nowhere: %d", r.status)
	}
	desk.login(demo.SupportEmail) // and Riley signs in again as before
}

// Fifty "sign out everywhere else" at once from one browser: one signs the others out and is
// recorded once; the rest find nobody else signed in (409) and record nothing.
func TestEndingOtherSessionsUnderRace(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	here := ta.client()
	here.login(demo.JaneEmail)
	for range 3 {
		ta.client().login(demo.JaneEmail)
	}
	const n = 50
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { statuses <- here.post("/account/sessions/end-others", url.Values{}).status })
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[http.StatusSeeOther] != 1 || count[http.StatusConflict] != n-1 {
		t.Errorf("answers %v, want one 303 and %d 409", count, n-1)
	}
	if got := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'session.end'`); got != 1 {
		t.Errorf("%d session.end rows, want 1", got)
	}
	if m := ta.lastAudit("session.end"); m["sessions_ended"] != float64(3) {
		t.Errorf("session.end row: %v, want 3 sessions ended", m)
	}
	if r := here.get("/account/security"); r.status != http.StatusOK {
		t.Errorf("this browser after the race: %d, want still signed in", r.status)
	}
}
