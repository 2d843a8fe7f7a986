package handlers

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"chargedesk/queries"
)

// approvalsBadge is GET /admin/approvals/badge: the console nav's Approvals link with how many
// requests wait for someone other than their requester, polled by the nav (htmx, every 3 s)
// without touching the session (polled).
func (a *App) approvalsBadge(c *gin.Context) {
	n, err := a.r.CountApprovalsFor(c.Request.Context(), queries.CountApprovalsForParams{Now: a.now().Unix(), Viewer: currentUser(c).ID})
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "approvals_badge", &Page{Title: "Approvals", Nav: "admin", Data: n})
}

// approvalPage is the requester's state of an approval request (its own URL, so a reload
// asks nothing again):
type approvalPage struct {
	A     queries.GetApprovalForRequesterRow
	State string // waiting, approved, used, expired
	Page  string // the customer page Start lands on (a ticket's deep link), or ""
}

// approvalWaiting is GET /admin/approvals/:id: the requester's waiting page. While it waits it
// asks again every 2 s (?poll=1, which does not keep the login alive) and turns into
// "Approved by Alex — Start now"; only the requester sees it.
func (a *App) approvalWaiting(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This approval request"))
		return
	}
	r, err := a.r.GetApprovalForRequester(c.Request.Context(), queries.GetApprovalForRequesterParams{ID: id, RequesterID: currentUser(c).ID})
	if errors.Is(err, sql.ErrNoRows) {
		a.fail(c, errNotFound("This approval request"))
		return
	} else if err != nil {
		a.fail(c, err)
		return
	}
	d := approvalPage{A: r, State: "waiting"}
	if p, ok := a.customerPage(c.Query("page")); ok {
		d.Page = p
	}
	now := a.now().Unix()
	switch {
	case r.UsedAt.Valid:
		d.State = "used"
	case r.ExpiresAt <= now:
		d.State = "expired"
	case r.ApprovedAt.Valid:
		d.State = "approved"
	}
	a.render(c, http.StatusOK, "approval_pending", &Page{Title: approvalTitles[d.State], Nav: "customers", Data: d})
}

var approvalTitles = map[string]string{
	"waiting": "Waiting for approval", "approved": "Approved — start now", "used": "Approval used", "expired": "Approval expired",
}

// approvalURL is the requester's waiting page of request id, keeping the page to land on.
func approvalURL(id int64, page string) string {
	u := fmt.Sprintf("/admin/approvals/%d", id)
	if page != "" {
		u = addQuery(u, "page", page)
	}
	return u
}
