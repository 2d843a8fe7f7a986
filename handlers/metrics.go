package handlers

import (
	"net/http"

	"github.com/VictoriaMetrics/metrics"
	"github.com/gin-gonic/gin"
)

// Metrics writes ChargeDesk's metrics in Prometheus text format: request latency by route,
// audit writes and failures, OCPP calls by action (counted where they happen), and, read at
// each scrape, active impersonations, connected charge points and the webhook backlog.
// Served to staff at GET /metrics, and without a login on --metrics-addr (a private port).
func (a *App) Metrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	metrics.WritePrometheus(w, true)
	set := metrics.NewSet() // per scrape: the gauges read the database now
	ctx := r.Context()
	active, _ := a.r.CountActiveImpersonations(ctx)
	backlog, _ := a.r.WebhookBacklog(ctx)
	set.NewGauge("chargedesk_impersonations_active", func() float64 { return float64(active) })
	set.NewGauge("chargedesk_ocpp_connections", func() float64 { return float64(a.central.Server.Count()) })
	set.NewGauge("chargedesk_webhook_backlog", func() float64 { return float64(backlog) })
	if a.replica != nil {
		if st, err := a.replica.Status(ctx); err == nil {
			set.NewGauge("chargedesk_replica_transactions_behind", func() float64 { return float64(st.Behind) })
		}
	}
	set.WritePrometheus(w)
}

// metricsPage is GET /metrics for staff.
func (a *App) metricsPage(c *gin.Context) { a.Metrics(c.Writer, c.Request) }
