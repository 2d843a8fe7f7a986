package webhook_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chargedesk/audit"
	"chargedesk/db/dbtest"
	"chargedesk/webhook"
)

var secret = []byte("test-webhook-secret-0123456789")

// A receiver's check: the signature made with the secret, recent, over exactly this body.
func TestVerify(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"event":"impersonation.start"}`)
	good := webhook.Sign(secret, now.Unix(), body)
	tests := []struct {
		name    string
		secret  []byte
		header  string
		body    []byte
		at      time.Time
		wantErr string
	}{
		{"good", secret, good, body, now, ""},
		{"a minute later", secret, good, body, now.Add(time.Minute), ""},
		{"too old", secret, good, body, now.Add(10 * time.Minute), "too old"},
		{"from the future", secret, good, body, now.Add(-10 * time.Minute), "too old"},
		{"another body", secret, good, []byte(`{"event":"x"}`), now, "bad signature"},
		{"another secret", []byte("another-secret-0123456789"), good, body, now, "bad signature"},
		{"no header", secret, "", body, now, "no signature"},
		{"not hex", secret, "t=1800000000,v1=zz", body, now, "bad signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := webhook.Verify(tt.secret, tt.header, tt.body, tt.at, 5*time.Minute)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Verify: %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		n    int64
		want time.Duration
	}{{1, 5 * time.Second}, {2, 10 * time.Second}, {3, 20 * time.Second}, {10, 2560 * time.Second}, {11, time.Hour}, {50, time.Hour}} {
		if got := webhook.Backoff(tt.n); got != tt.want {
			t.Errorf("Backoff(%d) = %s, want %s", tt.n, got, tt.want)
		}
	}
}

// Events queued with audit rows are delivered in order, signed; a failing receiver holds
// the rest back until the backoff is over, and nothing is lost.
func TestDeliverDue(t *testing.T) {
	t.Parallel()
	d := dbtest.Seeded(t)
	var mu sync.Mutex
	var got []string
	failing := true
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if err := webhook.Verify(secret, r.Header.Get("ChargeDesk-Signature"), body, time.Now(), time.Hour); err != nil {
			t.Errorf("delivered with %v", err)
		}
		if failing {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		got = append(got, string(body))
	}))
	defer rc.Close()
	trail := audit.NewTrail(audit.NewKey()).WithEvents()
	now := time.Now()
	for _, tag := range []string{"admin.refund", "admin.card.reissue"} {
		if _, err := trail.Log(context.Background(), d, now, audit.Entry{Tag: tag, Actor: 1}); err != nil {
			t.Fatal(err)
		}
	}
	s := &webhook.Sender{URL: rc.URL, Secret: secret}
	steps := []struct {
		name    string
		at      time.Duration
		failing bool
		want    int
	}{
		{"the receiver fails", 0, true, 0},
		{"not before the backoff", 2 * time.Second, false, 0},
		{"after it, both in order", 6 * time.Second, false, 2},
		{"nothing twice", 7 * time.Second, false, 0},
	}
	for _, st := range steps {
		mu.Lock()
		failing = st.failing
		mu.Unlock()
		n, err := s.DeliverDue(context.Background(), d, now.Add(st.at))
		if n != st.want || err != nil {
			t.Fatalf("%s: delivered %d (%v), want %d", st.name, n, err, st.want)
		}
	}
	if len(got) != 2 || !strings.Contains(got[0], "admin.refund") || !strings.Contains(got[1], "admin.card.reissue") {
		t.Errorf("received %v, want the refund then the re-issue", got)
	}
}

// A receiver that answers with a redirect has not received the event: it stays waiting, with
// the status and a sentence saying to point the URL at the final address; the redirect's
// target is never posted to.
func TestRedirectIsNotDelivery(t *testing.T) {
	t.Parallel()
	d := dbtest.Seeded(t)
	var followed atomic.Int64
	final := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { followed.Add(1) }))
	defer final.Close()
	for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, final.URL, code) }))
		trail := audit.NewTrail(audit.NewKey()).WithEvents()
		if _, err := trail.Log(context.Background(), d, time.Now(), audit.Entry{Tag: "admin.refund", Actor: 1}); err != nil {
			t.Fatal(err)
		}
		s := &webhook.Sender{URL: rc.URL, Secret: secret}
		if n, err := s.DeliverDue(context.Background(), d, time.Now()); n != 0 || err != nil {
			t.Errorf("%d: delivered %d (%v), want none", code, n, err)
		}
		var status int
		var lastErr string
		d.R.QueryRow(`SELECT last_status, last_error FROM webhook_outbox WHERE delivered_at IS NULL ORDER BY id DESC LIMIT 1`).Scan(&status, &lastErr)
		if status != code || !strings.Contains(lastErr, "redirect") {
			t.Errorf("%d: outbox says %d %q", code, status, lastErr)
		}
		rc.Close()
		d.W.Exec(`DELETE FROM webhook_outbox`) // the next code starts clean
	}
	if n := followed.Load(); n != 0 {
		t.Errorf("the redirect was followed %d times", n)
	}
}
