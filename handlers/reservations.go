package handlers

import (
	"database/sql"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"chargedesk/account"
	"chargedesk/queries"
)

type reservationsData struct {
	Reservations []queries.ListReservationsRow // one page, newest start first
	Next         string                        // the "after" keyset of the next page, "" on the last
	Paged        bool                          // past the first page
	EVSEs        []queries.ListReservableEVSEsRow
	Cards        []queries.ListCardsRow
}

// listPageSize is how many rows a customer's list of cards or reservations shows at once.
const listPageSize = 20

// reservationKeyset is the page-link keyset after reservation r (STARTS-ID).
func reservationKeyset(r queries.ListReservationsRow) string {
	return fmt.Sprintf("%d-%d", r.StartsAt, r.ID)
}

// reservations lists the customer's reservations and offers a form for a new one.
func (a *App) reservations(c *gin.Context) { a.showReservations(c, http.StatusOK, "", nil) }

func (a *App) showReservations(c *gin.Context, status int, problem string, form map[string]string) {
	ctx, cust := c.Request.Context(), actingAs(c)
	k, paged, ok := keysetParam(c, "after", 2)
	if !ok {
		a.fail(c, errBrokenPageLink())
		return
	}
	d := reservationsData{Paged: paged}
	top, below := keysetTop(math.MaxInt64, k[0], k[1])
	rows, err := a.r.ListReservations(ctx, queries.ListReservationsParams{ActingAs: cust, TopAt: top, BelowID: below, PageSize: listPageSize + 1})
	if err != nil {
		a.fail(c, err)
		return
	}
	d.Reservations, d.Next = cutPage(rows, listPageSize, reservationKeyset)
	if d.EVSEs, err = a.r.ListReservableEVSEs(ctx, cust); err != nil {
		a.fail(c, err)
		return
	}
	if d.Cards, err = a.activeCards(c); err != nil {
		a.fail(c, err)
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
	reshow := func(status int, msg string) { a.showReservations(c, status, msg, form) }
	evseID, ok1 := formID(c, "evse_id")
	cardID, ok2 := formID(c, "card_id")
	start, err := time.ParseInLocation("2006-01-02 15:04", form["date"]+" "+form["time"], displayZone)
	minutes, merr := strconv.Atoi(form["minutes"])
	switch {
	case !ok1 || !ok2:
		reshow(http.StatusUnprocessableEntity, "Choose a charge point and one of your EV cards.")
		return
	case err != nil:
		reshow(http.StatusUnprocessableEntity, "Enter the start as a date and a time, e.g. 2026-11-25 and 08:00.")
		return
	case merr != nil:
		reshow(http.StatusUnprocessableEntity, "A reservation lasts 15 to 120 minutes.")
		return
	}
	err = a.tx(c, func(tx *sql.Tx) error {
		return account.Reserve(c.Request.Context(), tx, a.change(c), account.Reservation{EVSE: evseID, Card: cardID, Start: start, Minutes: minutes})
	})
	if err == nil {
		// One that starts now is held at its charger at once (else at the next maintenance round).
		if _, err := a.central.SendDueReservations(c.Request.Context()); err != nil {
			a.logErr(c, "send reservations to their chargers", err)
		}
	}
	a.afterChange(c, err, "/reservations?notice=res-created", reshow)
}

// cancelReservation cancels a reservation whose window has not ended.
func (a *App) cancelReservation(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This reservation"))
		return
	}
	err := a.tx(c, func(tx *sql.Tx) error { return account.CancelReservation(c.Request.Context(), tx, a.change(c), id) })
	if err == nil {
		if rerr := a.central.ReleaseAtCharger(c.Request.Context(), actingAs(c), id); rerr != nil {
			a.logErr(c, "release a cancelled reservation at its charger (it expires there by itself)", rerr)
		}
	}
	a.afterChange(c, err, "/reservations?notice=res-cancelled", func(status int, msg string) { a.showReservations(c, status, msg, nil) })
}
