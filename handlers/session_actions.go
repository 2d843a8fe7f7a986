package handlers

import (
	"database/sql"

	"github.com/gin-gonic/gin"

	"chargedesk/charging"
	"chargedesk/errs"
)

// startSession asks the connector's charger to start (RemoteStartTransaction) with one of
// the customer's cards, once every rule is checked (charging.PlanStart), and waits for the
// charger's StartTransaction, which creates the session; the page then shows it. A refusal
// shows the charger's page again with the reason.
func (a *App) startSession(c *gin.Context) {
	connID, ok1 := formID(c, "connector_id")
	cardID, ok2 := formID(c, "card_id")
	if !ok1 || !ok2 {
		a.fail(c, errInvalid("Choose a connector and one of your EV cards to start charging."))
		return
	}
	ch := a.change(c)
	var p charging.StartPlan
	err := a.tx(c, func(tx *sql.Tx) (err error) {
		p, err = charging.PlanStart(c.Request.Context(), tx, charging.StartRequest{Actor: ch.Actor, Customer: ch.Customer, Now: ch.Now,
			Connector: connID, Card: cardID, Online: a.central.Online})
		return err
	})
	var session int64
	if err == nil {
		err = a.central.RemoteStart(c.Request.Context(), p, &session)
	}
	reshow := func(status int, msg string) { a.showChargerID(c, p.Charger, status, msg) }
	if e, ok := errs.As(err); ok && p.Charger == 0 || ok && e.Code == errs.NotFound {
		reshow = nil
	}
	a.afterChange(c, err, "/sessions/"+itoa(session)+"?notice=session-started", reshow)
}

// stopSession asks the session's charger to stop it (RemoteStopTransaction) and waits for
// the charger's StopTransaction, which completes it and issues its receipt.
func (a *App) stopSession(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This charging session"))
		return
	}
	ch := a.change(c)
	err := a.tx(c, func(tx *sql.Tx) (err error) {
		_, err = charging.StopByDriver(c.Request.Context(), tx, ch.Actor, ch.Customer, ch.Now, id)
		return err
	})
	if err == nil {
		err = a.central.RemoteStop(c.Request.Context(), ch.Customer, id)
	}
	a.afterChange(c, err, "/sessions/"+itoa(id)+"?notice=session-stopped", nil)
}
