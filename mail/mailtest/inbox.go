// Package mailtest is an in-process SMTP server for tests (github.com/emersion/go-smtp): it
// keeps every mail it accepts, and refuses one mailbox for good, as a real server refuses an
// address that does not exist.
package mailtest

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// Refused is the mailbox the inbox refuses (550 5.1.1).
const Refused = "nobody@bad.example"

// Mail is one accepted message.
type Mail struct {
	To, Subject, Raw string
}

// Inbox is a running server.
type Inbox struct {
	Addr string // host:port
	mu   sync.Mutex
	got  []Mail
	srv  *smtp.Server
}

// Start serves SMTP on addr ("127.0.0.1:0" for any port) until the test ends.
func Start(t testing.TB, addr string) *Inbox {
	t.Helper()
	in := &Inbox{}
	in.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{in: in}, nil }))
	in.srv.Domain = "localhost"
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	in.Addr = l.Addr().String()
	go in.srv.Serve(l)
	t.Cleanup(func() { in.srv.Close() })
	return in
}

// Received is every mail accepted so far.
func (in *Inbox) Received() []Mail {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]Mail(nil), in.got...)
}

type session struct {
	in *Inbox
	to string
}

func (s *session) Reset()                               {}
func (s *session) Logout() error                        { return nil }
func (s *session) Mail(string, *smtp.MailOptions) error { return nil }

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == Refused {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	s.to = to
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Mail{To: s.to, Raw: string(b)}
	for _, l := range strings.Split(m.Raw, "\r\n") {
		if v, ok := strings.CutPrefix(l, "Subject: "); ok {
			m.Subject = v
		}
	}
	s.in.mu.Lock()
	s.in.got = append(s.in.got, m)
	s.in.mu.Unlock()
	return nil
}
