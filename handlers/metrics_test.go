package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"chargedesk/demo"
)

// /metrics is Prometheus text for staff: request latency by route, audit writes, active
// impersonations (read now), charge points connected, the webhook backlog. Customers get 403.
func TestMetrics(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	sam := adminClient(t, ta)
	if r := sam.startImpersonating(ta.userID(demo.JaneEmail), "SUP-MET", false); r.status != http.StatusSeeOther {
		t.Fatalf("start: %d", r.status)
	}
	r := sam.get("/metrics")
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", r.status, r.header.Get("Content-Type"))
	}
	for _, want := range []string{`chargedesk_http_request_duration_seconds_bucket{route="/login"`, "chargedesk_audit_writes_total ",
		"chargedesk_impersonations_active 1", "chargedesk_ocpp_connections ", "chargedesk_webhook_backlog "} {
		if !strings.Contains(r.body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	j := ta.client()
	j.login(demo.JaneEmail)
	if r := j.get("/metrics"); r.status != http.StatusForbidden {
		t.Errorf("a customer's /metrics: %d, want 403", r.status)
	}
}
