package handlers

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"chargedesk/account"
	"chargedesk/charging"
	"chargedesk/queries"
)

// Question is what ChargeDesk asks before a change the customer cannot take back from their
// own pages (block a card, remove a payment method, cancel a reservation, stop charging):
// the question, what then happens, and the button that does it. The list's button asks it in
// a dialog; a browser without JavaScript gets it as a page (GET of the action's address).
type Question struct {
	Ask, Detail, Button string
}

// Text is the question and what happens, in one sentence pair (the dialog's text).
func (q Question) Text() string { return q.Ask + " " + q.Detail }

// The questions, one per destructive action (the templates ask them too: funcs.go).
func blockCardQuestion(visual string) Question {
	return Question{"Block card " + visual + "?", "It stops working at once; only support can issue a replacement.", "Block card"}
}

func removePaymentMethodQuestion(brand, last4 string) Question {
	return Question{"Remove " + brand + " ••" + last4 + "?", "You would need to add it again to use it.", "Remove"}
}

var (
	cancelReservationQuestion = Question{"Cancel this reservation?", "The charge point is released for others.", "Cancel reservation"}
	stopChargingQuestion      = Question{"Stop charging now?", "The session ends and its receipt is issued.", "Stop charging"}
)

// askData is the confirmation page of a destructive action.
type askData struct {
	Q      Question
	Action string // the POST that does it (with the marker)
	Back   string // the list it was asked from
}

// askFunc is the question before an action on object id of customer, or why it cannot be
// done: the refusal the action itself would give, from the domain's check.
type askFunc func(ctx context.Context, q *queries.Queries, customer, id int64) (Question, error)

// confirmPage answers the GET of a destructive action's address (block a card, remove a
// payment method, cancel a reservation, stop charging): the question and the button that
// does it. With JavaScript the list's button asks in a dialog and posts; without, its form
// comes here, so nothing is destroyed in one click either way.
func (a *App) confirmPage(nav, back string, ask askFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, _ := pathID(c) // 0 matches nothing: the check's own "not found"
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
	return a.confirmPage("cards", "/cards", func(ctx context.Context, q *queries.Queries, customer, id int64) (Question, error) {
		card, err := account.BlockableCard(ctx, q, customer, id)
		return blockCardQuestion(card.VisualNumber), err
	})
}

func (a *App) confirmRemovePaymentMethod() gin.HandlerFunc {
	return a.confirmPage("payment", "/payment-methods", func(ctx context.Context, q *queries.Queries, customer, id int64) (Question, error) {
		pm, err := account.RemovablePaymentMethod(ctx, q, customer, id)
		return removePaymentMethodQuestion(pm.Brand, pm.Last4), err
	})
}

func (a *App) confirmCancelReservation() gin.HandlerFunc {
	return a.confirmPage("reservations", "/reservations", func(ctx context.Context, q *queries.Queries, customer, id int64) (Question, error) {
		_, err := account.CancellableReservation(ctx, q, customer, id, a.now())
		return cancelReservationQuestion, err
	})
}

func (a *App) confirmStopCharging(c *gin.Context) {
	id, _ := pathID(c)
	a.confirmPage("sessions", "/sessions/"+itoa(id), func(ctx context.Context, q *queries.Queries, customer, id int64) (Question, error) {
		_, err := charging.Stoppable(ctx, q, customer, id)
		return stopChargingQuestion, err
	})(c)
}
