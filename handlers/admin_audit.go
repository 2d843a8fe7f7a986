package handlers

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"chargedesk/audit"
	"chargedesk/queries"
)

const auditPageSize = 50

// htmlAuditPageSize is the audit page's length in a browser, where each impersonation start
// nests its first route rows: 20 entries keep it readable and cheap to render (with ten
// route rows each, a page is at most 220 rows).
const htmlAuditPageSize = 20

// routePreview is how many route rows the audit page nests under a start row; a busy
// impersonation's others are on its timeline, so a page stays small.
const routePreview = 10

// auditFilter is the /admin/audit query string, validated.
type auditFilter struct {
	User, Impersonation int64
	Tag, From, To       string
	fromAt, toAt        int64
	before, beforeRoute int64
	size                int64 // rows a page holds: auditPageSize, or htmlAuditPageSize on the page
}

// A tag, or a family of tags ending in * (admin.*).
var tagRE = regexp.MustCompile(`^[a-z_.]{1,63}\*?$`)

func parseAuditFilter(c *gin.Context) (auditFilter, error) {
	f := auditFilter{Tag: c.Query("tag"), From: c.Query("from"), To: c.Query("to"), toAt: math.MaxInt64, before: math.MaxInt64, beforeRoute: math.MaxInt64, size: auditPageSize}
	id := func(name string) (int64, error) {
		s := c.Query(name)
		if s == "" {
			return 0, nil
		}
		n, ok := parseID(s)
		if !ok {
			return 0, errBadRequest(fmt.Sprintf("%s must be a row or user id (a positive whole number).", name))
		}
		return n, nil
	}
	var err error
	if f.User, err = id("user"); err != nil {
		return f, err
	}
	if f.Impersonation, err = id("impersonation"); err != nil {
		return f, err
	}
	if b, err := id("before"); err != nil {
		return f, err
	} else if b > 0 {
		f.before = b
	}
	if b, err := id("before_route"); err != nil {
		return f, err
	} else if b > 0 {
		f.beforeRoute = b
	}
	if f.Tag != "" && !tagRE.MatchString(f.Tag) {
		return f, errBadRequest("A tag looks like login.failure, or admin.* for a family of tags.")
	}
	if f.fromAt, f.toAt, err = dateRange(f.From, f.To); err != nil {
		return f, err
	}
	return f, nil
}

// routeRowsWanted: route rows belong to the impersonation family of tags.
func (f auditFilter) routeRowsWanted() bool {
	return f.Tag == "" || strings.HasPrefix("impersonation.", strings.TrimSuffix(f.Tag, "*")) || strings.HasPrefix(f.Tag, "impersonation")
}

// authRows loads one page of auth_audit with the index that fits the filters.
func (a *App) authRows(ctx context.Context, f auditFilter) ([]queries.AuthAudit, error) {
	switch {
	case f.Impersonation > 0:
		return a.r.ListAuthAuditForImpersonation(ctx, f.Impersonation)
	case f.User > 0 && f.Tag == "":
		actor, err := a.r.ListAuthAuditByActor(ctx, queries.ListAuthAuditByActorParams{UserID: f.User, Before: f.before, FromAt: f.fromAt, ToAt: f.toAt, PageSize: f.size})
		if err != nil {
			return nil, err
		}
		target, err := a.r.ListAuthAuditByTarget(ctx, queries.ListAuthAuditByTargetParams{UserID: f.User, Before: f.before, FromAt: f.fromAt, ToAt: f.toAt, PageSize: f.size})
		if err != nil {
			return nil, err
		}
		return newestDistinct(f.size, append(actor, target...), authID), nil
	case f.User > 0:
		return a.perTagRows(ctx, f, func(tag string) ([]queries.AuthAudit, error) {
			actor, err := a.r.ListAuthAuditByActorTag(ctx, queries.ListAuthAuditByActorTagParams{UserID: f.User, Tag: tag, Before: f.before, FromAt: f.fromAt, ToAt: f.toAt, PageSize: f.size})
			if err != nil {
				return nil, err
			}
			target, err := a.r.ListAuthAuditByTargetTag(ctx, queries.ListAuthAuditByTargetTagParams{UserID: f.User, Tag: tag, Before: f.before, FromAt: f.fromAt, ToAt: f.toAt, PageSize: f.size})
			return append(actor, target...), err
		})
	case strings.HasSuffix(f.Tag, "*"):
		return a.tagFamilyRows(ctx, f)
	case f.Tag != "":
		return a.r.ListAuthAuditByTag(ctx, queries.ListAuthAuditByTagParams{Tag: f.Tag, Before: f.before, FromAt: f.fromAt, ToAt: f.toAt, PageSize: f.size})
	case f.dated():
		beforeAt, err := cursorAt(ctx, f.before, a.r.AuthAuditAt)
		if err != nil {
			return nil, err
		}
		top, below := keysetTop(f.toAt, beforeAt, f.before)
		return a.r.ListAuthAuditInRange(ctx, queries.ListAuthAuditInRangeParams{FromAt: f.fromAt, TopAt: top, BelowID: below, PageSize: f.size})
	default:
		return a.r.ListAuthAudit(ctx, queries.ListAuthAuditParams{Before: f.before, FromAt: f.fromAt, ToAt: f.toAt, PageSize: f.size})
	}
}

// tagFamilyRows is one page of a family of tags (admin.*): each tag's newest page is read
// through the (tag, id) index and the pages are merged, newest first. Without dates only the
// ids are read from the index (it covers them), and then the rows of the merged page.
func (a *App) tagFamilyRows(ctx context.Context, f auditFilter) ([]queries.AuthAudit, error) {
	if f.dated() {
		return a.perTagRows(ctx, f, func(tag string) ([]queries.AuthAudit, error) {
			return a.r.ListAuthAuditByTag(ctx, queries.ListAuthAuditByTagParams{Tag: tag, Before: f.before, FromAt: f.fromAt, ToAt: f.toAt, PageSize: f.size})
		})
	}
	tags, err := a.tagsOf(ctx, f.Tag)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, tag := range tags {
		page, err := a.r.ListAuthAuditIDsByTag(ctx, queries.ListAuthAuditIDsByTagParams{Tag: tag, Before: f.before, PageSize: f.size})
		if err != nil {
			return nil, err
		}
		ids = append(ids, page...)
	}
	if ids = newestDistinct(f.size, ids, func(id int64) int64 { return id }); len(ids) == 0 {
		return nil, nil
	}
	return a.r.AuthAuditByIDs(ctx, idList(ids))
}

// perTagRows is one page of the filter's tag, or of its family's tags, each read by page and
// merged newest first without repeats (a row can be both the user's as actor and as target).
func (a *App) perTagRows(ctx context.Context, f auditFilter, page func(tag string) ([]queries.AuthAudit, error)) ([]queries.AuthAudit, error) {
	tags, err := a.tagsOf(ctx, f.Tag)
	if err != nil {
		return nil, err
	}
	var all []queries.AuthAudit
	for _, tag := range tags {
		rows, err := page(tag)
		if err != nil {
			return nil, err
		}
		all = append(all, rows...)
	}
	return newestDistinct(f.size, all, authID), nil
}

// tagsOf is the tag of a filter, or each distinct tag of a family (admin.*), found by index
// seeks.
func (a *App) tagsOf(ctx context.Context, tag string) ([]string, error) {
	prefix, family := strings.CutSuffix(tag, "*")
	if !family {
		return []string{tag}, nil
	}
	var tags []string
	for after := prefix; len(tags) < 100; { // a family has a handful of tags
		tag, err := a.r.NextTagInFamily(ctx, queries.NextTagInFamilyParams{After: after, TagTo: prefix + "\U0010FFFF"})
		if errors.Is(err, sql.ErrNoRows) {
			break
		} else if err != nil {
			return nil, err
		}
		tags, after = append(tags, tag), tag
	}
	return tags, nil
}

// tagList is every tag the audit trail holds, for the audit page's event picker, kept for
// tagListFor: listing them is a seek per tag (40 of them cost a fifth of the page). The trail
// is append-only, so a kept list is never wrong, only short of a tag written for the first time
// since (the filter still takes it typed in). A filter by family (tag=admin.*) does not use
// it: its tags are listed afresh, so that no row is left out.
type tagList struct {
	mu   sync.Mutex
	tags []string
	at   time.Time
}

const tagListFor = 30 * time.Second

// get is the kept list, or list's when it is older than tagListFor.
func (l *tagList) get(now time.Time, list func() ([]string, error)) ([]string, error) {
	l.mu.Lock()
	tags, at := l.tags, l.at
	l.mu.Unlock()
	if tags != nil && now.Sub(at) < tagListFor && !now.Before(at) {
		return tags, nil
	}
	tags, err := list()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.tags, l.at = tags, now
	l.mu.Unlock()
	return tags, nil
}

func authID(r queries.AuthAudit) int64           { return r.ID }
func routeID(r queries.ImpersonationAudit) int64 { return r.ID }

// dated reports a date window: its pages walk the (at, id) index.
func (f auditFilter) dated() bool { return f.fromAt > 0 || f.toAt < math.MaxInt64 }

// cursorAt is the time of the keyset row before, for a walk in (at, id) order.
func cursorAt(ctx context.Context, before int64, at func(context.Context, int64) (int64, error)) (int64, error) {
	if before == math.MaxInt64 {
		return math.MaxInt64, nil
	}
	t, err := at(ctx, before)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errBadRequest("That page link points at a row that does not exist.")
	}
	return t, err
}

// routeRows loads one page of impersonation_audit with the index that fits the filters.
func (a *App) routeRows(ctx context.Context, f auditFilter) ([]queries.ImpersonationAudit, error) {
	switch {
	case !f.routeRowsWanted():
		return nil, nil
	case f.Impersonation > 0:
		return a.r.ListRouteAuditForImpersonation(ctx, f.Impersonation)
	case f.User > 0:
		admin, err := a.r.ListRouteAuditByAdmin(ctx, queries.ListRouteAuditByAdminParams{UserID: f.User, Before: f.beforeRoute, FromAt: f.fromAt, ToAt: f.toAt, PageSize: f.size})
		if err != nil {
			return nil, err
		}
		cust, err := a.r.ListRouteAuditByCustomer(ctx, queries.ListRouteAuditByCustomerParams{UserID: f.User, Before: f.beforeRoute, FromAt: f.fromAt, ToAt: f.toAt, PageSize: f.size})
		if err != nil {
			return nil, err
		}
		return newestDistinct(f.size, append(admin, cust...), routeID), nil
	case f.dated():
		beforeAt, err := cursorAt(ctx, f.beforeRoute, a.r.RouteAuditAt)
		if err != nil {
			return nil, err
		}
		top, below := keysetTop(f.toAt, beforeAt, f.beforeRoute)
		return a.r.ListRouteAuditInRange(ctx, queries.ListRouteAuditInRangeParams{FromAt: f.fromAt, TopAt: top, BelowID: below, PageSize: f.size})
	default:
		return a.r.ListRouteAudit(ctx, queries.ListRouteAuditParams{Before: f.beforeRoute, FromAt: f.fromAt, ToAt: f.toAt, PageSize: f.size})
	}
}

// auditEntry is one auth_audit row on the page, formatted once in Go (the template only
// prints fields); an impersonation.start row carries its first route rows and the id of its
// end row.
type auditEntry struct {
	queries.AuthAudit
	When, WhenUTC   string // local time with seconds, and UTC for the hover
	ActorName       string
	TargetName      string
	Fields          []metaField // the metadata as labelled fields
	Actor, Target   int64       // user ids, 0 for none
	ImpersonationID int64
	Routes          []routeLine
	MoreRoutes      bool // more route rows than the page shows: see the timeline
	EndRowID        int64
	StartRowID      int64
	// Sentence is the row in words ("Sam Admin (admin) refunded €1.00 on Jane Doe's receipt
	// #25"); TicketHref links its ticket to the ticket system (--ticket-url).
	Sentence   string
	TicketHref string
}

// routeLine is an impersonation_audit row nested under its start row: in words, with its
// row id and raw request for the technical details.
type routeLine struct {
	ID           int64
	At           string // 14:02:11
	ISO          string // the moment, for the browser to show in the viewer's zone
	Words        string // "viewed the receipt #25"
	OutcomeClass string
	Outcome      string // viewed, changed, refused
	Raw          string // "GET /receipts/25?as=3 → 200"
}

func routeLineOf(r queries.ImpersonationAudit) routeLine {
	class, outcome := "tag", r.Outcome
	switch r.Outcome {
	case audit.Changed:
		class = "tag warn"
	case audit.Blocked:
		class, outcome = "tag bad", "refused"
	}
	return routeLine{ID: r.ID, At: clockSeconds(r.At), ISO: rfc3339(r.At), Words: routeWords(r.Method, r.Route, r.Path, r.Outcome), OutcomeClass: class,
		Outcome: outcome, Raw: r.Method + " " + r.Path + " → " + strconv.FormatInt(r.Status, 10)}
}

// auditEntries pairs each impersonation.start row with its end row and first route rows,
// and each end row with its start: two queries for the whole page.
func (a *App) auditEntries(ctx context.Context, rows []queries.AuthAudit) ([]auditEntry, error) {
	var paired, started []int64 // impersonations with a start or end row here; with a start row
	entries := make([]auditEntry, len(rows))
	for i, r := range rows {
		entries[i] = auditEntry{AuthAudit: r, When: whenSeconds(r.At), WhenUTC: utc(r.At), Actor: r.ActorUserID.Int64, Target: r.TargetUserID.Int64, ImpersonationID: r.ImpersonationID.Int64}
		switch {
		case r.ImpersonationID.Int64 == 0:
		case r.Tag == "impersonation.start":
			started = append(started, r.ImpersonationID.Int64)
			paired = append(paired, r.ImpersonationID.Int64)
		case r.Tag == "impersonation.end":
			paired = append(paired, r.ImpersonationID.Int64)
		}
	}
	if err := a.nameEntries(ctx, entries); err != nil {
		return nil, err
	}
	if len(paired) == 0 {
		return entries, nil
	}
	bounds, err := a.r.ListImpersonationBounds(ctx, idList(paired))
	if err != nil {
		return nil, err
	}
	var routes []queries.ImpersonationAudit
	if len(started) > 0 {
		if routes, err = a.r.ListRouteAuditPreviews(ctx, queries.ListRouteAuditPreviewsParams{Ids: idList(started), MaxRows: routePreview + 1}); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(routes, func(x, y queries.ImpersonationAudit) int {
		return cmp.Or(cmp.Compare(x.At, y.At), cmp.Compare(x.ID, y.ID))
	})
	byImp := map[int64][]routeLine{}
	for _, r := range routes {
		byImp[r.ImpersonationID] = append(byImp[r.ImpersonationID], routeLineOf(r))
	}
	start, end := map[int64]int64{}, map[int64]int64{}
	for _, b := range bounds {
		if b.Tag == "impersonation.start" {
			start[b.ImpersonationID] = b.ID
		} else {
			end[b.ImpersonationID] = b.ID
		}
	}
	for i := range entries {
		e := &entries[i]
		switch {
		case e.ImpersonationID == 0:
		case e.Tag == "impersonation.start":
			e.EndRowID, e.Routes = end[e.ImpersonationID], byImp[e.ImpersonationID]
			if e.MoreRoutes = len(e.Routes) > routePreview; e.MoreRoutes {
				e.Routes = e.Routes[:routePreview]
			}
		case e.Tag == "impersonation.end":
			e.StartRowID = start[e.ImpersonationID]
		}
	}
	return entries, nil
}

type auditData struct {
	Filter auditFilter
	Rows   []template.HTML // each entry's table row, html/template's output (auditRowHTML)
	Next   int64
	// The filter's pickers: people (staff, and whoever the filter names) and event types.
	People []person
	Events []eventOption
}

// eventOption is one choice of the event-type list: a tag or a family (admin.*).
type eventOption struct{ Tag, Label string }

// eventFamilies head the event-type list.
var eventFamilies = []eventOption{
	{"impersonation.*", "Impersonations (start, end, extend)"}, {"admin.*", "Admin actions (refunds, staff, settings …)"},
	{"login.*", "Sign-ins"}, {"mfa.*", "Second factors"}, {"privilege_violation", "Refused attempts"},
}

// eventLabels name single tags in the list.
var eventLabels = map[string]string{
	"impersonation.start": "Impersonation started", "impersonation.end": "Impersonation ended", "impersonation.extend": "Impersonation extended",
	"admin.refund": "Refund", "admin.reservation_restore": "Reservation restored", "admin.card_reissue": "EV card re-issued",
	"admin.session_force_stop": "Session force-stopped", "admin.session.release": "Held session released", "admin.session.void": "Held session voided",
	"admin.approval.request": "Approval asked", "admin.approval.approve": "Approval given", "admin.customer.protect": "Account protected",
	"admin.customer.unprotect": "Protection removed", "admin.staff.create": "Staff member added", "admin.staff.role": "Staff role changed",
	"admin.staff.link": "Password link issued", "admin.staff.mfa_reset": "Second factors reset", "admin.staff.signout": "Signed out by an admin", "admin.settings.impersonation": "Impersonation switch",
	"login.success": "Signed in", "login.failure": "Sign-in failed", "logout": "Signed out", "session.end": "Session signed out", "password.change": "Password changed",
	"password.set": "Password set by link", "mfa.add": "Second factor added", "mfa.remove": "Second factor removed",
	"mfa.recovery.use": "Recovery code used", "mfa.recovery.new": "New recovery codes", "audit.rekey": "Audit key rotated",
	"admin.charger_register": "Charger registered", "admin.charger_password": "Charger password set", "admin.charger_call": "Charger command sent",
}

// pickers loads the filter's choices: every staff member (a small table) and whoever the
// filter names, and the event types the log holds (one index seek per distinct tag).
func (a *App) pickers(ctx context.Context, d *auditData) error {
	staff, err := a.r.ListStaff(ctx)
	if err != nil {
		return err
	}
	named := false
	for _, s := range staff {
		d.People = append(d.People, person{s.ID, s.Name, s.Role})
		named = named || s.ID == d.Filter.User
	}
	if d.Filter.User > 0 && !named {
		rows, err := a.r.UserNamesByIDs(ctx, idList([]int64{d.Filter.User}))
		if err != nil {
			return err
		}
		p := person{ID: d.Filter.User}
		if len(rows) == 1 {
			p.Name, p.Role = rows[0].Name, rows[0].Role
		}
		d.People = append([]person{p}, d.People...)
	}
	d.Events = append(d.Events, eventFamilies...)
	tags, err := a.eventTags.get(a.now(), func() ([]string, error) { return a.tagsOf(ctx, "*") })
	if err != nil {
		return err
	}
	listed := map[string]bool{}
	for _, e := range eventFamilies {
		listed[e.Tag] = true
	}
	for _, t := range tags {
		if !listed[t] {
			d.Events, listed[t] = append(d.Events, eventOption{t, cmp.Or(eventLabels[t], t)}), true
		}
	}
	if f := d.Filter.Tag; f != "" && !listed[f] {
		d.Events = append(d.Events, eventOption{f, f})
	}
	return nil
}

// adminAudit is GET /admin/audit: both audit tables with filters and keyset paging, as a
// page (start/end pairs with their route rows nested), JSON (Accept: application/json) or
// CSV (format=csv).
func (a *App) adminAudit(c *gin.Context) {
	f, ferr := parseAuditFilter(c)
	if ferr != nil {
		if wantsJSON(c) || c.Query("format") == "csv" {
			a.fail(c, errBadRequest(ferr.Error()))
			return
		}
		d := auditData{Filter: f}
		if err := a.pickers(c.Request.Context(), &d); err != nil {
			a.logErr(c, "audit pickers", err)
		}
		a.render(c, http.StatusBadRequest, "admin_audit", &Page{Title: "Audit log", Nav: "audit", Data: d, Problem: ferr.Error()})
		return
	}
	ctx := c.Request.Context()
	switch {
	case c.Query("format") == "csv":
		a.auditCSV(c, f)
		return
	case wantsJSON(c):
		a.auditJSON(c, f)
		return
	}
	f.size = htmlAuditPageSize
	rows, err := a.authRows(ctx, f)
	if err != nil {
		a.fail(c, err)
		return
	}
	d := auditData{Filter: f}
	entries, err := a.auditEntries(ctx, rows)
	if err == nil {
		d.Rows, err = a.auditRowsHTML(entries)
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	if len(rows) == int(f.size) && f.Impersonation == 0 {
		d.Next = rows[len(rows)-1].ID
	}
	if err := a.pickers(ctx, &d); err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "admin_audit", &Page{Title: "Audit log", Nav: "audit", Data: d})
}

type authJSON struct {
	ID           int64           `json:"id"`
	At           string          `json:"at"`
	Tag          string          `json:"tag"`
	ActorUserID  *int64          `json:"actor_user_id"`
	TargetUserID *int64          `json:"target_user_id"`
	Metadata     json.RawMessage `json:"metadata"`
}

type routeJSON struct {
	ID              int64  `json:"id"`
	At              string `json:"at"`
	ImpersonationID int64  `json:"impersonation_id"`
	AdminUserID     int64  `json:"admin_user_id"`
	CustomerUserID  int64  `json:"customer_user_id"`
	Method          string `json:"method"`
	Route           string `json:"route"`
	Outcome         string `json:"outcome"`
}

func rfc3339(unix int64) string { return time.Unix(unix, 0).UTC().Format(time.RFC3339) }

func (a *App) auditJSON(c *gin.Context, f auditFilter) {
	ctx := c.Request.Context()
	auth, err := a.authRows(ctx, f)
	if err != nil {
		a.fail(c, err)
		return
	}
	routes, err := a.routeRows(ctx, f)
	if err != nil {
		a.fail(c, err)
		return
	}
	out := struct {
		Auth   []authJSON  `json:"auth_audit"`
		Routes []routeJSON `json:"impersonation_audit"`
	}{Auth: []authJSON{}, Routes: []routeJSON{}}
	for _, r := range auth {
		out.Auth = append(out.Auth, authJSON{ID: r.ID, At: rfc3339(r.At), Tag: r.Tag, ActorUserID: nullPtr(r.ActorUserID), TargetUserID: nullPtr(r.TargetUserID), Metadata: json.RawMessage(r.Metadata)})
	}
	for _, r := range routes {
		out.Routes = append(out.Routes, routeJSON{ID: r.ID, At: rfc3339(r.At), ImpersonationID: r.ImpersonationID, AdminUserID: r.AdminUserID, CustomerUserID: r.CustomerUserID, Method: r.Method, Route: r.Route, Outcome: r.Outcome})
	}
	// The next pages, for clients that walk the log: RFC 8288 links.
	var links []string
	if len(auth) == int(f.size) && f.Impersonation == 0 {
		links = append(links, fmt.Sprintf(`<%s>; rel="next"`, withParam(c, "before", auth[len(auth)-1].ID)))
	}
	if len(routes) == int(f.size) && f.Impersonation == 0 {
		links = append(links, fmt.Sprintf(`<%s>; rel="next-impersonation-audit"`, withParam(c, "before_route", routes[len(routes)-1].ID)))
	}
	if len(links) > 0 {
		c.Header("Link", strings.Join(links, ", "))
	}
	c.JSON(http.StatusOK, out)
}

func withParam(c *gin.Context, name string, v int64) string {
	q := c.Request.URL.Query()
	q.Set(name, strconv.FormatInt(v, 10))
	return c.Request.URL.Path + "?" + q.Encode()
}

// auditCSV streams every row matching the filters from both tables, newest first, up to a
// bound, as one CSV download.
func (a *App) auditCSV(c *gin.Context, f auditFilter) {
	const maxRows = 100_000
	ctx := c.Request.Context()
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="chargedesk-audit.csv"`)
	w := csv.NewWriter(c.Writer)
	w.Write([]string{"table", "id", "at", "tag_or_method", "actor_user_id", "target_user_id", "impersonation_id", "route", "outcome", "metadata"})
	n := 0
	for page := f; n < maxRows; {
		rows, err := a.authRows(ctx, page)
		if err != nil {
			a.logErr(c, "audit csv", err)
			break
		}
		for _, r := range rows {
			w.Write(csvSafe("auth_audit", itoa(r.ID), rfc3339(r.At), r.Tag, nullStr(r.ActorUserID), nullStr(r.TargetUserID), nullStr(r.ImpersonationID), "", "", r.Metadata))
			n++
		}
		if len(rows) < int(f.size) || f.Impersonation > 0 {
			break
		}
		page.before = rows[len(rows)-1].ID
	}
	for page := f; n < maxRows; {
		rows, err := a.routeRows(ctx, page)
		if err != nil {
			a.logErr(c, "audit csv", err)
			break
		}
		for _, r := range rows {
			w.Write(csvSafe("impersonation_audit", itoa(r.ID), rfc3339(r.At), r.Method, itoa(r.AdminUserID), itoa(r.CustomerUserID), itoa(r.ImpersonationID), r.Route, r.Outcome, ""))
			n++
		}
		if len(rows) < int(f.size) || f.Impersonation > 0 {
			break
		}
		page.beforeRoute = rows[len(rows)-1].ID
	}
	w.Flush()
}

func nullStr(n sql.NullInt64) string {
	if !n.Valid {
		return ""
	}
	return itoa(n.Int64)
}

func nullPtr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(fields ...string) []string {
	for i, s := range fields {
		if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			fields[i] = "'" + s
		}
	}
	return fields
}

// auditRowKey is everything an audit page row shows: the row itself (append-only, so its id
// stands for its content) and what can change around it (names, its end row, its first route
// rows). Two entries with the same key render the same HTML.
type auditRowKey struct {
	id, end, start, lastRoute int64
	routes                    int
	more                      bool
	names, fields             string
}

func rowKey(e auditEntry) auditRowKey {
	var b strings.Builder
	for _, f := range e.Fields {
		b.WriteString(f.Label)
		b.WriteByte(0)
		b.WriteString(f.Value)
		b.WriteByte(0)
	}
	k := auditRowKey{id: e.ID, end: e.EndRowID, start: e.StartRowID, routes: len(e.Routes), more: e.MoreRoutes,
		names: e.ActorName + "\x00" + e.TargetName + "\x00" + e.Sentence + "\x00" + e.TicketHref, fields: b.String()}
	if n := len(e.Routes); n > 0 {
		k.lastRoute = e.Routes[n-1].ID
	}
	return k
}

// auditRowsHTML renders each entry's table row with the page's "audit_entry" template, once per
// what it shows: the audit log is append-only, so the rows of a busy log's first pages are
// the same from one request to the next and are served from a.auditRows.
func (a *App) auditRowsHTML(entries []auditEntry) ([]template.HTML, error) {
	out := make([]template.HTML, 0, len(entries))
	t := a.pages["admin_audit"]
	for _, e := range entries {
		h, err := a.auditRows.get(rowKey(e), func(buf *bytes.Buffer) error { return t.ExecuteTemplate(buf, "audit_entry", e) })
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}
