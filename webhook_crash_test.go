package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chargedesk/demo"
	"chargedesk/webhook"
)

// Events queued while the receiver is down survive a SIGKILL of the real server: after a
// restart every one arrives, once per id as far as the receiver can tell, in the order they
// happened, each with a valid signature.
func TestWebhooksSurviveSIGKILL(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and kills a real server; skipped with -short")
	}
	const secret = "crash-test-webhook-secret"
	var up atomic.Bool
	var mu sync.Mutex
	var got []int64
	var bad int
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify([]byte(secret), r.Header.Get(webhook.SignatureHeader), body, time.Now(), time.Hour); err != nil {
			mu.Lock()
			bad++
			mu.Unlock()
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if !up.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var ev struct{ ID string }
		json.Unmarshal(body, &ev)
		id, _ := strconv.ParseInt(strings.TrimPrefix(ev.ID, "evt_"), 10, 64)
		mu.Lock()
		if len(got) == 0 || got[len(got)-1] != id { // a repeat of the last one is at-least-once
			got = append(got, id)
		}
		mu.Unlock()
	}))
	defer rc.Close()

	dir := t.TempDir()
	bin := chargedeskBinary(t)
	dbPath := filepath.Join(dir, "hooks.db")
	args := []string{"--webhook-url", rc.URL, "--webhook-secret", secret}
	srv := startServer(t, bin, dbPath, args...)
	b := newBrowser(t.Context(), srv.url, "admin", &sync.Map{})
	if st, _ := b.do(http.MethodPost, "/login", url.Values{"email": {demo.AdminEmail}, "password": {demo.DefaultPassword}}); st != http.StatusSeeOther {
		t.Fatalf("login: %d", st)
	}
	const rounds = 5
	for i := range rounds {
		st, _ := b.do(http.MethodPost, "/api/customer/impersonation/start", url.Values{"customer_user_id": {"3"} /* Jane, the demo's first customer */, "ticket": {fmt.Sprintf("SUP-K%d", i)}, "reason": {"crash test"}})
		if st != http.StatusSeeOther {
			t.Fatalf("start %d: %d", i, st)
		}
		if st, _ := b.do(http.MethodPost, "/api/customer/impersonation/end", url.Values{}); st != http.StatusSeeOther {
			t.Fatalf("end %d: %d", i, st)
		}
	}
	time.Sleep(1500 * time.Millisecond) // the worker tries, the receiver refuses
	srv.kill(t)

	up.Store(true)
	srv = startServer(t, bin, dbPath, args...)
	defer srv.kill(t)
	deadline := time.Now().Add(45 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 2*rounds || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2*rounds {
		t.Fatalf("after the restart %d events arrived, want %d: %v", len(got), 2*rounds, got)
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Errorf("events out of order: %v", got)
		}
	}
	if bad > 0 {
		t.Errorf("%d deliveries with a bad signature", bad)
	}
}
