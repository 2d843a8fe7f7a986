package mail_test

import (
	"context"
	"database/sql"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"chargedesk/db"
	"chargedesk/db/dbtest"
	"chargedesk/mail"
	"chargedesk/mail/mailtest"
)

func queue(t *testing.T, d *db.DB, now time.Time, ms ...mail.Message) {
	t.Helper()
	o := &mail.Outbox{}
	err := d.Tx(context.Background(), func(tx *sql.Tx) error {
		for _, m := range ms {
			if err := o.Enqueue(context.Background(), tx, m, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, d *db.DB, where string) int {
	t.Helper()
	var n int
	if err := d.R.QueryRow(`SELECT count(*) FROM mail_outbox WHERE ` + where).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Delivered when the server is up; queued and retried while it is down, then delivered, none
// lost; a refused mailbox and a malformed address fail for good without holding up the rest.
func TestOutboxDeliversRetriesAndGivesUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.Open(t)
	// A port nobody listens on yet: the server is down.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	s, err := mail.Parse("smtp://"+addr+"?tls=none", "ChargeDesk <support@chargedesk.test>")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	queue(t, d, now,
		mail.Message{Kind: "consent_request", To: "jane@example.com", Subject: "ChargeDesk support asks to see your account", Body: "SUP-1: to check your receipt"},
		mail.Message{Kind: "support_access", To: mailtest.Refused, Subject: "Support opened your account", Body: "SUP-2"},
		mail.Message{Kind: "support_access", To: "not an address", Subject: "Support opened your account", Body: "SUP-3"})

	if n, err := s.DeliverDue(ctx, d, now); err != nil || n != 0 {
		t.Fatalf("server down: sent %d, %v", n, err)
	}
	if got := count(t, d, `delivered_at IS NULL AND failed_at IS NULL AND attempts = 1 AND next_at > `+strconv.FormatInt(now.Unix(), 10)); got != 2 {
		t.Errorf("mail waiting for a retry while the server is down: %d, want 2", got)
	}
	if got := count(t, d, `failed_at IS NOT NULL AND last_error LIKE '%not an email address%'`); got != 1 {
		t.Errorf("the malformed address failed for good: %d, want 1", got)
	}
	// Not due yet: nothing is tried.
	in := mailtest.Start(t, addr)
	if n, _ := s.DeliverDue(ctx, d, now.Add(10*time.Second)); n != 0 || len(in.Received()) != 0 {
		t.Errorf("a mail was tried before its retry was due")
	}
	later := now.Add(mail.Backoff(1))
	if n, err := s.DeliverDue(ctx, d, later); err != nil || n != 1 {
		t.Fatalf("server back: sent %d, %v", n, err)
	}
	got := in.Received()
	if len(got) != 1 || got[0].To != "jane@example.com" || got[0].Subject != "ChargeDesk support asks to see your account" || !strings.Contains(got[0].Raw, "SUP-1: to check your receipt") {
		t.Fatalf("received: %q", got)
	}
	if n := count(t, d, `failed_at IS NOT NULL AND last_error LIKE '%550%'`); n != 1 {
		t.Errorf("the refused mailbox failed for good: %d, want 1", n)
	}
	if n := count(t, d, `delivered_at IS NULL AND failed_at IS NULL`); n != 0 {
		t.Errorf("mail still waiting: %d", n)
	}
	// Nothing is sent twice, and the failed ones are not tried again.
	if n, _ := s.DeliverDue(ctx, d, later.Add(2*time.Hour)); n != 0 || len(in.Received()) != 1 {
		t.Errorf("a second round sent %d more", n)
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ url, from, want string }{
		{"smtp://user:pw@mail.example.com:2525", "support@example.com", ""},
		{"smtps://mail.example.com", "ChargeDesk <support@example.com>", ""},
		{"smtp://relay.local?tls=none", "support@example.com", ""},
		{"http://mail.example.com", "support@example.com", "--smtp-url must look like"},
		{"smtp://", "support@example.com", "--smtp-url must look like"},
		{"smtp://mail.example.com:99999", "support@example.com", "is not a port"},
		{"smtp://mail.example.com?tls=maybe", "support@example.com", "tls="},
		{"smtp://mail.example.com", "", "--mail-from must be"},
		{"smtp://mail.example.com", "support", "--mail-from must be"},
	} {
		_, err := mail.Parse(tc.url, tc.from)
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q, %q): %v, want %q", tc.url, tc.from, err, tc.want)
		}
	}
}
