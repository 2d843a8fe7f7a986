package central

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"chargedesk/errs"
	"chargedesk/ocpp"
	"chargedesk/queries"
)

// SendDueReservations asks each charger to hold the reservations whose window has started
// (ReserveNow until the window ends: OCPP 1.6 reserves "from now"), and keeps its answer on
// the reservation. A charger that is offline is asked again on the next round, while the
// window lasts. It returns how many chargers answered.
func (c *Central) SendDueReservations(ctx context.Context) (int, error) {
	now := c.now()
	due, err := c.r.DueReservations(ctx, now.Unix())
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range due {
		if !c.Online(r.OcppID) {
			continue
		}
		answer, err := c.Call(ctx, r.ChargerID, r.OcppID, "ReserveNow", ocpp.ReserveNowReq{ConnectorID: int(r.ConnectorNumber),
			ExpiryDate: time.Unix(r.EndsAt, 0).UTC(), IDTag: r.Uid, ReservationID: r.ID})
		if e, ok := errs.As(err); ok && e.Code == errs.Unreachable {
			answer = "no answer"
		} else if err != nil {
			continue // went offline, or refused with a CALLERROR: asked again next round
		}
		n++
		if err := c.setAnswer(ctx, r.ID, r.UserID, answer); err != nil {
			return n, err
		}
	}
	return n, nil
}

func (c *Central) setAnswer(ctx context.Context, id, customer int64, answer string) error {
	return c.db.Tx(ctx, func(tx *sql.Tx) error {
		return c.inTx(tx).SetReservationAnswer(ctx, queries.SetReservationAnswerParams{ID: id, ActingAs: customer,
			Answer: sql.NullString{String: answer, Valid: true}, At: sql.NullInt64{Int64: c.now().Unix(), Valid: true}})
	})
}

// ReleaseAtCharger tells the charger holding a cancelled reservation to release it
// (CancelReservation). A reservation the charger was never asked to hold needs nothing; one
// whose charger is offline is released by the charger itself when it expires.
func (c *Central) ReleaseAtCharger(ctx context.Context, customer, id int64) error {
	r, err := c.r.ReservationCharger(ctx, queries.ReservationChargerParams{ID: id, ActingAs: customer})
	if errors.Is(err, sql.ErrNoRows) || (err == nil && r.ChargerAnswer != "Accepted") {
		return nil
	} else if err != nil {
		return err
	}
	answer, err := c.Call(ctx, r.ID, r.OcppID, "CancelReservation", ocpp.CancelReservationReq{ReservationID: id})
	if err != nil {
		return err
	}
	if answer == "Accepted" {
		answer = "Released"
	}
	return c.setAnswer(ctx, id, customer, answer)
}
