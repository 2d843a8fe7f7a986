package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"chargedesk/demo"
	"chargedesk/webhook"
)

// receiver is a test webhook endpoint: it verifies each signature and fails the first fail
// deliveries with 503.
type receiver struct {
	mu     sync.Mutex
	fail   int
	calls  int
	events []map[string]any
	bad    []string
	srv    *httptest.Server
}

func newReceiver(t *testing.T, fail int) *receiver {
	rc := &receiver{fail: fail}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.calls++
		if err := webhook.Verify([]byte(testWebhookSecret), r.Header.Get(webhook.SignatureHeader), body, time.Now(), 24*time.Hour); err != nil {
			rc.bad = append(rc.bad, err.Error())
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if rc.calls <= rc.fail {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var ev map[string]any
		json.Unmarshal(body, &ev)
		rc.events = append(rc.events, ev)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) types() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var ts []string
	for _, e := range rc.events {
		ts = append(ts, e["type"].(string))
	}
	return ts
}

// Impersonation and admin events go out as signed webhooks, in order, retried with backoff
// after the receiver fails, and what was queued survives a restart of the server.
func TestWebhooks(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, 2)
	dir := t.TempDir()
	ta := newTestAppWith(t, appOptions{dir: dir, webhook: rc.srv.URL})
	ctx := context.Background()
	jane := ta.userID(demo.JaneEmail)
	admin := adminClient(t, ta)
	admin.startImpersonating(jane, "SUP-HOOK", false)
	admin.post("/api/customer/impersonation/end", url.Values{})
	if n := ta.count(`SELECT count(*) FROM webhook_outbox WHERE delivered_at IS NULL`); n != 2 {
		t.Fatalf("%d events queued, want 2 (start and end)", n)
	}
	if n, _ := ta.svc.DeliverWebhooks(ctx); n != 0 {
		t.Fatalf("delivered %d while the receiver fails", n)
	}
	if n, _ := ta.svc.DeliverWebhooks(ctx); n != 0 || rc.calls != 1 {
		t.Fatalf("retried before the backoff: %d delivered, %d calls", n, rc.calls)
	}
	ta.advance(5 * time.Second)
	ta.svc.DeliverWebhooks(ctx) // fails again: the next try is 10 s later
	ta.advance(10 * time.Second)
	if n, err := ta.svc.DeliverWebhooks(ctx); n != 2 || err != nil {
		t.Fatalf("after the backoff: %d delivered (%v)", n, err)
	}
	if got := rc.types(); len(got) != 2 || got[0] != "impersonation.start" || got[1] != "impersonation.end" {
		t.Errorf("events received: %v", got)
	}
	if len(rc.bad) > 0 {
		t.Errorf("bad signatures: %v", rc.bad)
	}
	ev := rc.events[0]
	data, _ := ev["data"].(map[string]any)
	if ev["target_user_id"] != float64(jane) || data["ticket"] != "SUP-HOOK" || ev["id"] == "" {
		t.Errorf("the start event: %v", ev)
	}
	if n := ta.count(`SELECT count(*) FROM webhook_outbox WHERE delivered_at IS NOT NULL AND attempts = 3`); n != 1 {
		t.Errorf("the log does not show the first event's 3 attempts")
	}
	mustContain(t, admin.get("/admin/webhooks").body, "impersonation.start", "Delivered")

	// The receiver is down; an admin tool's event is queued; the server stops and starts
	// again (a new App on the same file); the event is delivered then.
	rc.srv.Close()
	alex := ta.client()
	alex.login("alex@chargedesk.test")
	alex.post("/admin/settings/impersonation", url.Values{"enabled": {"false"}, "reason": {"Drill"}})
	ta.svc.DeliverWebhooks(ctx) // fails: nobody listens
	ta.db.Close()
	rc2 := newReceiver(t, 0)
	again := newTestAppWith(t, appOptions{dir: dir, existing: true, webhook: rc2.srv.URL})
	again.advance(time.Hour)
	if n, err := again.svc.DeliverWebhooks(ctx); n != 1 || err != nil {
		t.Fatalf("after the restart: %d delivered (%v)", n, err)
	}
	if got := rc2.types(); len(got) != 1 || got[0] != "admin.settings.impersonation" {
		t.Errorf("after the restart the receiver got %v", got)
	}
	// A signature made with another secret, or of another body, does not verify.
	body := []byte(`{"id":"evt_1"}`)
	sig := webhook.Sign([]byte(testWebhookSecret), time.Now().Unix(), body)
	if webhook.Verify([]byte("another-secret-0123456789"), sig, body, time.Now(), time.Minute) == nil ||
		webhook.Verify([]byte(testWebhookSecret), sig, []byte(`{"id":"evt_2"}`), time.Now(), time.Minute) == nil {
		t.Error("Verify accepts a wrong secret or body")
	}
}
