package charging

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"chargedesk/access"
	"chargedesk/db"
	"chargedesk/errs"
	"chargedesk/queries"
)

// StartRequest asks for a session on a connector with one of the customer's cards, from
// ChargeDesk ("Start charging").
type StartRequest struct {
	Actor           access.Actor
	Customer        int64
	Now             time.Time
	Connector, Card int64
	// Online reports whether a charge point (by its OCPP id) is connected now.
	Online func(ocppID string) bool
}

// StartPlan is a start that passed every check: the charge point to ask (RemoteStart-
// Transaction), the connector's number there, and the card's UID as the idTag.
type StartPlan struct {
	Charger         int64
	Connector       int64
	OCPPID          string
	ConnectorNumber int
	IDTag           string
}

// PlanStart checks a driver's start inside tx: the actor may change the account
// (access.CheckCustomerWrite), the connector is on a charger they may use and free, the card
// is theirs, active and not charging elsewhere, there is a payment method, and the charger
// is online. The session itself is created when the charger reports StartTransaction.
func PlanStart(ctx context.Context, tx *sql.Tx, r StartRequest) (StartPlan, error) {
	var p StartPlan
	q := queries.New(tx)
	if err := access.CheckCustomerWrite(ctx, q, r.Actor, r.Customer, r.Now); err != nil {
		return p, err
	}
	conn, err := q.GetStartableConnector(ctx, queries.GetStartableConnectorParams{ID: r.Connector, ActingAs: r.Customer})
	if errors.Is(err, sql.ErrNoRows) {
		return p, errs.NotFoundf("This connector")
	} else if err != nil {
		return p, err
	}
	p.Charger, p.Connector = conn.ChargerID, conn.ID
	card, err := q.GetCard(ctx, queries.GetCardParams{ID: r.Card, ActingAs: r.Customer})
	if errors.Is(err, sql.ErrNoRows) {
		return p, errs.Invalidf("Choose one of your own EV cards.")
	} else if err != nil {
		return p, err
	}
	if _, err := admit(ctx, q, r.Customer, conn, card.ID, card.Status, card.VisualNumber); err != nil {
		return p, err
	}
	if conn.Status != "Available" && conn.Status != "Preparing" { // what the charger last reported
		return p, errs.Conflictf("This connector is busy (%s). Choose another one.", conn.Status)
	}
	if p.OCPPID, err = q.ChargerOCPPID(ctx, conn.ChargerID); err != nil {
		return p, err
	}
	if !r.Online(p.OCPPID) {
		return p, errs.Conflictf("This charger is offline, so it cannot start charging now. Try another charger, or try again when it is back online.")
	}
	nums, err := q.ConnectorNumbers(ctx, conn.ChargerID)
	if err != nil {
		return p, err
	}
	for _, n := range nums {
		if n.ID == conn.ID {
			p.ConnectorNumber = int(n.Number)
		}
	}
	p.IDTag = card.Uid
	return p, nil
}

// admit is the rule for a card on a connector, wherever the start comes from: an active
// card, a payment method, no session holding the connector, the card not charging
// elsewhere. It returns the default payment method.
func admit(ctx context.Context, q *queries.Queries, customer int64, conn queries.GetStartableConnectorRow, card int64, status, visual string) (queries.PaymentMethod, error) {
	if status != "active" {
		return queries.PaymentMethod{}, errs.Invalidf("Card %s is %s and cannot start charging. Choose an active card.", visual, status)
	}
	pm, err := q.GetDefaultPaymentMethod(ctx, customer)
	if errors.Is(err, sql.ErrNoRows) {
		return pm, errs.Invalidf("Add a payment method before you start charging.")
	} else if err != nil {
		return pm, err
	}
	if conn.Busy == 1 {
		return pm, errs.Conflictf("This connector is busy (%s). Choose another one.", conn.Status)
	}
	if n, err := q.CardInActiveSession(ctx, queries.CardInActiveSessionParams{CardID: card, ActingAs: customer}); err != nil {
		return pm, err
	} else if n > 0 {
		return pm, errs.Conflictf("Card %s is already charging in another session.", visual)
	}
	return pm, nil
}

// AtCharger is a StartTransaction a charge point reports: a card presented at a connector.
type AtCharger struct {
	Connector  int64 // connectors.id
	Card       queries.CardByUIDRow
	MeterStart int64
	At         time.Time
}

// Refusal is why a charge point's start is refused, as the OCPP idTagInfo status and a
// sentence for its protocol log.
type Refusal struct {
	Status string // Blocked, Invalid, ConcurrentTx
	Why    string
}

// CardAt is the one rule for a card presented at a charger (its idTag, compared without
// regard to case: OCPP 1.6 section 7.28), the same for Authorize and StartTransaction: an
// unknown card is Invalid; a card of a disabled customer, or blocked or lost, is Blocked; a
// replaced card is Invalid; a home charger takes only its owner's cards (Invalid).
func CardAt(ctx context.Context, q *queries.Queries, charger int64, idTag string) (queries.CardByUIDRow, *Refusal, error) {
	card, err := q.CardByUID(ctx, idTag)
	if errors.Is(err, sql.ErrNoRows) {
		return card, &Refusal{"Invalid", "no EV card has the UID " + idTag}, nil
	} else if err != nil {
		return card, nil, err
	}
	switch {
	case card.OwnerStatus != "active":
		return card, &Refusal{"Blocked", "card " + card.VisualNumber + " belongs to a disabled account"}, nil
	case card.Status == "blocked" || card.Status == "lost":
		return card, &Refusal{"Blocked", "card " + card.VisualNumber + " is " + card.Status}, nil
	case card.Status == "replaced":
		return card, &Refusal{"Invalid", "card " + card.VisualNumber + " was replaced by a new card"}, nil
	case card.Status != "active":
		return card, &Refusal{"Invalid", "card " + card.VisualNumber + " is " + card.Status}, nil
	}
	owner, err := q.ChargerHomeOwner(ctx, charger)
	if err != nil {
		return card, nil, err
	}
	if owner != 0 && owner != card.UserID {
		return card, &Refusal{"Invalid", "card " + card.VisualNumber + " may not charge here (a home charger takes only its owner's cards)"}, nil
	}
	return card, nil, nil
}

// StartAtCharger creates the session a charge point started (StartTransaction), or says why
// the card may not charge there. The card passed CardAt; the same rule as PlanStart applies,
// with the card's owner as the customer.
func StartAtCharger(ctx context.Context, tx *sql.Tx, r AtCharger) (int64, *Refusal, error) {
	q := queries.New(tx)
	customer := r.Card.UserID
	conn, err := q.GetStartableConnector(ctx, queries.GetStartableConnectorParams{ID: r.Connector, ActingAs: customer})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, &Refusal{"Invalid", "card " + r.Card.VisualNumber + " may not charge here (a home charger takes only its owner's cards)"}, nil
	} else if err != nil {
		return 0, nil, err
	}
	if held, err := q.ActiveSessionOnConnector(ctx, r.Connector); err == nil {
		if same, err := q.SameStart(ctx, queries.SameStartParams{ID: held.ID, ActingAs: customer, CardID: r.Card.ID, MeterStartWh: r.MeterStart, StartedAt: r.At.Unix()}); err != nil {
			return 0, nil, err
		} else if same > 0 {
			// The charge point sends the StartTransaction it sent before (its answer was lost
			// when the connection dropped): the same transaction, not a new one.
			return held.ID, nil, nil
		}
		return 0, &Refusal{"Invalid", fmt.Sprintf("the connector is still held by session #%d (open since %s UTC); support can force-stop it",
			held.ID, time.Unix(held.StartedAt, 0).UTC().Format("2006-01-02 15:04"))}, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return 0, nil, err
	}
	pm, err := admit(ctx, q, customer, conn, r.Card.ID, r.Card.Status, r.Card.VisualNumber)
	if e, ok := errs.As(err); ok {
		status := "Invalid"
		if e.Code == errs.Conflict {
			status = "ConcurrentTx"
		}
		return 0, &Refusal{status, e.Message}, nil
	} else if err != nil {
		return 0, nil, err
	}
	t, err := LoadTariff(ctx, q, conn.TariffID)
	if err != nil {
		return 0, nil, err
	}
	id, err := q.InsertSession(ctx, queries.InsertSessionParams{
		ActingAs: customer, ConnectorID: r.Connector, CardID: r.Card.ID, PaymentMethodID: sql.NullInt64{Int64: pm.ID, Valid: true},
		StartedAt: r.At.Unix(), MeterStartWh: r.MeterStart, TariffSnapshot: t.OCPI().Snapshot(),
	})
	if db.IsConstraint(err, "charging_sessions.connector_id") {
		return 0, &Refusal{"Invalid", "the connector is busy"}, nil
	} else if err != nil {
		return 0, nil, err
	}
	if err := q.SetConnectorStatus(ctx, queries.SetConnectorStatusParams{ID: r.Connector, Status: "Charging"}); err != nil {
		return 0, nil, err
	}
	// The meter at the start; its power is unknown until the first MeterValues says.
	return id, nil, q.InsertMeterReading(ctx, queries.InsertMeterReadingParams{SessionID: id, ActingAs: customer, At: r.At.Unix(), EnergyWh: r.MeterStart})
}

// StopByDriver checks that the driver may stop session (theirs, active) and returns it; the
// charger is then asked to stop (RemoteStopTransaction) and its StopTransaction completes it.
func StopByDriver(ctx context.Context, tx *sql.Tx, a access.Actor, customer int64, now time.Time, session int64) (queries.ChargingSession, error) {
	q := queries.New(tx)
	if err := access.CheckCustomerWrite(ctx, q, a, customer, now); err != nil {
		return queries.ChargingSession{}, err
	}
	return Stoppable(ctx, q, customer, session)
}

// Stoppable is session of customer when the driver may stop it, or the refusal StopByDriver
// gives (not theirs, already ended): the confirmation page asks it first.
func Stoppable(ctx context.Context, q *queries.Queries, customer, session int64) (queries.ChargingSession, error) {
	s, err := q.GetSession(ctx, queries.GetSessionParams{ID: session, ActingAs: customer})
	if errors.Is(err, sql.ErrNoRows) {
		return s, errs.NotFoundf("This charging session")
	} else if err != nil {
		return s, err
	}
	if s.Status != "ACTIVE" {
		return s, errs.Conflictf("This charging session has already ended.")
	}
	return s, nil
}
