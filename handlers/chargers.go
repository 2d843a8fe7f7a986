package handlers

import (
	"database/sql"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"chargedesk/queries"
)

// chargerRow is one charger in a list, with whether it is online.
type chargerRow struct {
	ID           int64
	Name         string
	LocationName string
	Address      string
	City         string
	MaxPowerW    int64
	LastSeenAt   int64
	Online       bool
}

type chargersData struct {
	Owned, Favourites, Public []chargerRow
}

// online: a charger is online while its last heartbeat is within three intervals.
func online(lastSeen sql.NullInt64, interval int64, now time.Time) bool {
	return lastSeen.Valid && now.Unix()-lastSeen.Int64 <= 3*interval
}

func toChargerRows[T queries.ListOwnedChargersRow | queries.ListFavouriteChargersRow | queries.ListOtherPublicChargersRow](rows []T, now time.Time) []chargerRow {
	out := make([]chargerRow, 0, len(rows))
	for _, r := range rows {
		x := queries.ListOwnedChargersRow(r)
		out = append(out, chargerRow{ID: x.ID, Name: x.Name, LocationName: x.LocationName, Address: x.Address, City: x.City,
			MaxPowerW: x.MaxPowerW, LastSeenAt: x.LastSeenAt.Int64, Online: online(x.LastSeenAt, x.HeartbeatIntervalS, now)})
	}
	return out
}

// chargers lists the customer's home chargers, favourite public sites and the rest of the
// public network.
func (a *App) chargers(c *gin.Context) {
	ctx, cust, now := c.Request.Context(), actingAs(c), a.now()
	owned, err := a.r.ListOwnedChargers(ctx, cust)
	if err != nil {
		a.fail(c, err)
		return
	}
	favs, err := a.r.ListFavouriteChargers(ctx, cust)
	if err != nil {
		a.fail(c, err)
		return
	}
	public, err := a.r.ListOtherPublicChargers(ctx, cust)
	if err != nil {
		a.fail(c, err)
		return
	}
	d := chargersData{Owned: toChargerRows(owned, now), Favourites: toChargerRows(favs, now), Public: toChargerRows(public, now)}
	a.render(c, http.StatusOK, "chargers", &Page{Title: "Chargers", Nav: "chargers", Data: d})
}

type chargerData struct {
	Charger    queries.GetVisibleChargerRow
	Online     bool
	Connectors []queries.ListChargerConnectorsRow
	Cards      []queries.ListCardsRow // active cards, for the start form
	HasPayment bool
}

// charger shows one charger: its connectors with OCPP status and a start form per free one.
func (a *App) charger(c *gin.Context) {
	a.showCharger(c, http.StatusOK, "")
}

func (a *App) showCharger(c *gin.Context, status int, problem string) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This charger"))
		return
	}
	a.showChargerID(c, id, status, problem)
}

func (a *App) showChargerID(c *gin.Context, id int64, status int, problem string) {
	ctx, cust := c.Request.Context(), actingAs(c)
	ch, err := a.r.GetVisibleCharger(ctx, queries.GetVisibleChargerParams{ID: id, ActingAs: cust})
	if !a.found(c, err, "This charger") {
		return
	}
	d := chargerData{Charger: ch, Online: a.central.Online(ch.OcppID)} // connected over OCPP now
	if d.Connectors, err = a.r.ListChargerConnectors(ctx, queries.ListChargerConnectorsParams{ChargerID: id, ActingAs: cust}); err != nil {
		a.fail(c, err)
		return
	}
	if d.Cards, err = a.activeCards(c); err != nil {
		a.fail(c, err)
		return
	}
	_, err = a.r.GetDefaultPaymentMethod(ctx, cust)
	d.HasPayment = err == nil
	a.render(c, status, "charger", &Page{Title: ch.LocationName, Nav: "chargers", Data: d, Problem: problem, Notice: notice(c)})
}

// activeCards lists the acting customer's cards that can start a session.
func (a *App) activeCards(c *gin.Context) ([]queries.ListCardsRow, error) {
	all, err := a.r.ListCards(c.Request.Context(), actingAs(c))
	if err != nil {
		return nil, err
	}
	var out []queries.ListCardsRow
	for _, card := range all {
		if card.Status == "active" {
			out = append(out, card)
		}
	}
	return out, nil
}
