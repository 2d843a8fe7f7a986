package handlers

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"chargedesk/queries"
)

// activity records a change in the acting customer's history, inside the change's own
// transaction. A change made by an impersonating admin is recorded as made by support.
func (a *App) activity(ctx context.Context, q *queries.Queries, c *gin.Context, kind, summary string) error {
	actor := "customer"
	if u := currentUser(c); u != nil && u.Role == "admin" {
		actor = "support"
	}
	return q.InsertActivity(ctx, queries.InsertActivityParams{
		ActingAs: actingAs(c), At: a.now().Unix(), Kind: kind, Summary: summary, ActorRole: actor,
	})
}

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
