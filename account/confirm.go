package account

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"chargedesk/errs"
	"chargedesk/queries"
)

// The checks below are what a destructive change refuses (not the customer's, not in a state
// that allows it), asked before it too: the confirmation page shows the refusal instead of a
// question that could only fail.

// CancellableReservation is reservation id of customer when it can still be cancelled.
func CancellableReservation(ctx context.Context, q *queries.Queries, customer, id int64, now time.Time) (queries.Reservation, error) {
	r, err := q.GetReservation(ctx, queries.GetReservationParams{ID: id, ActingAs: customer})
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.NotFoundf("This reservation")
	} else if err != nil {
		return r, err
	}
	if (r.Status != "requested" && r.Status != "accepted") || r.EndsAt <= now.Unix() {
		return r, errs.Conflictf("This reservation is %s and can no longer be cancelled.", r.Status)
	}
	return r, nil
}

// BlockableCard is card id of customer when it can be blocked (BlockCard's check).
func BlockableCard(ctx context.Context, q *queries.Queries, customer, id int64) (queries.EvCard, error) {
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

// RemovablePaymentMethod is payment method id of customer when it can be removed
// (DeletePaymentMethod's check).
func RemovablePaymentMethod(ctx context.Context, q *queries.Queries, customer, id int64) (queries.PaymentMethod, error) {
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
