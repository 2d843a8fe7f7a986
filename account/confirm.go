package account

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"chargedesk/errs"
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

// The questions, one per destructive action.
func BlockCardQuestion(visual string) Question {
	return Question{"Block card " + visual + "?", "It stops working at once; only support can issue a replacement.", "Block card"}
}

func RemovePaymentMethodQuestion(brand, last4 string) Question {
	return Question{"Remove " + brand + " ••" + last4 + "?", "You would need to add it again to use it.", "Remove"}
}

var (
	CancelReservationQuestion = Question{"Cancel this reservation?", "The charge point is released for others.", "Cancel reservation"}
	StopChargingQuestion      = Question{"Stop charging now?", "The session ends and its receipt is issued.", "Stop charging"}
)

// AskBlockCard is the question before blocking card id of customer, or the refusal BlockCard
// would give (not theirs, not active).
func AskBlockCard(ctx context.Context, q *queries.Queries, customer, id int64) (Question, error) {
	card, err := cardToBlock(ctx, q, customer, id)
	return BlockCardQuestion(card.VisualNumber), err
}

// AskRemovePaymentMethod is the question before removing payment method id, or the refusal
// DeletePaymentMethod would give.
func AskRemovePaymentMethod(ctx context.Context, q *queries.Queries, customer, id int64) (Question, error) {
	pm, err := paymentMethodToRemove(ctx, q, customer, id)
	return RemovePaymentMethodQuestion(pm.Brand, pm.Last4), err
}

// AskCancelReservation is the question before cancelling reservation id, or the refusal
// CancelReservation would give.
func AskCancelReservation(ctx context.Context, q *queries.Queries, customer, id int64, now time.Time) (Question, error) {
	r, err := q.GetReservation(ctx, queries.GetReservationParams{ID: id, ActingAs: customer})
	if errors.Is(err, sql.ErrNoRows) {
		return Question{}, errs.NotFoundf("This reservation")
	} else if err != nil {
		return Question{}, err
	}
	if (r.Status != "requested" && r.Status != "accepted") || r.EndsAt <= now.Unix() {
		return Question{}, errs.Conflictf("This reservation is %s and can no longer be cancelled.", r.Status)
	}
	return CancelReservationQuestion, nil
}

// cardToBlock is card id of customer when it can be blocked.
func cardToBlock(ctx context.Context, q *queries.Queries, customer, id int64) (queries.EvCard, error) {
	card, err := q.GetCard(ctx, queries.GetCardParams{ID: id, ActingAs: customer})
	if errors.Is(err, sql.ErrNoRows) {
		return card, errs.NotFoundf("This card")
	} else if err != nil {
		return card, err
	}
	if card.Status != "active" {
		return card, errs.Conflictf("Card %s is already %s.", card.VisualNumber, card.Status)
	}
	return card, nil
}

// paymentMethodToRemove is payment method id of customer when it can be removed.
func paymentMethodToRemove(ctx context.Context, q *queries.Queries, customer, id int64) (queries.PaymentMethod, error) {
	pm, err := q.GetPaymentMethod(ctx, queries.GetPaymentMethodParams{ID: id, ActingAs: customer})
	if errors.Is(err, sql.ErrNoRows) {
		return pm, errs.NotFoundf("This payment method")
	} else if err != nil {
		return pm, err
	}
	if pm.IsDefault == 1 {
		return pm, errs.Conflictf("You cannot remove your default payment method. Make another one the default first.")
	}
	return pm, nil
}
