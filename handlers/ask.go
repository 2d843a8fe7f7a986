package handlers

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"chargedesk/account"
	"chargedesk/charging"
	"chargedesk/queries"
)

// askData is the confirmation page of a destructive action.
type askData struct {
	Q      account.Question
	Action string // the POST that does it (with the marker)
	Back   string // the list it was asked from
}

// askFunc is a domain question: what the action will do to object id of customer, or why
// it cannot be done (the refusal the action itself would give).
type askFunc func(ctx context.Context, q *queries.Queries, customer, id int64) (account.Question, error)

// confirmPage answers the GET of a destructive action's address (block a card, remove a
// payment method, cancel a reservation, stop charging): the question and the button that
// does it. With JavaScript the list's button asks in a dialog and posts; without, its form
// comes here, so nothing is destroyed in one click either way.
func (a *App) confirmPage(nav, back string, ask askFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, _ := pathID(c) // 0 matches nothing: the question's own "not found"
		q, err := ask(c.Request.Context(), a.r, actingAs(c), id)
		if err != nil {
			a.fail(c, err)
			return
		}
		as := marker(c)
		a.render(c, http.StatusOK, "ask", &Page{Title: q.Ask, Nav: nav, Data: askData{
			Q: q, Action: customerURL(as, c.Request.URL.Path), Back: customerURL(as, back)}})
	}
}

func (a *App) confirmBlockCard() gin.HandlerFunc {
	return a.confirmPage("cards", "/cards", account.AskBlockCard)
}

func (a *App) confirmRemovePaymentMethod() gin.HandlerFunc {
	return a.confirmPage("payment", "/payment-methods", account.AskRemovePaymentMethod)
}

func (a *App) confirmCancelReservation() gin.HandlerFunc {
	return a.confirmPage("reservations", "/reservations", func(ctx context.Context, q *queries.Queries, customer, id int64) (account.Question, error) {
		return account.AskCancelReservation(ctx, q, customer, id, a.now())
	})
}

func (a *App) confirmStopCharging(c *gin.Context) {
	id, _ := pathID(c)
	a.confirmPage("sessions", "/sessions/"+itoa(id), charging.AskStop)(c)
}
