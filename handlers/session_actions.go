package handlers

import (
	"database/sql"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"chargedesk/charging"
	"chargedesk/queries"
)

// startSession starts a (simulated) charging session on a connector with one of the
// customer's cards. It is refused without a payment method, on a busy connector, and with a
// card that is not active.
func (a *App) startSession(c *gin.Context) {
	connID, ok1 := formID(c, "connector_id")
	cardID, ok2 := formID(c, "card_id")
	if !ok1 || !ok2 {
		a.fail(c, errInvalid("Choose a connector and one of your EV cards to start charging."))
		return
	}
	ctx, cust, now := c.Request.Context(), actingAs(c), a.now()
	var chargerID, sessionID int64
	err := a.tx(c, func(tx *sql.Tx) error {
		q := queries.New(tx)
		conn, err := q.GetStartableConnector(ctx, queries.GetStartableConnectorParams{ID: connID, ActingAs: cust})
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound("This connector")
		} else if err != nil {
			return err
		}
		chargerID = conn.ChargerID
		card, err := q.GetCard(ctx, queries.GetCardParams{ID: cardID, ActingAs: cust})
		if errors.Is(err, sql.ErrNoRows) {
			return errInvalid("Choose one of your own EV cards.")
		} else if err != nil {
			return err
		}
		if card.Status != "active" {
			return errInvalid("Card " + card.VisualNumber + " is " + card.Status + " and cannot start charging. Choose an active card.")
		}
		pm, err := q.GetDefaultPaymentMethod(ctx, cust)
		if errors.Is(err, sql.ErrNoRows) {
			return errInvalid("Add a payment method before you start charging.")
		} else if err != nil {
			return err
		}
		if conn.Busy == 1 || (conn.Status != "Available" && conn.Status != "Preparing") {
			return errConflict("This connector is busy (" + conn.Status + "). Choose another one.")
		}
		if n, err := q.CardInActiveSession(ctx, queries.CardInActiveSessionParams{CardID: cardID, ActingAs: cust}); err != nil {
			return err
		} else if n > 0 {
			return errConflict("Card " + card.VisualNumber + " is already charging in another session.")
		}
		t, err := charging.LoadTariff(ctx, q, conn.TariffID)
		if err != nil {
			return err
		}
		meter, err := q.ConnectorMeterWh(ctx, connID)
		if err != nil {
			return err
		}
		sessionID, err = q.InsertSession(ctx, queries.InsertSessionParams{
			ActingAs: cust, ConnectorID: connID, CardID: cardID, PaymentMethodID: sql.NullInt64{Int64: pm.ID, Valid: true},
			StartedAt: now.Unix(), MeterStartWh: meter, TariffSnapshot: t.Snapshot(),
		})
		if err != nil {
			if strings.Contains(err.Error(), "UNIQUE constraint failed: charging_sessions.connector_id") {
				return errConflict("This connector is busy. Choose another one.")
			}
			return err
		}
		if err := q.SetConnectorStatus(ctx, queries.SetConnectorStatusParams{ID: connID, Status: "Charging"}); err != nil {
			return err
		}
		if err := q.TouchCharger(ctx, queries.TouchChargerParams{ID: conn.ChargerID, At: sql.NullInt64{Int64: now.Unix(), Valid: true}}); err != nil {
			return err
		}
		return q.InsertMeterReading(ctx, queries.InsertMeterReadingParams{SessionID: sessionID, ActingAs: cust, At: now.Unix(), EnergyWh: meter})
	})
	var e *Error
	switch {
	case err == nil:
		a.seeOther(c, "/sessions/"+itoa(sessionID)+"?notice=session-started")
	case errors.As(err, &e) && e.Status < 500 && e.Status != http.StatusNotFound && chargerID != 0 && !wantsJSON(c):
		a.showChargerID(c, chargerID, e.Status, e.Message)
	default:
		a.fail(c, err)
	}
}

// stopSession stops the customer's active session and issues its receipt.
func (a *App) stopSession(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This charging session"))
		return
	}
	ctx, cust := c.Request.Context(), actingAs(c)
	if _, err := a.r.GetSession(ctx, queries.GetSessionParams{ID: id, ActingAs: cust}); errors.Is(err, sql.ErrNoRows) {
		a.fail(c, errNotFound("This charging session"))
		return
	} else if err != nil {
		a.fail(c, errInternal(err))
		return
	}
	err := a.tx(c, func(tx *sql.Tx) error {
		_, err := charging.Stop(ctx, tx, charging.StopRequest{
			SessionID: id, ActingAs: cust, At: a.now(),
			EndedBy: charging.EndedByDriver, Reason: "Stopped by the driver in ChargeDesk",
		})
		return err
	})
	switch {
	case errors.Is(err, charging.ErrNotActive):
		a.fail(c, errConflict("This charging session has already ended."))
	case err != nil:
		a.fail(c, errInternal(err))
	default:
		a.seeOther(c, "/sessions/"+itoa(id)+"?notice=session-stopped")
	}
}
