package handlers

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"chargedesk/queries"
)

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
