package charging

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"chargedesk/access"
	"chargedesk/account"
	"chargedesk/db"
	"chargedesk/errs"
	"chargedesk/queries"
)

// StartRequest starts a session on a connector with one of the customer's cards.
type StartRequest struct {
	Actor           access.Actor
	Customer        int64
	Now             time.Time
	Connector, Card int64
}

// Started is the new session, and the charger it is on (for the page to show on a refusal).
type Started struct {
	Session, Charger int64
}

// Start starts a (simulated) charging session inside tx. It is refused without a payment
// method, on a busy connector, with a card that is not active or already charging, and when
// the actor may no longer change the account (access.CheckCustomerWrite).
func Start(ctx context.Context, tx *sql.Tx, r StartRequest) (Started, error) {
	var st Started
	q := queries.New(tx)
	if err := access.CheckCustomerWrite(ctx, q, r.Actor, r.Customer, r.Now); err != nil {
		return st, err
	}
	conn, err := q.GetStartableConnector(ctx, queries.GetStartableConnectorParams{ID: r.Connector, ActingAs: r.Customer})
	if errors.Is(err, sql.ErrNoRows) {
		return st, errs.NotFoundf("This connector")
	} else if err != nil {
		return st, err
	}
	st.Charger = conn.ChargerID
	card, err := q.GetCard(ctx, queries.GetCardParams{ID: r.Card, ActingAs: r.Customer})
	if errors.Is(err, sql.ErrNoRows) {
		return st, errs.Invalidf("Choose one of your own EV cards.")
	} else if err != nil {
		return st, err
	}
	if card.Status != "active" {
		return st, errs.Invalidf("Card %s is %s and cannot start charging. Choose an active card.", card.VisualNumber, card.Status)
	}
	pm, err := q.GetDefaultPaymentMethod(ctx, r.Customer)
	if errors.Is(err, sql.ErrNoRows) {
		return st, errs.Invalidf("Add a payment method before you start charging.")
	} else if err != nil {
		return st, err
	}
	if conn.Busy == 1 || (conn.Status != "Available" && conn.Status != "Preparing") {
		return st, errs.Conflictf("This connector is busy (%s). Choose another one.", conn.Status)
	}
	if n, err := q.CardInActiveSession(ctx, queries.CardInActiveSessionParams{CardID: r.Card, ActingAs: r.Customer}); err != nil {
		return st, err
	} else if n > 0 {
		return st, errs.Conflictf("Card %s is already charging in another session.", card.VisualNumber)
	}
	t, err := LoadTariff(ctx, q, conn.TariffID)
	if err != nil {
		return st, err
	}
	meter, err := q.ConnectorMeterWh(ctx, r.Connector)
	if err != nil {
		return st, err
	}
	st.Session, err = q.InsertSession(ctx, queries.InsertSessionParams{
		ActingAs: r.Customer, ConnectorID: r.Connector, CardID: r.Card, PaymentMethodID: sql.NullInt64{Int64: pm.ID, Valid: true},
		StartedAt: r.Now.Unix(), MeterStartWh: meter, TariffSnapshot: t.OCPI().Snapshot(),
	})
	if db.IsConstraint(err, "charging_sessions.connector_id") {
		return st, errs.Conflictf("This connector is busy. Choose another one.")
	} else if err != nil {
		return st, err
	}
	if err := q.SetConnectorStatus(ctx, queries.SetConnectorStatusParams{ID: r.Connector, Status: "Charging"}); err != nil {
		return st, err
	}
	if err := q.TouchCharger(ctx, queries.TouchChargerParams{ID: conn.ChargerID, At: sql.NullInt64{Int64: r.Now.Unix(), Valid: true}}); err != nil {
		return st, err
	}
	return st, q.InsertMeterReading(ctx, queries.InsertMeterReadingParams{SessionID: st.Session, ActingAs: r.Customer, At: r.Now.Unix(), EnergyWh: meter})
}

// StopByDriver stops the customer's active session from ChargeDesk and issues its receipt.
func StopByDriver(ctx context.Context, tx *sql.Tx, a access.Actor, customer int64, now time.Time, session int64) error {
	q := queries.New(tx)
	if err := access.CheckCustomerWrite(ctx, q, a, customer, now); err != nil {
		return err
	}
	if _, err := q.GetSession(ctx, queries.GetSessionParams{ID: session, ActingAs: customer}); errors.Is(err, sql.ErrNoRows) {
		return errs.NotFoundf("This charging session")
	} else if err != nil {
		return err
	}
	_, err := Stop(ctx, tx, StopRequest{SessionID: session, ActingAs: customer, At: now,
		EndedBy: EndedByDriver, Reason: "Stopped by the driver in ChargeDesk"})
	if errors.Is(err, ErrNotActive) {
		return errs.Conflictf("This charging session has already ended.")
	}
	return err
}

// AskStop is the question before the driver stops session, or the refusal StopByDriver
// would give (not theirs, already ended).
func AskStop(ctx context.Context, q *queries.Queries, customer, session int64) (account.Question, error) {
	s, err := q.GetSession(ctx, queries.GetSessionParams{ID: session, ActingAs: customer})
	if errors.Is(err, sql.ErrNoRows) {
		return account.Question{}, errs.NotFoundf("This charging session")
	} else if err != nil {
		return account.Question{}, err
	}
	if s.Status != "ACTIVE" {
		return account.Question{}, errs.Conflictf("This charging session has already ended.")
	}
	return account.StopChargingQuestion, nil
}
