package handlers

import (
	"math"
	"net/http"

	"github.com/gin-gonic/gin"

	"chargedesk/queries"
)

type homeData struct {
	Summary  queries.CustomerSummaryRow // name, Public ID, email and counts
	Active   []activeSession
	Recent   []sessionRow
	Cards    []queries.ListCardsRow
	Payments []paymentMethodView
	// Warnings about payment: none on file, or expiring soon.
	NoPayment    bool
	ExpiringSoon []paymentMethodView
}

// home is the customer's start page: the session charging now (live), recent sessions,
// cards, and warnings about payment methods.
func (a *App) home(c *gin.Context) {
	ctx, cust := c.Request.Context(), actingAs(c)
	var d homeData
	var err error
	if d.Summary, err = a.r.CustomerSummary(ctx, cust); err != nil {
		a.fail(c, errInternal(err))
		return
	}
	active, err := a.r.ListActiveSessions(ctx, cust)
	if err != nil {
		a.fail(c, errInternal(err))
		return
	}
	d.Active = activeSessions(marker(c), active)
	recent, err := a.r.ListSessions(ctx, queries.ListSessionsParams{
		ActingAs: cust, TopAt: math.MaxInt64, BelowID: math.MaxInt64, PageSize: 5,
	})
	if err != nil {
		a.fail(c, errInternal(err))
		return
	}
	d.Recent = sessionRows(marker(c), recent)
	if d.Cards, err = a.activeCards(c); err != nil {
		a.fail(c, errInternal(err))
		return
	}
	if d.Payments, err = a.paymentMethodViews(c); err != nil {
		a.fail(c, errInternal(err))
		return
	}
	d.NoPayment = len(d.Payments) == 0
	for _, pm := range d.Payments {
		if pm.ExpiringSoon {
			d.ExpiringSoon = append(d.ExpiringSoon, pm)
		}
	}
	a.render(c, http.StatusOK, "home", &Page{Title: "Home", Nav: "home", Data: d})
}
