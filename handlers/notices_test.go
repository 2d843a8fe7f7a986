package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"chargedesk/demo"
	"chargedesk/mail"
	"chargedesk/mail/mailtest"
)

// Notices by email through the real router and an in-process SMTP server: a consent request
// reaches the customer; support opening the account reaches her only after she asked for it
// on her Activity page, and never a customer who did not.
func TestNoticesByEmail(t *testing.T) {
	t.Parallel()
	in, sender := mailServer(t)
	ta := newTestAppWith(t, appOptions{mail: sender})
	deliver := func() { t.Helper(); deliverMail(t, ta, sender) }
	jane, omar := ta.userID(demo.JaneEmail), ta.userID(demo.OmarEmail)
	sam := adminClient(t, ta)
	own := ta.client()
	own.login(demo.JaneEmail)

	if r := sam.post(fmt.Sprintf("/admin/customers/%d/consent", jane), url.Values{"ticket": {"SUP-M: to check your receipt"}}); r.status != http.StatusSeeOther {
		t.Fatalf("ask: %d", r.status)
	}
	deliver()
	got := in.Received()
	if len(got) != 1 || got[0].To != demo.JaneEmail || !strings.Contains(got[0].Subject, "asks to see your account (ticket SUP-M)") ||
		!strings.Contains(got[0].Raw, "to check your receipt") || !strings.Contains(got[0].Raw, ta.srv.URL+"/") {
		t.Fatalf("the consent request's email: %+v", got)
	}

	mustContain(t, own.get("/activity").body, "Get an email each time support opens your account?")
	if r := own.post("/activity/notices", url.Values{"notify": {"true"}}); r.status != http.StatusSeeOther {
		t.Fatalf("opt in: %d %.200s", r.status, r.body)
	}
	mustContain(t, own.get("/activity").body, "You get an email each time support opens your account.", "Asked for an email each time")
	sam.startImpersonating(jane, "SUP-N", false)
	sam.post("/api/customer/impersonation/end", nil)
	sam.startImpersonating(omar, "SUP-O", false) // Omar did not ask: no email
	sam.post("/api/customer/impersonation/end", nil)
	deliver()
	got = in.Received()
	if len(got) != 2 || got[1].To != demo.JaneEmail || !strings.Contains(got[1].Subject, "opened your account (ticket SUP-N)") {
		t.Fatalf("after two impersonations: %+v", got)
	}
	if n := ta.count(`SELECT count(*) FROM mail_outbox WHERE delivered_at IS NULL`); n != 0 {
		t.Errorf("mail still waiting: %d", n)
	}
}

// mailServer is an in-process SMTP server and the sender that reaches it.
func mailServer(t *testing.T) (*mailtest.Inbox, *mail.Sender) {
	t.Helper()
	in := mailtest.Start(t, "127.0.0.1:0")
	sender, err := mail.Parse("smtp://"+in.Addr+"?tls=none", "ChargeDesk <support@chargedesk.test>")
	if err != nil {
		t.Fatal(err)
	}
	return in, sender
}

// deliverMail sends what the outbox holds now, as serve's loop would.
func deliverMail(t *testing.T, ta *testApp, sender *mail.Sender) {
	t.Helper()
	if _, err := sender.DeliverDue(context.Background(), ta.db, ta.now()); err != nil {
		t.Fatal(err)
	}
}

// Without a mail server the choice cannot be turned on, and the pages say email is off.
func TestNoticesWithoutEmail(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	own := ta.client()
	own.login(demo.JaneEmail)
	mustContain(t, own.get("/activity").body, "Email notices are not available on this server")
	if r := own.post("/activity/notices", url.Values{"notify": {"true"}}, "Accept", "application/json"); r.status != http.StatusConflict || !strings.Contains(r.body, "not available") {
		t.Errorf("opting in without email: %d %s", r.status, r.body)
	}
	if r := own.post("/activity/notices", url.Values{"notify": {"maybe"}}); r.status != http.StatusBadRequest {
		t.Errorf("notify=maybe: %d", r.status)
	}
	sam := adminClient(t, ta)
	mustContain(t, sam.get(fmt.Sprintf("/admin/customers/%d", ta.userID(demo.JaneEmail))).body, "Email is off on this server")
	if n := ta.count(`SELECT count(*) FROM mail_outbox`); n != 0 {
		t.Errorf("mail queued without a mail server: %d", n)
	}
}
