package handlers

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"chargedesk/queries"
)

type impersonationsData struct {
	Rows []queries.ListImpersonationsRow
	Next int64
}

// adminImpersonations lists every impersonation, newest first.
func (a *App) adminImpersonations(c *gin.Context) {
	before := int64(math.MaxInt64)
	if s := c.Query("before"); s != "" {
		n, ok := parseID(s)
		if !ok {
			a.fail(c, errBadRequest("That page link is broken; start again from the first page."))
			return
		}
		before = n
	}
	rows, err := a.r.ListImpersonations(c.Request.Context(), queries.ListImpersonationsParams{Before: before, PageSize: auditPageSize})
	if err != nil {
		a.fail(c, err)
		return
	}
	d := impersonationsData{Rows: rows}
	if len(rows) == auditPageSize {
		d.Next = rows[len(rows)-1].ID
	}
	a.render(c, http.StatusOK, "admin_impersonations", &Page{Title: "Impersonations", Nav: "impersonations", Data: d})
}

// reversal is the admin tool that undoes a write made while impersonating.
type reversal struct {
	Tool, Href string
}

// timelineItem is one step of an impersonation: its start, each route, each write or blocked
// write, its end.
type timelineItem struct {
	At      int64
	Table   string
	RowID   int64
	What    string // in words: "Sam Admin viewed the receipt #25"
	Raw     string // the request as recorded, for the technical details: "GET /receipts/25?as=3 → 200"
	Outcome string
	Status  int64
	Undo    *reversal
	end     bool // the end row, ordered last among rows of its second
}

type impersonationData struct {
	Imp        queries.GetImpersonationRow
	Items      []timelineItem
	TicketNote string
}

// reversalFor maps a customer-surface write to the admin tool that reverses it.
func reversalFor(r queries.ImpersonationAudit) *reversal {
	if r.Method != http.MethodPost || r.Outcome != "changed" || r.Route == startRoute {
		return nil
	}
	ref := url.PathEscape(fmt.Sprintf("impersonation_audit #%d", r.ID))
	href := func(section string) string {
		return fmt.Sprintf("/admin/customers/%d?reference=%s#%s", r.CustomerUserID, ref, section)
	}
	switch r.Route {
	case "/cards/:id/block":
		return &reversal{"Re-issue the card", href("cards")}
	case "/cards":
		return &reversal{"Re-issue or have the customer block the new card", href("cards")}
	case "/reservations/:id/cancel":
		return &reversal{"Restore the reservation", href("reservations")}
	case "/reservations":
		return &reversal{"The customer can cancel the reservation", href("reservations")}
	case "/sessions":
		return &reversal{"Force-stop the session, then refund it", href("sessions")}
	case "/sessions/:id/stop":
		return &reversal{"Refund the charge", href("receipts")}
	default:
		return &reversal{"No admin tool: ask the customer to change it back", href("payment")}
	}
}

// adminImpersonation is the timeline of one impersonation and a ticket note with its audit
// row ids, ready to paste.
func (a *App) adminImpersonation(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This impersonation"))
		return
	}
	ctx := c.Request.Context()
	imp, err := a.r.GetImpersonation(ctx, id)
	if !a.found(c, err, "This impersonation") {
		return
	}
	auth, err := a.r.ListAuthAuditForImpersonation(ctx, id)
	if err != nil {
		a.fail(c, err)
		return
	}
	routes, err := a.r.ListRouteAuditForImpersonation(ctx, id)
	if err != nil {
		a.fail(c, err)
		return
	}
	d := impersonationData{Imp: imp}
	var startRow, endRow int64
	agent := imp.AdminName
	for _, r := range auth {
		var m meta
		json.Unmarshal([]byte(r.Metadata), &m)
		// The agent by name alone, as in every line below.
		what := auditSentence(r.Tag, person{ID: imp.AdminUserID, Name: imp.AdminName}, person{imp.CustomerUserID, imp.CustomerName, "customer"}, m)
		if r.Tag == "impersonation.end" {
			endRow = r.ID
		} else if r.Tag == "impersonation.start" {
			startRow = r.ID
		}
		d.Items = append(d.Items, timelineItem{At: r.At, Table: "auth_audit", RowID: r.ID, What: what, Raw: r.Tag, end: r.Tag == "impersonation.end"})
	}
	var writes []string
	for _, r := range routes {
		d.Items = append(d.Items, timelineItem{At: r.At, Table: "impersonation_audit", RowID: r.ID,
			What: agent + " " + routeWords(r.Method, r.Route, r.Path, r.Outcome), Raw: r.Method + " " + r.Path + " → " + strconv.FormatInt(r.Status, 10),
			Outcome: r.Outcome, Status: r.Status, Undo: reversalFor(r)})
		if r.Method == http.MethodPost && r.Route != startRoute {
			writes = append(writes, fmt.Sprintf("impersonation_audit #%d %s %s (%s, %d)", r.ID, r.Method, r.Route, r.Outcome, r.Status))
		}
	}
	// Order by time; the start's auth row before its route row, the end last.
	sortTimeline(d.Items)
	d.TicketNote = ticketNote(imp, startRow, endRow, routes, writes, a.tickets.Href(imp.Ticket))
	a.render(c, http.StatusOK, "admin_impersonation", &Page{Title: fmt.Sprintf("Impersonation #%d", id), Nav: "impersonations", Data: d})
}

func sortTimeline(items []timelineItem) {
	rank := func(t timelineItem) int {
		switch {
		case t.end:
			return 2
		case t.Table == "auth_audit":
			return 0
		}
		return 1
	}
	slices.SortStableFunc(items, func(x, y timelineItem) int {
		return cmp.Or(cmp.Compare(x.At, y.At), cmp.Compare(rank(x), rank(y)), cmp.Compare(x.RowID, y.RowID))
	})
}

func ticketNote(imp queries.GetImpersonationRow, startRow, endRow int64, routes []queries.ImpersonationAudit, writes []string, ticketHref string) string {
	var b strings.Builder
	mode := "read-only"
	if imp.AllowChanges == 1 {
		mode = "changes allowed"
	}
	fmt.Fprintf(&b, "Impersonation #%d: %s as %s (%s), ticket %s, %s\n", imp.ID, imp.AdminName, imp.CustomerName, imp.CustomerPublicID, imp.Ticket, mode)
	if ticketHref != "" {
		fmt.Fprintf(&b, "Ticket: %s\n", ticketHref)
	}
	fmt.Fprintf(&b, "Reason: %s\n", imp.Reason)
	end := "still active"
	if imp.EndedAt.Valid {
		end = whenZoned(imp.EndedAt.Int64) + " (ended via " + imp.EndVia.String + ")"
	}
	fmt.Fprintf(&b, "From %s to %s\n", whenZoned(imp.StartedAt), end)
	endText := "none yet"
	if endRow > 0 {
		endText = fmt.Sprintf("#%d", endRow)
	}
	fmt.Fprintf(&b, "Audit: auth_audit #%d (start), %s (end)", startRow, endText)
	if len(routes) > 0 {
		fmt.Fprintf(&b, "; impersonation_audit #%d–#%d (%d rows)", routes[0].ID, routes[len(routes)-1].ID, len(routes))
	}
	b.WriteString("\n")
	if len(writes) == 0 {
		b.WriteString("Writes: none\n")
	} else {
		b.WriteString("Writes:\n")
		for _, w := range writes {
			b.WriteString("  " + w + "\n")
		}
	}
	return b.String()
}
