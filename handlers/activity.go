package handlers

import (
	"context"
	"net/http"

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

// activityPage shows the customer's own history.
func (a *App) activityPage(c *gin.Context) {
	rows, err := a.r.ListActivity(c.Request.Context(), queries.ListActivityParams{ActingAs: actingAs(c), MaxRows: 200})
	if err != nil {
		a.fail(c, errInternal(err))
		return
	}
	a.render(c, http.StatusOK, "activity", &Page{Title: "Activity", Nav: "activity", Data: rows})
}
