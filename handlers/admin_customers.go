package handlers

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"chargedesk/charging"
	"chargedesk/errs"
	"chargedesk/queries"
	"chargedesk/support"
)

const searchPageSize = 25

type adminCustomersData struct {
	Q       string
	Results []queries.SearchCustomersRow
	Rows    []customerRow // Results as the search page lists them
	Next    int64         // the id to continue after, 0 on the last page
	Paged   bool
	ByID    bool // a common search, paged in id order: its links say so (by=id)
	More    bool // the header's quick list shows only the first matches of more
}

// nameMatch is the FTS5 query for a name substring: one quoted phrase for the trigram index.
func nameMatch(q string) string {
	return `"` + strings.ReplaceAll(q, `"`, `""`) + `"`
}

// adminCustomers is the support search: Public ID exactly, email by prefix, name by
// substring, case-insensitive, one keyset page at a time. With HTMX it answers as you type.
func (a *App) adminCustomers(c *gin.Context) {
	q := strings.TrimSpace(c.Query("q"))
	d := adminCustomersData{Q: q}
	page := &Page{Title: "Customers", Nav: "customers", Data: &d}
	if !utf8.ValidString(q) || len(q) > 200 {
		d.Q = ""
		page.Problem = "Search for up to 200 characters of plain text."
		a.render(c, http.StatusBadRequest, "admin_customers", page)
		return
	}
	if q == "" {
		a.render(c, http.StatusOK, "admin_customers", page)
		return
	}
	after, ok := parseID(c.Query("after"))
	d.Paged = ok
	if c.Query("after") != "" && !ok {
		page.Problem = "That page link is broken; search again."
		a.render(c, http.StatusBadRequest, "admin_customers", page)
		return
	}
	var err error
	d.Results, d.Next, d.ByID, err = a.searchCustomers(c.Request.Context(), q, after, c.Query("by") == "id")
	if e, ok := err.(*errs.Error); ok {
		page.Problem = e.Message
		a.render(c, status(e), "admin_customers", page)
		return
	} else if err != nil {
		a.fail(c, err)
		return
	}
	d.Rows = customerRows(d.Results)
	a.render(c, http.StatusOK, "admin_customers", page)
}

// customerRow is a search result as the page lists it, formatted once in Go: the template
// only prints fields (three function calls a row by reflection were a tenth of the page).
type customerRow struct {
	ID                    int64
	Name, Email, PublicID string
	StatusClass, Status   string // "tag ok", "Active"
	ProtectedReason       string
	Since                 string // the day the account was made
}

func customerRows(rs []queries.SearchCustomersRow) []customerRow {
	out := make([]customerRow, len(rs))
	for i, r := range rs {
		out[i] = customerRow{ID: r.ID, Name: r.Name, Email: r.Email, PublicID: r.PublicID,
			StatusClass: "tag " + tagClass(r.Status), Status: statusLabel(r.Status), ProtectedReason: r.ProtectedReason, Since: day(r.CreatedAt)}
	}
	return out
}

// searchCustomers is one page of the search for q after the id after: byID says the search
// is a common one, paged in id order (its links carry by=id).
func (a *App) searchCustomers(ctx context.Context, q string, after int64, byID bool) ([]queries.SearchCustomersRow, int64, bool, error) {
	if domain, ok := strings.CutPrefix(q, "@"); ok && domain != "" {
		return a.searchDomain(ctx, strings.ToLower(domain), after)
	}
	params := queries.SearchCustomersParams{
		Q: publicIDOf(q), EmailFrom: q, EmailTo: q + "\U0010FFFF", NameMatch: nameMatch(q),
		AfterName: "", AfterID: 0, PageSize: searchPageSize + 1,
	}
	s, err := a.searchModeOf(ctx, params, byID)
	if err != nil {
		return nil, 0, false, err
	}
	if s.common {
		rows, next, err := a.searchCommon(ctx, params, after, s)
		return rows, next, true, err
	}
	rows, next, err := a.searchRare(ctx, params, after)
	return rows, next, false, err
}

// searchDomain is a search for "@example.com": the customers with an email at that domain, in
// id order, a page at a time through the domain index (paged by id, like a common search).
func (a *App) searchDomain(ctx context.Context, domain string, after int64) ([]queries.SearchCustomersRow, int64, bool, error) {
	rows, err := a.r.CustomersByDomain(ctx, queries.CustomersByDomainParams{Domain: domain, AfterID: after, PageSize: searchPageSize + 1})
	if err != nil {
		return nil, 0, true, err
	}
	out := make([]queries.SearchCustomersRow, len(rows))
	for i, r := range rows {
		out[i] = queries.SearchCustomersRow(r)
	}
	var next int64
	if len(out) > searchPageSize {
		out = out[:searchPageSize]
		next = out[len(out)-1].ID
	}
	return out, next, true, nil
}

// publicIDOf is q as a Public ID would be written (cus_ and upper case), so that a Public ID
// typed or pasted in any case is found.
func publicIDOf(q string) string {
	if len(q) > 4 && strings.EqualFold(q[:4], "cus_") {
		return "cus_" + strings.ToUpper(q[4:])
	}
	return q
}

// quickSearch is the console header's live search: the first matches, each with a way to open
// the customer and to impersonate them.
func (a *App) quickSearch(c *gin.Context) {
	q := strings.TrimSpace(c.Query("q"))
	var d adminCustomersData
	d.Q = q
	if q != "" && utf8.ValidString(q) && len(q) <= 200 {
		rows, _, _, err := a.searchCustomers(c.Request.Context(), q, 0, false)
		if err != nil {
			if _, ok := err.(*errs.Error); !ok {
				a.fail(c, err)
				return
			}
		}
		d.Results = rows[:min(len(rows), quickResults)]
		d.More = len(rows) > len(d.Results)
	}
	a.render(c, http.StatusOK, "quick_results", &Page{Title: "Customers", Nav: "customers", Data: d}) // HTMX: the list alone
}

// quickResults is how many customers the header search lists as you type.
const quickResults = 6

// searchMode is how a search pages: common (many matches, in id order) or not (few, sorted by
// name), decided on its first page and carried by its page links (by=id).
type searchMode struct {
	common      bool
	commonEmail bool    // 1000 email matches or more: emails are walked in id order too
	firstNames  []int64 // the first name matches, read while deciding (nil: read them again)
}

// commonNames is how many name matches make a search common.
const commonNames = 50

// searchModeOf decides how a search pages. byID is the page link's word that it is common;
// without it the matches are counted: emails to 1000 (CountEmailMatches), names by reading
// the first commonNames+1 of them, which are then the first page's names too.
func (a *App) searchModeOf(ctx context.Context, p queries.SearchCustomersParams, byID bool) (searchMode, error) {
	emails, err := a.r.CountEmailMatches(ctx, queries.CountEmailMatchesParams{EmailFrom: p.EmailFrom, EmailTo: p.EmailTo})
	if err != nil || byID {
		return searchMode{common: true, commonEmail: emails >= 1000}, err
	}
	names, err := a.names.MatchesAfter(ctx, p.NameMatch, 0, commonNames+1)
	if err != nil {
		return searchMode{}, err
	}
	return searchMode{common: emails >= 1000 || len(names) >= commonNames, commonEmail: emails >= 1000, firstNames: names}, nil
}

// searchRare is a search with fewer than 1000 email and 50 name matches: gathered, sorted by (name, id), one
// keyset page after the customer after.
func (a *App) searchRare(ctx context.Context, p queries.SearchCustomersParams, after int64) ([]queries.SearchCustomersRow, int64, error) {
	if after > 0 {
		cust, err := a.r.GetCustomerForAdmin(ctx, after)
		if err != nil {
			return nil, 0, errBadRequest("That page link is broken; search again.")
		}
		p.AfterName, p.AfterID = cust.Name, cust.ID
	}
	rows, err := a.r.SearchCustomers(ctx, p)
	var next int64
	if len(rows) > searchPageSize {
		rows = rows[:searchPageSize]
		next = rows[len(rows)-1].ID
	}
	return rows, next, err
}

// searchCommon is a search with 1000 email or 50 name matches or more ("jane"): email and name matches in id
// order, each read through its own index from the keyset and stopped after a page, so its
// cost does not grow with the number of matches.
func (a *App) searchCommon(ctx context.Context, p queries.SearchCustomersParams, after int64, m searchMode) ([]queries.SearchCustomersRow, int64, error) {
	names := m.firstNames[:min(len(m.firstNames), int(p.PageSize))]
	if after > 0 || m.firstNames == nil {
		var err error
		if names, err = a.names.MatchesAfter(ctx, p.NameMatch, after, p.PageSize); err != nil {
			return nil, 0, err
		}
	}
	emailsAfter := a.r.EmailMatchesAfter
	if m.commonEmail {
		emailsAfter = func(ctx context.Context, e queries.EmailMatchesAfterParams) ([]int64, error) {
			return a.r.CommonEmailMatchesAfter(ctx, queries.CommonEmailMatchesAfterParams(e))
		}
	}
	emails, err := emailsAfter(ctx, queries.EmailMatchesAfterParams{EmailFrom: p.EmailFrom, EmailTo: p.EmailTo, AfterID: after, PageSize: p.PageSize})
	if err != nil {
		return nil, 0, err
	}
	ids := slices.Compact(slices.Sorted(slices.Values(append(names, emails...))))
	ids = ids[:min(len(ids), searchPageSize+1)]
	var next int64
	if len(ids) > searchPageSize {
		ids = ids[:searchPageSize]
		next = ids[len(ids)-1]
	}
	found, err := a.r.CustomersByIDs(ctx, idList(ids))
	rows := make([]queries.SearchCustomersRow, len(found))
	for i, r := range found {
		rows[i] = queries.SearchCustomersRow(r)
	}
	return rows, next, err
}

// sessionWithFlag is a session on the admin customer page, formatted once in Go, with why it
// looks stuck (empty when it does not).
// The row is a named field, not embedded: html/template looks a promoted field up by a search
// that allocates, per action.
type sessionWithFlag struct {
	Row       sessionRow
	ID        int64
	Stuck     []string
	StuckText string // the reasons joined, for the tooltip and the note under the tool
}

// adminReceipt is a receipt on the admin customer page, formatted once in Go.
type adminReceipt struct {
	ID                          int64
	Number, When, Status, Class string
	Total, Refunded             string // Refunded is "" when nothing was
	Refundable                  bool
}

func adminReceipts(rows []queries.AdminListReceiptsRow) []adminReceipt {
	out := make([]adminReceipt, len(rows))
	for i, r := range rows {
		out[i] = adminReceipt{ID: r.ID, Number: r.Number, When: when(r.IssuedAt), Status: r.Status, Class: "tag " + tagClass(r.Status),
			Total: money(r.GrossCents), Refundable: r.GrossCents > r.RefundedCents}
		if r.RefundedCents != 0 {
			out[i].Refunded = money(r.RefundedCents)
		}
	}
	return out
}

type adminCustomerData struct {
	Customer    queries.GetCustomerForAdminRow
	BeingViewed []queries.ActiveImpersonationsOfCustomerRow
	MyActive    *bannerData // the admin's own active impersonation, if any
	// Notice is a tool's result, shown at the top of section NoticeAt (where it scrolls to).
	Notice, NoticeAt string
	Owned            []queries.ListOwnedChargersRow
	Favourites       []queries.ListFavouriteChargersRow
	Sessions         []sessionWithFlag
	Receipts         []adminReceipt
	Refunds          []queries.AdminListRefundsRow
	Cards            []queries.ListCardsPageRow
	Reservations     []queries.ListReservationsRow
	Payments         []queries.PaymentMethod
	Activity         []activityItem
	Reference        string                    // prefilled into the admin tools (?reference=, from a timeline)
	Alerts           []support.Alert           // what is wrong with the account, worst first
	Held             []queries.HeldSessionsRow // sessions held for review (no receipt yet)
	Consent          []consentRow              // what support asked the customer, newest first
	MailOn           bool                      // the request also goes out by email
	// The long lists page independently: Next* is the keyset of the section's next page ("" on
	// its last), Paged* says the section is past its first page.
	NextSessions, NextReceipts, NextRefunds, NextActivity, NextCards, NextReservations       string
	PagedSessions, PagedReceipts, PagedRefunds, PagedActivity, PagedCards, PagedReservations bool
}

// adminListPage is how many rows each long list of the customer page shows at once: the page
// is an overview of every part of the account, each list paged on its own.
const adminListPage = 10

// adminCustomer is one customer's page in the console: profile, everything on the account,
// the admin tools, and the Impersonate form.
func (a *App) adminCustomer(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This customer"))
		return
	}
	a.showAdminCustomer(c, id, http.StatusOK, "", map[string]string{})
}

func (a *App) showAdminCustomer(c *gin.Context, id int64, status int, problem string, form map[string]string) {
	ctx, now := c.Request.Context(), a.now()
	cust, err := a.r.GetCustomerForAdmin(ctx, id)
	if !a.found(c, err, "This customer") {
		return
	}
	d := adminCustomerData{Customer: cust}
	if ref, ok := textParam(c.Query("reference"), 200); ok {
		d.Reference = ref
	}
	var cur [6][]int64
	for i, sec := range []struct {
		name  string
		parts int
		paged *bool
	}{{"sessions", 2, &d.PagedSessions}, {"receipts", 2, &d.PagedReceipts}, {"refunds", 2, &d.PagedRefunds}, {"activity", 3, &d.PagedActivity},
		{"cards", 1, &d.PagedCards}, {"reservations", 2, &d.PagedReservations}} {
		var ok bool
		if cur[i], *sec.paged, ok = keysetParam(c, sec.name, sec.parts); !ok {
			a.fail(c, errBrokenPageLink())
			return
		}
	}
	load := []func() error{
		func() (err error) { d.BeingViewed, err = a.r.ActiveImpersonationsOfCustomer(ctx, id); return },
		func() (err error) { d.Alerts, err = support.AccountAlerts(ctx, a.r, id, now); return },
		func() (err error) { d.Held, err = a.r.HeldSessions(ctx, id); return },
		func() (err error) { d.Owned, err = a.r.ListOwnedChargers(ctx, id); return },
		func() (err error) { d.Favourites, err = a.r.ListFavouriteChargers(ctx, id); return },
		func() error {
			rows, err := a.r.AdminListReceipts(ctx, queries.AdminListReceiptsParams{ActingAs: id, TopAt: cur[1][0], BelowID: cur[1][1], PageSize: adminListPage + 1})
			rows, d.NextReceipts = cutPage(rows, adminListPage, func(r queries.AdminListReceiptsRow) string { return fmt.Sprintf("%d-%d", r.IssuedAt, r.ID) })
			d.Receipts = adminReceipts(rows)
			return err
		},
		func() error {
			rows, err := a.r.AdminListRefunds(ctx, queries.AdminListRefundsParams{ActingAs: id, TopAt: cur[2][0], BelowID: cur[2][1], PageSize: adminListPage + 1})
			d.Refunds, d.NextRefunds = cutPage(rows, adminListPage, func(r queries.AdminListRefundsRow) string { return fmt.Sprintf("%d-%d", r.CreatedAt, r.ID) })
			return err
		},
		func() error {
			rows, err := a.r.ListCardsPage(ctx, queries.ListCardsPageParams{ActingAs: id, BelowID: cur[4][0], PageSize: adminListPage + 1})
			d.Cards, d.NextCards = cutPage(rows, adminListPage, cardKeyset)
			return err
		},
		func() error {
			top, below := keysetTop(math.MaxInt64, cur[5][0], cur[5][1])
			rows, err := a.r.ListReservations(ctx, queries.ListReservationsParams{ActingAs: id, TopAt: top, BelowID: below, PageSize: adminListPage + 1})
			d.Reservations, d.NextReservations = cutPage(rows, adminListPage, reservationKeyset)
			return err
		},
		func() (err error) { d.Payments, err = a.r.ListPaymentMethods(ctx, id); return },
		func() error {
			rows, err := a.r.ListActivity(ctx, queries.ListActivityParams{ActingAs: id, BeforeAt: cur[3][0], BeforeID: cur[3][1], BeforeSrc: cur[3][2], MaxRows: adminListPage + 1})
			rows, d.NextActivity = cutPage(rows, adminListPage, activityKeyset)
			d.Activity = activityItems(0, rows)
			return err
		},
		func() error {
			top, below := keysetTop(math.MaxInt64, cur[0][0], cur[0][1])
			rows, err := a.r.ListSessions(ctx, queries.ListSessionsParams{
				ActingAs: id, TopAt: top, BelowID: below, PageSize: adminListPage + 1,
			})
			rows, d.NextSessions = cutPage(rows, adminListPage, sessionKeyset)
			views := sessionRows(0, rows)
			for i, s := range rows {
				row := sessionWithFlag{Row: views[i], ID: s.ID}
				if s.Status == "ACTIVE" {
					f, err := a.r.GetSessionForForceStop(ctx, queries.GetSessionForForceStopParams{ID: s.ID, ActingAs: id})
					if err != nil {
						return err
					}
					row.Stuck = charging.StuckReasons(now, f.StartedAt, f.LastSeenAt, f.HeartbeatIntervalS, f.ConnectorStatus, f.LastReadingAt)
					row.StuckText = strings.Join(row.Stuck, "; ")
				}
				d.Sessions = append(d.Sessions, row)
			}
			return err
		},
	}
	for _, f := range load {
		if err := f(); err != nil {
			a.fail(c, err)
			return
		}
	}
	if d.Consent, err = a.consentRows(ctx, id, now); err != nil {
		a.fail(c, err)
		return
	}
	d.MailOn = a.mail.Enabled()
	d.MyActive = a.myImpersonation(c)
	d.Notice, d.NoticeAt = adminNotice(c) // shown in the section the tool's redirect scrolls to
	a.render(c, status, "admin_customer", &Page{Title: cust.Name, Nav: "customers", Data: d, Problem: problem, Form: form})
}

// adminNotices are the fixed results an admin tool redirect can show, and the section of the
// customer's page each belongs to (the redirect's #anchor).
var adminNotices = map[string]struct{ text, section string }{
	"refunded":        {"Refund recorded, credit note issued. The customer sees it in their activity.", "receipts"},
	"restored":        {"Reservation restored. The customer sees it in their reservations and activity.", "reservations"},
	"reissued":        {"Card re-issued under the same contract; the old card is marked replaced.", "cards"},
	"stopped":         {"Session force-stopped at its last meter reading; the connector is free and the receipt is issued. (Its charger was offline, or did not know the session.)", "sessions"},
	"charger-stopped": {"The charger stopped the session when asked (RemoteStopTransaction) and reported its own figures; the receipt is issued.", "sessions"},
	"released":        {"The held session's receipt is issued at the checked meter reading and charged to the customer's payment method.", "sessions"},
	"voided":          {"The held session is voided: no receipt, nothing charged. The customer sees it in their activity.", "sessions"},
	"disabled":        {"The account is disabled: the customer is logged out everywhere, and impersonations of them end.", "account"},
	"enabled":         {"The account is enabled again.", "account"},
	"protected":       {"The account is protected: impersonating it needs a second staff member's approval or the customer's permission.", "account"},
	"unprotected":     {"The account is no longer protected.", "account"},
	"consent-asked":   {"The customer is asked: they see the request on their next page. Their answer shows here.", "consent"},
}

// adminNotice is the result the request asks to show (?notice=, with its audit row) and
// its section.
func adminNotice(c *gin.Context) (text, section string) {
	n, ok := adminNotices[c.Query("notice")]
	if !ok {
		return "", ""
	}
	if id, ok := parseID(c.Query("row")); ok {
		n.text += fmt.Sprintf(" Audit row auth_audit #%d.", id)
	}
	return n.text, n.section
}

type adminImpersonateData struct {
	Customer queries.GetCustomerForAdminRow
	MyActive *bannerData // the admin's own active impersonation, which must end first
	Off      string      // why impersonation is turned off, or ""
	// StepUp asks for the second factor in the form itself (none used in the step-up
	// window); Passkeys offers the passkey button there.
	StepUp, Passkeys bool
}

// adminImpersonate is the start form for one customer on its own small page (ticket, reason,
// allow changes): opened from the search results and the customer header, no JavaScript needed.
func (a *App) adminImpersonate(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This customer"))
		return
	}
	a.showImpersonateForm(c, id, http.StatusOK, "", map[string]string{})
}

func (a *App) showImpersonateForm(c *gin.Context, id int64, status int, problem string, form map[string]string) {
	cust, err := a.r.GetCustomerForAdmin(c.Request.Context(), id)
	if !a.found(c, err, "This customer") {
		return
	}
	off, err := a.impersonationOff(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	due := a.stepUpDue(c)
	a.render(c, status, "admin_impersonate", &Page{Title: "Impersonate " + cust.Name, Nav: "customers",
		Data: adminImpersonateData{Customer: cust, MyActive: a.myImpersonation(c), Off: off,
			StepUp: due, Passkeys: due && a.hasPasskey(c, currentUser(c).ID)}, Problem: problem, Form: form})
}
