package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"chargedesk/app"
	"chargedesk/audit"
	"chargedesk/db/dbtest"
)

// Build needs the database and the audit trail, and wires the webhook sender only when
// there is a URL: then every audit row queues its event.
func TestBuild(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      func(o app.Options) app.Options
		wantErr   bool
		wantHooks bool
	}{
		{"without a database", func(o app.Options) app.Options { o.DB = nil; return o }, true, false},
		{"without an audit trail", func(o app.Options) app.Options { o.Trail = nil; return o }, true, false},
		{"without a webhook", func(o app.Options) app.Options { return o }, false, false},
		{"with a webhook", func(o app.Options) app.Options {
			o.WebhookURL, o.WebhookSecret = "http://127.0.0.1:1/", []byte("secret-secret-secret")
			return o
		}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := dbtest.Seeded(t)
			svc, err := app.Build(tt.opts(app.Options{DB: d, Trail: audit.NewTrail(audit.NewKey()), SessionKey: []byte("test-key-test-key-test-key-test-key!")}))
			if tt.wantErr {
				if err == nil {
					t.Fatal("built without what it needs")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (svc.Hooks != nil) != tt.wantHooks {
				t.Errorf("webhook sender %v, want %v", svc.Hooks != nil, tt.wantHooks)
			}
			if _, err := svc.Trail.Log(context.Background(), d, svc.Now(), audit.Entry{Tag: "admin.refund", Actor: 1}); err != nil {
				t.Fatal(err)
			}
			var queued int
			d.R.QueryRow(`SELECT count(*) FROM webhook_outbox`).Scan(&queued)
			if (queued > 0) != tt.wantHooks {
				t.Errorf("%d events queued, want some: %v", queued, tt.wantHooks)
			}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/healthz", nil)
			req.Host = "localhost"
			svc.HTTP.Routes().ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Errorf("healthz: %d", rec.Code)
			}
		})
	}
}
