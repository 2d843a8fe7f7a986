package handlers

import (
	"database/sql"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"chargedesk/account"
	"chargedesk/queries"
)

// cards lists the customer's EV cards.
func (a *App) cards(c *gin.Context) { a.showCards(c, http.StatusOK, "", nil) }

type cardsData struct {
	Cards []queries.ListCardsPageRow // one page, newest first
	Next  string                     // the "after" keyset (an id) of the next page, "" on the last
	Paged bool                       // past the first page
}

func cardKeyset(r queries.ListCardsPageRow) string { return strconv.FormatInt(r.ID, 10) }

func (a *App) showCards(c *gin.Context, status int, problem string, form map[string]string) {
	k, paged, ok := keysetParam(c, "after", 1)
	if !ok {
		a.fail(c, errBrokenPageLink())
		return
	}
	rows, err := a.r.ListCardsPage(c.Request.Context(), queries.ListCardsPageParams{ActingAs: actingAs(c), BelowID: k[0], PageSize: listPageSize + 1})
	if err != nil {
		a.fail(c, err)
		return
	}
	d := cardsData{Paged: paged}
	d.Cards, d.Next = cutPage(rows, listPageSize, cardKeyset)
	if form == nil {
		form = map[string]string{}
	}
	a.render(c, status, "cards", &Page{Title: "EV cards", Nav: "cards", Data: d, Problem: problem, Form: form, Notice: notice(c)})
}

// addCard orders a new EV card under the customer's contract.
func (a *App) addCard(c *gin.Context) {
	err := a.tx(c, func(tx *sql.Tx) error {
		_, err := account.AddCard(c.Request.Context(), tx, a.change(c), c.PostForm("label"))
		return err
	})
	a.afterChange(c, err, "/cards?notice=card-added", func(status int, msg string) { a.showCards(c, status, msg, formValues(c, "label")) })
}

// blockCard blocks an active card so it can no longer start sessions.
func (a *App) blockCard(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This card"))
		return
	}
	err := a.tx(c, func(tx *sql.Tx) error { return account.BlockCard(c.Request.Context(), tx, a.change(c), id) })
	a.afterChange(c, err, "/cards?notice=card-blocked", func(status int, msg string) { a.showCards(c, status, msg, nil) })
}
