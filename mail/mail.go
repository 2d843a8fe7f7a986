// Package mail sends ChargeDesk's notices by email through an outbox: a notice is queued in
// the same transaction as what it tells (a consent request, support opening an account), and
// a loop sends what is due over SMTP (github.com/wneessen/go-mail), retrying what the server
// could not take now and never losing a queued mail across a restart. A mail the server
// refuses for good (a bad address) is marked failed and not tried again; it holds up no other.
package mail

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"

	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/queries"
)

// Message is one notice to queue.
type Message struct {
	UserID  int64  // the customer it is about and to (0: none)
	Kind    string // consent_request, support_access, …
	To      string
	Subject string
	Body    string
}

// Outbox queues notices; a nil *Outbox is "email is off" (no --smtp-url): Enqueue does
// nothing and Enabled says so, so features can tell the person.
type Outbox struct{}

// Enabled reports whether notices go out by email.
func (o *Outbox) Enabled() bool { return o != nil }

// Enqueue queues m in tx (the transaction of what it tells): it goes out only if that commits.
func (o *Outbox) Enqueue(ctx context.Context, tx *sql.Tx, m Message, now time.Time) error {
	if o == nil {
		return nil
	}
	var user sql.NullInt64
	if m.UserID != 0 {
		user = sql.NullInt64{Int64: m.UserID, Valid: true}
	}
	return queries.New(tx).EnqueueMail(ctx, queries.EnqueueMailParams{UserID: user, Kind: m.Kind, ToAddr: m.To,
		Subject: audit.Truncate(m.Subject, 300), Body: audit.Truncate(m.Body, 20000), Now: now.Unix()})
}

// Sender sends the outbox's due mail through one SMTP server.
type Sender struct {
	Host     string
	Port     int
	User     string
	Password string
	TLS      gomail.TLSPolicy
	From     string
	Timeout  time.Duration // per connection; zero means 15 s
}

// Parse reads --smtp-url (smtp://user:pass@host:port, ?tls=starttls|none; smtps:// for TLS
// from the first byte) and --mail-from, and refuses what cannot work with a sentence.
func Parse(rawURL, from string) (*Sender, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, fmt.Errorf("--smtp-url must look like smtp://user:password@host:587 (or smtps://… for TLS on connect), not %q", rawURL)
	}
	if _, err := netmail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("--mail-from must be the address notices come from, e.g. support@example.com (got %q)", from)
	}
	s := &Sender{Host: u.Hostname(), From: from, TLS: gomail.TLSMandatory, Port: 587}
	if u.Scheme == "smtps" {
		s.Port = 465
	}
	if p := u.Port(); p != "" {
		if s.Port, err = strconv.Atoi(p); err != nil || s.Port < 1 || s.Port > 65535 {
			return nil, fmt.Errorf("--smtp-url: %q is not a port", p)
		}
	}
	switch u.Query().Get("tls") {
	case "", "starttls":
	case "none":
		s.TLS = gomail.NoTLS // a relay on the same machine or network, without TLS
	default:
		return nil, fmt.Errorf("--smtp-url: tls=%q: say starttls (the default) or none", u.Query().Get("tls"))
	}
	if u.User != nil {
		s.User = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	return s, nil
}

// Backoff is how long after its n-th failed attempt a mail is tried again: 30 s, 1 min, 2 min
// … at most an hour.
func Backoff(n int64) time.Duration {
	d := 30 * time.Second
	for i := int64(1); i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// DeliverDue sends the mail due at now (at most 50), each on its own, and records each
// outcome: sent, tried again later (the server is down, or said "not now"), or failed for
// good (refused: a bad address). It returns how many were sent.
func (s *Sender) DeliverDue(ctx context.Context, d *db.DB, now time.Time) (sent int, err error) {
	due, err := queries.New(d.R).DueMail(ctx, queries.DueMailParams{Now: now.Unix(), Limit: 50})
	if err != nil || len(due) == 0 {
		return 0, err
	}
	for _, m := range due {
		sendErr := s.send(ctx, m)
		err := d.CriticalTx(ctx, func(tx *sql.Tx) error {
			q := queries.New(tx)
			switch {
			case sendErr == nil:
				return q.MarkMailSent(ctx, queries.MarkMailSentParams{Now: sql.NullInt64{Int64: now.Unix(), Valid: true}, ID: m.ID})
			case permanent(sendErr):
				return q.MarkMailFailed(ctx, queries.MarkMailFailedParams{Now: sql.NullInt64{Int64: now.Unix(), Valid: true},
					Error: audit.Truncate(sendErr.Error(), 300), ID: m.ID})
			}
			return q.MarkMailRetry(ctx, queries.MarkMailRetryParams{NextAt: now.Add(Backoff(m.Attempts + 1)).Unix(),
				Error: audit.Truncate(sendErr.Error(), 300), ID: m.ID})
		})
		if err != nil {
			return sent, err
		}
		if sendErr == nil {
			sent++
		}
	}
	return sent, nil
}

// errBadAddress is a recipient that cannot be written to (refused before any server).
var errBadAddress = errors.New("not an email address")

// permanent reports whether a send failed for good: a bad address, or the server refused the
// mail with a permanent (5xx) answer. A server that is down or says "try later" is temporary.
func permanent(err error) bool {
	var se *gomail.SendError
	if errors.As(err, &se) {
		return !se.IsTemp()
	}
	return errors.Is(err, errBadAddress)
}

func (s *Sender) send(ctx context.Context, m queries.DueMailRow) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.From); err != nil {
		return err
	}
	if err := msg.To(m.ToAddr); err != nil {
		return fmt.Errorf("%w: %q", errBadAddress, m.ToAddr)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	opts := []gomail.Option{gomail.WithPort(s.Port), gomail.WithTLSPolicy(s.TLS), gomail.WithTimeout(cmp.Or(s.Timeout, 15*time.Second))}
	if s.Port == 465 {
		opts = append(opts, gomail.WithSSL())
	}
	if s.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(s.User), gomail.WithPassword(s.Password))
	}
	c, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}

// Run sends what is due every five seconds until ctx ends (serve runs it).
func (s *Sender) Run(ctx context.Context, d *db.DB, now func() time.Time, log *slog.Logger) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		if n, err := s.DeliverDue(ctx, d, now()); err != nil && ctx.Err() == nil {
			log.Error("mail delivery", "err", err)
		} else if n > 0 {
			log.Info("mail sent", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
