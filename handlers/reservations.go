package handlers

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"chargedesk/queries"
)

type reservationsData struct {
	Reservations []queries.ListReservationsRow
	EVSEs        []queries.ListReservableEVSEsRow
	Cards        []queries.ListCardsRow
}

// reservations lists the customer's reservations and offers a form for a new one.
func (a *App) reservations(c *gin.Context) { a.showReservations(c, http.StatusOK, "", nil) }

func (a *App) showReservations(c *gin.Context, status int, problem string, form map[string]string) {
	ctx, cust := c.Request.Context(), actingAs(c)
	var d reservationsData
	var err error
	if d.Reservations, err = a.r.ListReservations(ctx, cust); err != nil {
		a.fail(c, errInternal(err))
		return
	}
	if d.EVSEs, err = a.r.ListReservableEVSEs(ctx, cust); err != nil {
		a.fail(c, errInternal(err))
		return
	}
	if d.Cards, err = a.activeCards(c); err != nil {
		a.fail(c, errInternal(err))
		return
	}
	if form == nil {
		tomorrow := a.now().In(displayZone).AddDate(0, 0, 1)
		form = map[string]string{"date": tomorrow.Format("2006-01-02"), "time": "08:00", "minutes": "30"}
	}
	a.render(c, status, "reservations", &Page{Title: "Reservations", Nav: "reservations", Data: d, Problem: problem, Form: form, Notice: notice(c)})
}

// createReservation holds an EVSE for a future window with one of the customer's cards.
func (a *App) createReservation(c *gin.Context) {
	form := formValues(c, "evse_id", "card_id", "date", "time", "minutes")
	bad := func(msg string) { a.showReservations(c, http.StatusUnprocessableEntity, msg, form) }
	evseID, ok1 := formID(c, "evse_id")
	cardID, ok2 := formID(c, "card_id")
	if !ok1 || !ok2 {
		bad("Choose a charge point and one of your EV cards.")
		return
	}
	start, err := time.ParseInLocation("2006-01-02 15:04", form["date"]+" "+form["time"], displayZone)
	if err != nil {
		bad("Enter the start as a date and a time, e.g. 2026-11-25 and 08:00.")
		return
	}
	minutes, err := strconv.Atoi(form["minutes"])
	if err != nil || minutes < 15 || minutes > 120 {
		bad("A reservation lasts 15 to 120 minutes.")
		return
	}
	now := a.now()
	switch {
	case !start.After(now):
		bad("The reservation must start in the future.")
		return
	case start.After(now.AddDate(0, 0, 30)):
		bad("Reservations can be made up to 30 days ahead.")
		return
	}
	end := start.Add(time.Duration(minutes) * time.Minute)
	ctx, cust := c.Request.Context(), actingAs(c)
	err = a.tx(c, func(tx *sql.Tx) error {
		q := queries.New(tx)
		if _, err := q.GetReservableEVSE(ctx, queries.GetReservableEVSEParams{ID: evseID, ActingAs: cust}); errors.Is(err, sql.ErrNoRows) {
			return errInvalid("That charge point cannot be reserved. Choose one from the list.")
		} else if err != nil {
			return err
		}
		card, err := q.GetCard(ctx, queries.GetCardParams{ID: cardID, ActingAs: cust})
		if errors.Is(err, sql.ErrNoRows) || (err == nil && card.Status != "active") {
			return errInvalid("Choose one of your active EV cards.")
		} else if err != nil {
			return err
		}
		n, err := q.CountOverlappingReservations(ctx, queries.CountOverlappingReservationsParams{EvseID: evseID, StartsAt: start.Unix(), EndsAt: end.Unix()})
		if err != nil {
			return err
		}
		if n > 0 {
			return errConflict("That charge point is already reserved at that time. Choose another time or charge point.")
		}
		if _, err := q.InsertReservation(ctx, queries.InsertReservationParams{
			ActingAs: cust, EvseID: evseID, CardID: cardID, StartsAt: start.Unix(), EndsAt: end.Unix(), CreatedAt: now.Unix(),
		}); err != nil {
			return err
		}
		return a.activity(ctx, q, c, "reservation", fmt.Sprintf("Reserved a charge point for %s, %d minutes", when(start.Unix()), minutes))
	})
	var e *Error
	switch {
	case err == nil:
		a.seeOther(c, "/reservations?notice=res-created")
	case errors.As(err, &e) && e.Status < 500 && !wantsJSON(c):
		a.showReservations(c, e.Status, e.Message, form)
	default:
		a.fail(c, err)
	}
}

// cancelReservation cancels a reservation whose window has not ended.
func (a *App) cancelReservation(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This reservation"))
		return
	}
	ctx, cust, now := c.Request.Context(), actingAs(c), a.now()
	err := a.tx(c, func(tx *sql.Tx) error {
		q := queries.New(tx)
		r, err := q.GetReservation(ctx, queries.GetReservationParams{ID: id, ActingAs: cust})
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound("This reservation")
		} else if err != nil {
			return err
		}
		n, err := q.CancelReservation(ctx, queries.CancelReservationParams{ID: id, ActingAs: cust, Now: sql.NullInt64{Int64: now.Unix(), Valid: true}})
		if err != nil {
			return err
		}
		if n == 0 {
			return errConflict("This reservation is " + r.Status + " and can no longer be cancelled.")
		}
		return a.activity(ctx, q, c, "reservation", "Cancelled the reservation for "+when(r.StartsAt))
	})
	var e *Error
	switch {
	case err == nil:
		a.seeOther(c, "/reservations?notice=res-cancelled")
	case errors.As(err, &e) && e.Status == http.StatusConflict && !wantsJSON(c):
		a.showReservations(c, e.Status, e.Message, nil)
	default:
		a.fail(c, err)
	}
}
