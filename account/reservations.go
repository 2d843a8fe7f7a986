package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"chargedesk/errs"
	"chargedesk/format"
	"chargedesk/queries"
)

// Reservation is a request to hold an EVSE.
type Reservation struct {
	EVSE, Card int64
	Start      time.Time
	Minutes    int
}

// Reserve holds an EVSE for a future window with one of the customer's active cards.
func Reserve(ctx context.Context, tx *sql.Tx, ch Change, r Reservation) error {
	switch {
	case r.Minutes < 15 || r.Minutes > 120:
		return errs.Invalidf("A reservation lasts 15 to 120 minutes.")
	case !r.Start.After(ch.Now):
		return errs.Invalidf("The reservation must start in the future.")
	case r.Start.After(ch.Now.AddDate(0, 0, 30)):
		return errs.Invalidf("Reservations can be made up to 30 days ahead.")
	}
	end := r.Start.Add(time.Duration(r.Minutes) * time.Minute)
	q := queries.New(tx)
	if err := ch.begin(ctx, q); err != nil {
		return err
	}
	if _, err := q.GetReservableEVSE(ctx, queries.GetReservableEVSEParams{ID: r.EVSE, ActingAs: ch.Customer}); errors.Is(err, sql.ErrNoRows) {
		return errs.Invalidf("That charge point cannot be reserved. Choose one from the list.")
	} else if err != nil {
		return err
	}
	card, err := q.GetCard(ctx, queries.GetCardParams{ID: r.Card, ActingAs: ch.Customer})
	if errors.Is(err, sql.ErrNoRows) || (err == nil && card.Status != "active") {
		return errs.Invalidf("Choose one of your active EV cards.")
	} else if err != nil {
		return err
	}
	n, err := q.CountOverlappingReservations(ctx, queries.CountOverlappingReservationsParams{EvseID: r.EVSE, StartsAt: r.Start.Unix(), EndsAt: end.Unix()})
	if err != nil {
		return err
	}
	if n > 0 {
		return errs.Conflictf("That charge point is already reserved at that time. Choose another time or charge point.")
	}
	if _, err := q.InsertReservation(ctx, queries.InsertReservationParams{
		ActingAs: ch.Customer, EvseID: r.EVSE, CardID: r.Card, StartsAt: r.Start.Unix(), EndsAt: end.Unix(), CreatedAt: ch.Now.Unix(),
	}); err != nil {
		return err
	}
	return ch.log(ctx, q, "reservation", fmt.Sprintf("Reserved a charge point for %s, %d minutes", format.When(r.Start.Unix()), r.Minutes))
}

// CancelReservation cancels a reservation whose window has not ended.
func CancelReservation(ctx context.Context, tx *sql.Tx, ch Change, id int64) error {
	q := queries.New(tx)
	if err := ch.begin(ctx, q); err != nil {
		return err
	}
	r, err := q.GetReservation(ctx, queries.GetReservationParams{ID: id, ActingAs: ch.Customer})
	if errors.Is(err, sql.ErrNoRows) {
		return errs.NotFoundf("This reservation")
	} else if err != nil {
		return err
	}
	n, err := q.CancelReservation(ctx, queries.CancelReservationParams{ID: id, ActingAs: ch.Customer, Now: sql.NullInt64{Int64: ch.Now.Unix(), Valid: true}})
	if err != nil {
		return err
	}
	if n == 0 {
		return errs.Conflictf("This reservation is %s and can no longer be cancelled.", r.Status)
	}
	return ch.log(ctx, q, "reservation", "Cancelled the reservation for "+format.When(r.StartsAt))
}
