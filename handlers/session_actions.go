package handlers

import (
	"database/sql"

	"github.com/gin-gonic/gin"

	"chargedesk/charging"
	"chargedesk/errs"
)

// startSession starts a (simulated) charging session on a connector with one of the
// customer's cards; a refusal shows the charger's page again with the reason.
func (a *App) startSession(c *gin.Context) {
	connID, ok1 := formID(c, "connector_id")
	cardID, ok2 := formID(c, "card_id")
	if !ok1 || !ok2 {
		a.fail(c, errInvalid("Choose a connector and one of your EV cards to start charging."))
		return
	}
	ch := a.change(c)
	var st charging.Started
	err := a.tx(c, func(tx *sql.Tx) (err error) {
		st, err = charging.Start(c.Request.Context(), tx, charging.StartRequest{Actor: ch.Actor, Customer: ch.Customer, Now: ch.Now, Connector: connID, Card: cardID})
		return err
	})
	reshow := func(status int, msg string) { a.showChargerID(c, st.Charger, status, msg) }
	if e, ok := errs.As(err); ok && st.Charger == 0 || ok && e.Code == errs.NotFound {
		reshow = nil
	}
	a.afterChange(c, err, "/sessions/"+itoa(st.Session)+"?notice=session-started", reshow)
}

// stopSession stops the customer's active session and issues its receipt.
func (a *App) stopSession(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This charging session"))
		return
	}
	ch := a.change(c)
	err := a.tx(c, func(tx *sql.Tx) error {
		return charging.StopByDriver(c.Request.Context(), tx, ch.Actor, ch.Customer, ch.Now, id)
	})
	a.afterChange(c, err, "/sessions/"+itoa(id)+"?notice=session-stopped", nil)
}
