package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"chargedesk/queries"
)

type homeData struct {
	Profile queries.GetCustomerProfileRow
	Counts  queries.CustomerCountsRow
	Active  []queries.ListActiveSessionsRow
}

// home is the customer's start page: who they are, counts, and any session charging now.
func (a *App) home(c *gin.Context) {
	cust := actingAs(c)
	var d homeData
	var err error
	if d.Profile, err = a.r.GetCustomerProfile(c.Request.Context(), cust); err != nil {
		a.fail(c, errInternal(err))
		return
	}
	if d.Counts, err = a.r.CustomerCounts(c.Request.Context(), cust); err != nil {
		a.fail(c, errInternal(err))
		return
	}
	if d.Active, err = a.r.ListActiveSessions(c.Request.Context(), cust); err != nil {
		a.fail(c, errInternal(err))
		return
	}
	a.render(c, http.StatusOK, "home", &Page{Title: "Home", Nav: "home", Data: d})
}
