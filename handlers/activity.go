package handlers

import (
	"database/sql"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"chargedesk/impersonation"
	"chargedesk/queries"
)

const activityPageSize = 50

// activityItem is one line of a customer's history as pages show it, formatted once in Go
// (the template only prints fields).
type activityItem struct {
	When      string
	Kind      string // session, receipt, support, or an account change (card_blocked, …)
	Summary   string
	Href      string // the session's or receipt's page, or ""
	ActorRole string // customer, support or system
	Who       string // the actor as the customer reads it: You, ChargeDesk support, ChargeDesk

	view view // a support view (an impersonation), grouped with re-entries on its ticket
}

// view is a run of support views of the account on one ticket, oldest start to newest end.
type view struct {
	ticket      string
	from, until int64 // until 0: still going on
	visits      int
}

func (v view) summary() string {
	until := "now"
	if v.until != 0 {
		until = clock(v.until)
	}
	visits := ""
	if v.visits > 1 {
		visits = fmt.Sprintf(", %d visits", v.visits)
	}
	return fmt.Sprintf("Support viewed your account (ticket %s), %s–%s%s", v.ticket, clock(v.from), until, visits)
}

type activityData struct {
	// GrantUntil is when the customer's "let support see my account" ends (0: none in force).
	GrantUntil int64
	Items      []activityItem
	Next       string // the "after" keyset of the next page, "" on the last
	Paged      bool   // this is not the first page
	// MailOn: this server sends email; Notices: the customer asked for one each time support
	// opens their account.
	MailOn, Notices bool
}

// activityPage shows the customer's own history, newest first, a page at a time, support
// access included: "Support viewed your account (ticket SUP-1234), 14:02–14:15" (support is
// named by role, never by email).
func (a *App) activityPage(c *gin.Context) {
	k, paged, ok := keysetParam(c, "after", 3)
	if !ok {
		a.fail(c, errBrokenPageLink())
		return
	}
	rows, err := a.r.ListActivity(c.Request.Context(), queries.ListActivityParams{ActingAs: actingAs(c),
		BeforeAt: k[0], BeforeID: k[1], BeforeSrc: k[2], MaxRows: activityPageSize + 1})
	if err != nil {
		a.fail(c, err)
		return
	}
	d := activityData{Paged: paged, MailOn: a.mail.Enabled()}
	if n, err := a.r.CustomerForNotice(c.Request.Context(), actingAs(c)); err == nil {
		d.Notices = n.NotifySupportAccess == 1
	}
	if g, err := a.r.ActiveSupportGrant(c.Request.Context(), queries.ActiveSupportGrantParams{ActingAs: actingAs(c), Now: a.now().Unix()}); err == nil {
		d.GrantUntil = g.ExpiresAt
	}
	rows, d.Next = cutPage(rows, activityPageSize, activityKeyset)
	d.Items = activityItems(marker(c), rows)
	a.render(c, http.StatusOK, "activity", &Page{Title: "Activity", Nav: "activity", Data: d, Notice: notice(c)})
}

// activityKeyset is the page-link keyset after row r (AT-ID-SRC).
func activityKeyset(r queries.ListActivityRow) string {
	return fmt.Sprintf("%d-%d-%d", r.At, r.ID, r.Src)
}

// activityItems words the rows of ListActivity for a page; as is the impersonation marker.
func activityItems(as int64, rows []queries.ListActivityRow) []activityItem {
	out := make([]activityItem, 0, len(rows))
	for _, r := range rows {
		it := activityItem{When: when(r.At), Kind: r.Kind, Summary: r.Summary, ActorRole: r.ActorRole, Who: "You"}
		switch r.ActorRole {
		case "support":
			it.Who = "ChargeDesk support"
		case "system":
			it.Who = "ChargeDesk"
		}
		switch r.Kind {
		case "session":
			it.Href = customerURL(as, fmt.Sprintf("/sessions/%d", r.ID))
		case "receipt":
			it.Href = customerURL(as, fmt.Sprintf("/receipts/%d", r.ID))
		case "support":
			if r.Src != 0 {
				break // an admin tool's own line ("Support refunded …"): its words stand
			}
			// A view: re-entries on the same ticket (the row before it on the page, newer) are
			// one line with the number of visits.
			if n := len(out); n > 0 && out[n-1].view.visits > 0 && out[n-1].view.ticket == r.Summary {
				prev := &out[n-1]
				prev.view.from, prev.view.visits = r.At, prev.view.visits+1
				prev.Summary, prev.When = prev.view.summary(), when(r.At)
				continue
			}
			it.Kind, it.view = "support visit", view{ticket: r.Summary, from: r.At, until: r.EndedAt, visits: 1}
			it.Summary = it.view.summary()
		}
		out = append(out, it)
	}
	return out
}

// grantSupportAccess is POST /support-access: the customer lets support see their account for
// 24 hours (needed when the account is protected). Only the customer themself.
func (a *App) grantSupportAccess(c *gin.Context) {
	ch := a.change(c)
	err := a.tx(c, func(tx *sql.Tx) error {
		return impersonation.GrantAccess(c.Request.Context(), tx, ch.Actor, ch.Customer, ch.Now)
	})
	a.afterChange(c, err, "/activity?notice=access-granted", nil)
}

// revokeSupportAccess is POST /support-access/revoke: the grant ends, and so does any open
// impersonation of the customer.
func (a *App) revokeSupportAccess(c *gin.Context) {
	ch := a.change(c)
	err := a.tx(c, func(tx *sql.Tx) error {
		_, err := impersonation.RevokeAccess(c.Request.Context(), tx, a.trail, ch.Actor, ch.Customer, c.ClientIP(), c.Request.UserAgent(), ch.Now)
		return err
	})
	a.afterChange(c, err, "/activity?notice=access-revoked", nil)
}
