package handlers

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"chargedesk/queries"
)

// activityPage shows the customer's own history, support access included: "Support viewed
// your account — ticket SUP-1234, 14:02–14:15" (support is named by role, never by email).
func (a *App) activityPage(c *gin.Context) {
	ctx, cust := c.Request.Context(), actingAs(c)
	rows, err := a.r.ListActivity(ctx, queries.ListActivityParams{ActingAs: cust, MaxRows: 200})
	if err != nil {
		a.fail(c, errInternal(err))
		return
	}
	access, err := a.r.ListSupportAccess(ctx, cust)
	if err != nil {
		a.fail(c, errInternal(err))
		return
	}
	for _, s := range access {
		until := "now"
		if s.EndedAt.Valid {
			until = clock(s.EndedAt.Int64)
		}
		rows = append(rows, queries.ListActivityRow{At: s.StartedAt, Kind: "support", ActorRole: "support",
			Summary: fmt.Sprintf("Support viewed your account — ticket %s, %s–%s", s.Ticket, clock(s.StartedAt), until)})
	}
	slices.SortStableFunc(rows, func(x, y queries.ListActivityRow) int { return cmp.Compare(y.At, x.At) })
	a.render(c, http.StatusOK, "activity", &Page{Title: "Activity", Nav: "activity", Data: rows})
}
