package handlers

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"chargedesk/queries"
)

// cards lists the customer's EV cards.
func (a *App) cards(c *gin.Context) { a.showCards(c, http.StatusOK, "", nil) }

func (a *App) showCards(c *gin.Context, status int, problem string, form map[string]string) {
	cards, err := a.r.ListCards(c.Request.Context(), actingAs(c))
	if err != nil {
		a.fail(c, errInternal(err))
		return
	}
	if form == nil {
		form = map[string]string{}
	}
	a.render(c, status, "cards", &Page{Title: "EV cards", Nav: "cards", Data: cards, Problem: problem, Form: form, Notice: notice(c)})
}

// addCard orders a new EV card under the customer's contract.
func (a *App) addCard(c *gin.Context) {
	label, ok := textParam(c.PostForm("label"), 60)
	if !ok || label == "" {
		a.showCards(c, http.StatusUnprocessableEntity, "Give the card a name of 1 to 60 characters, e.g. “Family car”.", formValues(c, "label"))
		return
	}
	ctx, cust, now := c.Request.Context(), actingAs(c), a.now()
	err := a.tx(c, func(tx *sql.Tx) error {
		q := queries.New(tx)
		serial, err := q.NextCardSerial(ctx)
		if err != nil {
			return err
		}
		uid := make([]byte, 7)
		rand.Read(uid)
		number := fmt.Sprintf("DE-EVX-%06d", serial)
		if _, err := q.InsertCard(ctx, queries.InsertCardParams{
			ActingAs: cust, VisualNumber: number, Uid: strings.ToUpper(hex.EncodeToString(uid)),
			ContractID: fmt.Sprintf("DE*CDK*C%07d", cust*10), Label: label, CreatedAt: now.Unix(),
		}); err != nil {
			return err
		}
		return a.activity(ctx, q, c, "card", fmt.Sprintf("Ordered EV card %s (%s)", number, label))
	})
	if err != nil {
		a.fail(c, errInternal(err))
		return
	}
	a.seeOther(c, "/cards?notice=card-added")
}

// blockCard blocks an active card so it can no longer start sessions.
func (a *App) blockCard(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This card"))
		return
	}
	ctx, cust := c.Request.Context(), actingAs(c)
	err := a.tx(c, func(tx *sql.Tx) error {
		q := queries.New(tx)
		card, err := q.GetCard(ctx, queries.GetCardParams{ID: id, ActingAs: cust})
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound("This card")
		} else if err != nil {
			return err
		}
		if card.Status != "active" {
			return errConflict("Card " + card.VisualNumber + " is already " + card.Status + ".")
		}
		if _, err := q.BlockCard(ctx, queries.BlockCardParams{ID: id, ActingAs: cust}); err != nil {
			return err
		}
		return a.activity(ctx, q, c, "card", "Blocked EV card "+card.VisualNumber)
	})
	var e *Error
	switch {
	case err == nil:
		a.seeOther(c, "/cards?notice=card-blocked")
	case errors.As(err, &e) && e.Status == http.StatusConflict && !wantsJSON(c):
		a.showCards(c, e.Status, e.Message, nil)
	default:
		a.fail(c, err)
	}
}
