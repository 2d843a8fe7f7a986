package handlers

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"

	"github.com/gin-gonic/gin"

	"chargedesk/queries"
)

type homeData struct {
	Summary  queries.CustomerSummaryRow // name, Public ID, email and counts
	Active   []activeSession            // charging now
	Stuck    []activeSession            // open, but looking stuck: shown as such, with what support does
	Recent   []sessionRow
	Cards    []queries.ListCardsRow // the newest active cards, at most 5 (Summary.ActiveCards in all)
	Payments []paymentMethodView    // default first, at most 5 (Summary.PaymentMethods in all)
	// MoreCards and MorePayments: how many the short lists leave out.
	MoreCards, MorePayments int64
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
		a.fail(c, err)
		return
	}
	active, err := a.r.ListActiveSessions(ctx, cust)
	if err != nil {
		a.fail(c, err)
		return
	}
	for _, s := range activeSessions(marker(c), active, a.now()) {
		if s.Stuck != "" {
			d.Stuck = append(d.Stuck, s)
		} else {
			d.Active = append(d.Active, s)
		}
	}
	recent, err := a.r.ListSessions(ctx, queries.ListSessionsParams{
		ActingAs: cust, TopAt: math.MaxInt64, BelowID: math.MaxInt64, PageSize: 5,
	})
	if err != nil {
		a.fail(c, err)
		return
	}
	d.Recent = sessionRows(marker(c), recent)
	var methods []queries.PaymentMethod
	if err := errors.Join(json.Unmarshal([]byte(d.Summary.CardsJson), &d.Cards),
		json.Unmarshal([]byte(d.Summary.PaymentsJson), &methods)); err != nil {
		a.fail(c, err)
		return
	}
	d.Payments = viewPaymentMethods(methods, a.now())
	d.MoreCards = d.Summary.ActiveCards - int64(len(d.Cards))
	d.MorePayments = d.Summary.PaymentMethods - int64(len(d.Payments))
	d.NoPayment = d.Summary.PaymentMethods == 0
	for _, pm := range d.Payments {
		if pm.ExpiringSoon {
			d.ExpiringSoon = append(d.ExpiringSoon, pm)
		}
	}
	a.render(c, http.StatusOK, "home", &Page{Title: "Home", Nav: "home", Data: d})
}
