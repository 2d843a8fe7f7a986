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

// A person is told by email when their own sign-in changes — by them, or by an administrator
// (the insider who re-issues a colleague's password link) — and when their account is signed
// in to from a device it has not used lately, or fails to be five times within an hour (once
// a day), with when, by whom and from where; a sign-in from a known device, changes that are
// not about their sign-in, and people they are not about get none.
// Through the real router and an in-process SMTP server.
func TestSecurityNotices(t *testing.T) {
	t.Parallel()
	in, sender := mailServer(t)
	ta := newTestAppWith(t, appOptions{mail: sender, publicURL: "https://support.example.com"})
	jane, riley := ta.client(), ta.userID(demo.SupportEmail)
	jane.loginAs(demo.JaneEmail, firefoxLinux)
	sam := adminClient(t, ta)
	mustContain(t, jane.get("/account/security").body, "We email you there whenever your password")
	secret := regexp.MustCompile(`<code class="secret">([A-Z2-7]+)</code>`)
	factorID := regexp.MustCompile(`name="factor_id" value="(\d+)"`)

	guess := func(c *client, n int) response {
		for range n {
			if r := c.post("/login", url.Values{"email": {demo.OmarEmail}, "password": {"not-omars-password"}}); r.status != http.StatusUnauthorized {
				t.Fatalf("a wrong password: %d", r.status)
			}
		}
		return response{status: http.StatusOK}
	}
	steps := []struct {
		name    string
		do      func() response
		to      string
		subject string
		body    []string
	}{
		{"Jane changes her password", func() response {
			return jane.post("/account/password", url.Values{"current_password": {demo.DefaultPassword}, "new_password": {"a-new-password-1"}}, "User-Agent", firefoxLinux)
		}, demo.JaneEmail, "Your ChargeDesk password was changed",
			[]string{"Hello Jane Doe", "Every other browser signed in to your account was signed out.", "By:   You", "From: Firefox on Linux, 127.0.0.1", "https://support.example.com/account/security"}},
		{"Jane signs in on her phone, a device new to her account", func() response {
			return ta.clientFrom("127.0.0.2").post("/login", url.Values{"email": {demo.JaneEmail}, "password": {"a-new-password-1"}}, "User-Agent", safariPhone)
		}, demo.JaneEmail, "New sign-in to your ChargeDesk account", []string{"From: Safari on iPhone, 127.0.0.2", "not used lately"}},
		{"Jane signs in again on her laptop, a device she used", func() response {
			return ta.client().post("/login", url.Values{"email": {demo.JaneEmail}, "password": {"a-new-password-1"}}, "User-Agent", firefoxLinux)
		}, "", "", nil},
		{"Jane adds an authenticator app", func() response {
			page := jane.post("/account/totp", url.Values{})
			s, f := secret.FindStringSubmatch(page.body), factorID.FindStringSubmatch(page.body)
			if s == nil || f == nil {
				t.Fatalf("the enrolment page: %d %.300s", page.status, page.body)
			}
			return jane.post("/account/totp/confirm", url.Values{"factor_id": {f[1]}, "code": {ta.code(s[1])}})
		}, demo.JaneEmail, "A second factor was added to your ChargeDesk account", []string{"An authenticator app", "By:   You"}},
		{"an admin re-issues a colleague's password link", func() response {
			return sam.post(fmt.Sprintf("/admin/staff/%d/link", riley), url.Values{})
		}, demo.SupportEmail, "A password link was made for your ChargeDesk account", []string{"By:   Sam Admin (admin)", "links made before it no longer work"}},
		{"an admin changes a colleague's role", func() response {
			return sam.post(fmt.Sprintf("/admin/staff/%d/role", riley), url.Values{"role": {"admin"}, "reason": {"Team lead"}})
		}, demo.SupportEmail, "Your role at ChargeDesk changed", []string{"from support to admin", "By:   Sam Admin (admin)"}},
		{"an admin signs a colleague out everywhere", func() response {
			ta.client().login(demo.SupportEmail) // Riley's first sign-in: no news
			return sam.post(fmt.Sprintf("/admin/staff/%d/signout", riley), url.Values{"reason": {"Laptop left open"}})
		}, demo.SupportEmail, "You were signed out of ChargeDesk", []string{"By:   Sam Admin (admin)"}},
		{"someone guesses Omar's password five times", func() response {
			return guess(ta.clientFrom("127.0.0.3"), 5)
		}, demo.OmarEmail, "Failed sign-ins to your ChargeDesk account", []string{"5 sign-ins to your account failed within an hour", ", 127.0.0.3"}},
		{"and keeps guessing from elsewhere the same day", func() response {
			return guess(ta.clientFrom("127.0.0.4"), 4)
		}, "", "", nil},
		{"an impersonation is not about anyone's sign-in", func() response {
			r := sam.startImpersonating(ta.userID(demo.OmarEmail), "SUP-MAIL", false)
			sam.post("/api/customer/impersonation/end", nil)
			return r
		}, "", "", nil},
	}
	seen := 0
	for _, st := range steps {
		if r := st.do(); r.status >= 400 {
			t.Fatalf("%s: %d %.300s", st.name, r.status, r.body)
		}
		deliverMail(t, ta, sender)
		got := in.Received()[seen:]
		seen += len(got)
		if st.to == "" {
			if len(got) != 0 {
				t.Errorf("%s: %d emails, want none: %+v", st.name, len(got), got)
			}
			continue
		}
		if len(got) != 1 || got[0].To != st.to || !strings.Contains(got[0].Subject, st.subject) {
			t.Errorf("%s: %+v, want one email to %s about %q", st.name, got, st.to, st.subject)
			continue
		}
		for _, want := range st.body {
			if !strings.Contains(strings.ReplaceAll(got[0].Raw, "=\r\n", ""), want) {
				t.Errorf("%s: the email does not say %q:\n%s", st.name, want, got[0].Raw)
			}
		}
	}
}

// Without email nothing is queued: a password change does not wait on a mail server.
func TestSecurityNoticesWithoutEmail(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.client()
	jane.login(demo.JaneEmail)
	if r := jane.post("/account/password", url.Values{"current_password": {demo.DefaultPassword}, "new_password": {"a-new-password-1"}}); r.status != http.StatusSeeOther {
		t.Fatalf("change: %d", r.status)
	}
	if strings.Contains(jane.get("/account/security").body, "We email you") {
		t.Error("the page promises emails without a mail server")
	}
	if n := ta.count(`SELECT count(*) FROM mail_outbox`); n != 0 {
		t.Errorf("%d emails queued without a mail server", n)
	}
}

// No change without its email: when the outbox refuses the notice (here a trigger stands for a
// fault of the file), the password change it tells of is refused with it — the old password
// still signs in, no password.change row, no other session signed out.
func TestNoChangeWithoutItsNotice(t *testing.T) {
	t.Parallel()
	_, sender := mailServer(t)
	ta := newTestAppWith(t, appOptions{mail: sender})
	jane, elsewhere := ta.client(), ta.client()
	jane.login(demo.JaneEmail)
	elsewhere.login(demo.JaneEmail)
	if _, err := ta.db.W.Exec(`CREATE TRIGGER mail_refused BEFORE INSERT ON mail_outbox BEGIN SELECT RAISE(ABORT, 'the outbox refuses'); END`); err != nil {
		t.Fatal(err)
	}
	rows := ta.count(`SELECT count(*) FROM auth_audit`)
	r := jane.post("/account/password", url.Values{"current_password": {demo.DefaultPassword}, "new_password": {"a-new-password-1"}})
	if r.status < 500 {
		t.Fatalf("a change whose notice cannot be queued: %d, want it refused", r.status)
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit`); n != rows {
		t.Errorf("%d audit rows written", n-rows)
	}
	if r := elsewhere.get("/account/security"); r.status != http.StatusOK {
		t.Errorf("the other session after the refused change: %d, want still signed in", r.status)
	}
	if r := ta.client().post("/login", url.Values{"email": {demo.JaneEmail}, "password": {demo.DefaultPassword}}); r.status != http.StatusSeeOther {
		t.Errorf("the old password after the refused change: %d, want it to still sign in", r.status)
	}
}
