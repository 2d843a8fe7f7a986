package handlers

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"chargedesk/queries"
)

// DeliverWebhooks sends the events due now (a no-op without a webhook URL) and returns how
// many were delivered.
func (a *App) DeliverWebhooks(ctx context.Context) (int, error) {
	if a.hooks == nil {
		return 0, nil
	}
	return a.hooks.DeliverDue(ctx, a.db, a.now())
}

// RunWebhooks delivers queued events every second until ctx ends.
func (a *App) RunWebhooks(ctx context.Context) {
	if a.hooks == nil {
		return
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		if _, err := a.DeliverWebhooks(ctx); err != nil && ctx.Err() == nil {
			a.Log.Error("webhook delivery", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

type adminWebhooksData struct {
	Host    string // where events go ("" when none is configured)
	Backlog int64
	Recent  []queries.RecentWebhooksRow
}

// adminWebhooks is GET /admin/webhooks (admins): the delivery log.
func (a *App) adminWebhooks(c *gin.Context) {
	var d adminWebhooksData
	if a.hooks != nil {
		if u, err := url.Parse(a.hooks.URL); err == nil {
			d.Host = u.Host
		}
	}
	var err error
	if d.Backlog, err = a.r.WebhookBacklog(c.Request.Context()); err != nil {
		a.fail(c, err)
		return
	}
	if d.Recent, err = a.r.RecentWebhooks(c.Request.Context()); err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "admin_webhooks", &Page{Title: "Events", Nav: "webhooks", Data: d})
}
