package handlers

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chargedesk/access"
	"chargedesk/audit"
	"chargedesk/errs"
	"chargedesk/impersonation"
	"chargedesk/queries"
)

// customerSurface decides whose data a customer-surface request shows: it reads the caller,
// their active impersonation and its customer from the database on every request, asks
// access.Decide (the marker semantics, as one table-tested function), ends the impersonation
// when the decision says so, and answers. A database error never ends an impersonation.
//
// An impersonated response is held back until its impersonation_audit row is committed; when
// the row cannot be written, the admin gets 503 and none of the customer's data (fail closed).
func (a *App) customerSurface(c *gin.Context) {
	u := currentUser(c)
	now := a.now()
	marks := asMarks(c)
	req := access.Request{Caller: access.User{ID: u.ID, Role: u.Role, Status: u.Status}, Marks: marks, Now: now,
		Idle: a.impIdle, Elsewhere: fromElsewhere(c.Request), Write: write(c)}

	facts := c.MustGet(keyCaller).(*queries.GetCallerRow) // read with the user, in one query
	cur := callerImpersonation(facts)
	switch {
	case facts.ImpID == 0:
	case a.guard.Ending(cur.ID):
		a.endNotRecorded(c, cur, nil)
		return
	default:
		req.Active = &access.Impersonation{ID: cur.ID, Customer: cur.CustomerUserID, ExpiresAt: time.Unix(cur.ExpiresAt, 0),
			LastActivity: a.guard.LastActive(cur.ID, time.Unix(facts.ImpLastActivity, 0)), AllowChanges: cur.AllowChanges == 1}
		if facts.CustID != 0 {
			req.Target = &access.User{ID: facts.CustID, Role: facts.CustRole, Status: facts.CustStatus}
		}
	}
	cust := queries.GetImpersonatedCustomerRow{ID: facts.CustID, PublicID: facts.CustPublicID, Name: facts.CustName, Role: facts.CustRole, Status: facts.CustStatus}

	d := access.Decide(req)
	if d.EndVia != "" {
		if _, err := a.endImpersonation(c, cur, d.EndVia); err != nil && d.EndVia == access.ViaMarkerRemoved {
			a.endNotRecorded(c, cur, err)
			return
		}
	}
	switch d.Outcome {
	case access.Own:
		c.Set(keyActingAs, u.ID)
		if req.Write {
			a.limitWrite(c, u.ID)
		}
	case access.ToConsole:
		a.redirect(c, "/admin")
		c.Abort()
	case access.Scoped:
		a.scope(c, cur, cust)
	case access.Refused:
		if d.Reason == access.ReadOnly {
			a.scope(c, cur, cust) // refused inside, and recorded
			return
		}
		if d.Reason == access.NotStaff {
			a.privilegeViolation(c, "as= marker on the customer surface")
		}
		a.fail(c, refusal(d, len(marks)))
	}
}

// scope sets the impersonated customer for the rest of the request and runs it held back
// until its audit row is written.
func (a *App) scope(c *gin.Context, cur queries.Impersonation, cust queries.GetImpersonatedCustomerRow) {
	c.Set(keyActingAs, cust.ID)
	c.Set(keyMarker, cust.ID)
	c.Set(keyImp, a.newBanner(cur, cust.Name, cust.PublicID)) // no-store: noStore set it, as on every signed-in answer
	a.guard.Touch(cur.ID, a.now())                            // idle counts from this request, recorded or not
	a.impersonated(c, cur)
}

// asMarks are the as= values of the address, as c.QueryArray("as") gives them, without
// building Gin's query map for the addresses that carry nothing else: none, or "?as=3".
func asMarks(c *gin.Context) []string {
	q := c.Request.URL.RawQuery
	if q == "" {
		return nil
	}
	if v, ok := strings.CutPrefix(q, "as="); ok && !strings.ContainsAny(v, "&;%+=") {
		return []string{v}
	}
	return c.QueryArray("as")
}

// refusal is the sentence for a refused decision.
func refusal(d access.Decision, marks int) *errs.Error {
	switch d.Reason {
	case access.BadMarker:
		if marks > 1 {
			return errBadRequest("The address has more than one as= marker. Open the customer again from the admin console.")
		}
		return errBadRequest("The as= marker in the address is not a customer id. Open the customer again from the admin console.")
	case access.NotStaff:
		return errForbidden("Only ChargeDesk support staff can view another account. This attempt was logged.")
	case access.FromElsewhere:
		return &errs.Error{Code: errs.Forbidden, Title: "Open the customer from the console",
			Message: "This address came from another site or was fetched ahead by the browser, so ChargeDesk did not act on it. Support staff: open the customer from the admin console. Customers: go to your own home page."}
	case access.Ended:
		switch d.EndVia {
		case access.ViaExpired:
			return errForbidden("Your impersonation expired, so it has ended. Start a new one from the customer's page if you still need it.")
		case access.ViaIdle:
			return errForbidden("Your impersonation ended because it was idle. Start a new one from the customer's page if you still need it.")
		case access.ViaCustomerPromoted:
			return errForbidden("This account is now a staff account, so the impersonation has ended.")
		default:
			return errForbidden("This customer's account is disabled, so the impersonation has ended.")
		}
	}
	return errForbidden("You are not impersonating this customer: the impersonation in this tab has ended or belongs to another customer. Start one from the customer's page in the admin console.")
}

// impersonated runs the rest of an impersonated request with its response held back, writes
// its impersonation_audit row, and only then lets the response go. If the row cannot be
// committed, the held response is dropped and the admin gets 503 without customer data.
//
// A page viewed again within the minute its row was committed has nothing to wait for (the
// row is there, and a reload is not recorded twice): it is answered directly.
func (a *App) impersonated(c *gin.Context, cur queries.Impersonation) {
	if !write(c) && a.guard.Seen(cur.ID, c.Request.Method, c.Request.URL) {
		c.Next()
		return
	}
	real := c.Writer
	buf := newBufferedWriter(real)
	c.Writer = buf
	defer func() {
		c.Writer = real
		if v := recover(); v != nil {
			buf.discard(c, a.securityHeaders)
			panic(v) // the recover middleware answers; nothing held back is sent
		}
	}()
	write := write(c)
	outcome := audit.Viewed
	switch {
	case write && cur.AllowChanges == 0:
		a.fail(c, &errs.Error{Code: errs.Forbidden, Title: "This impersonation is read-only", Message: "This impersonation is read-only: it was started without “allow changes”, so nothing on this account can be changed. The attempt was recorded."})
		outcome = audit.Blocked
	case write:
		outcome = audit.Blocked // a write that changed nothing (refused, invalid, too many)
		if a.limitWrite(c, cur.CustomerUserID) && c.Writer.Status() < 400 {
			outcome = audit.Changed
		}
	default:
		c.Next()
	}
	if !c.GetBool(keyWriteAudited) { // a change is recorded inside its own transaction (a.tx)
		page := impersonation.Page{Method: c.Request.Method, Route: c.FullPath(), URL: c.Request.URL, Status: c.Writer.Status(), Outcome: outcome}
		if err := a.guard.Record(c.Request.Context(), cur, page, write); err != nil {
			c.Writer = real
			buf.discard(c, a.securityHeaders)
			a.auditUnavailable(c, cur, err)
			return
		}
	}
	buf.release()
}

// fromElsewhere reports a request the person did not make from ChargeDesk itself: a
// navigation from another site (Fetch Metadata) or a prefetch. Typing the address is "none",
// and counts as the person's own.
func fromElsewhere(r *http.Request) bool {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return true
	}
	for _, h := range []string{"Sec-Purpose", "Purpose", "X-Moz", "X-Purpose"} {
		if strings.Contains(strings.ToLower(r.Header.Get(h)), "prefetch") || strings.EqualFold(r.Header.Get(h), "preview") {
			return true
		}
	}
	return false
}

// write reports whether the request may change something.
func write(c *gin.Context) bool {
	return c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead
}

// auditUnavailable answers 503 when an impersonated request could not be recorded: the page
// is not shown, and nothing of the customer's is (not even their name). The banner stays, cut
// down to the ticket and Exit, and the page offers Retry.
func (a *App) auditUnavailable(c *gin.Context, cur queries.Impersonation, err error) {
	a.Log.Error("AUDIT WRITE FAILED: impersonated response withheld", "request_id", requestID(c),
		"impersonation_id", cur.ID, "path", audit.Truncate(c.Request.URL.Path, 200), "err", err)
	b := &bannerData{Imp: cur, Withheld: true}
	if html, herr := a.pieces.banner(b); herr == nil {
		b.HTML = html
		c.Set(keyImp, b)
	} else {
		c.Set(keyImp, (*bannerData)(nil))
		c.Set(keyMarker, int64(0))
	}
	c.Set(keyActingAs, int64(0))
	c.Header("Retry-After", "30")
	a.fail(c, &errs.Error{Code: errs.Unavailable, Title: "Not recorded, so not shown",
		Message: "This page could not be recorded in the impersonation audit trail (" + faultSentence(err) + "), so it is not shown. Nothing of the customer's account left the server. Try again in a minute; if it persists, the server's disk or database needs attention."})
}

// bannerData is what the ImpersonationBanner shows.
type bannerData struct {
	Imp            queries.Impersonation
	CustomerName   string
	PublicID       string
	MinutesLeft    int64
	Until          string // when it expires, 15:04
	ChangesAllowed bool
	Withheld       bool   // the page was not recorded, so not shown: the banner has the ticket and Exit only
	TicketHref     string // the ticket in the ticket system (--ticket-url), or ""
	// PaymentsAllowed: payment methods may be changed too (the ticket authorizes it).
	PaymentsAllowed bool
	// Extend is how much longer Extend makes it ("30 min"), or "" when it runs to the maximum
	// already; the button shows in the last extendShownFor (banner.js adds it at the warning).
	Extend     string
	ShowExtend bool
	// HTML is the banner as the "banner" partial renders it (set when a.newBanner built it).
	HTML template.HTML
}

// extendShownFor is how long before its expiry the banner offers Extend: earlier it would
// only be noise in every page's banner.
const extendShownFor = 10 * time.Minute

// newBanner is the banner of impersonation imp of customer (name, publicID) at now.
func newBanner(imp queries.Impersonation, name, publicID string, now time.Time) *bannerData {
	return &bannerData{Imp: imp, CustomerName: name, PublicID: publicID,
		MinutesLeft: minutesLeft(imp, now), Until: expiresClock(imp.ExpiresAt), ChangesAllowed: imp.AllowChanges == 1,
		PaymentsAllowed: imp.AllowPayments == 1}
}

// myImpersonation is the caller's own active impersonation as the console shows it, nil
// when there is none.
func (a *App) myImpersonation(c *gin.Context) *bannerData {
	cur, err := a.r.ActiveImpersonationOf(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		return nil
	}
	b, _ := a.banner(c, cur)
	return b
}

func (a *App) banner(c *gin.Context, imp queries.Impersonation) (*bannerData, error) {
	cust, err := a.r.GetImpersonatedCustomer(c.Request.Context(), imp.CustomerUserID)
	if err != nil {
		return nil, err
	}
	return a.newBanner(imp, cust.Name, cust.PublicID), nil
}

// minutesLeft is what the banner says is left of imp at now, rounded up.
func minutesLeft(imp queries.Impersonation, now time.Time) int64 {
	return max(0, (imp.ExpiresAt-now.Unix()+59)/60)
}

// newBanner is newBanner at now, with its Extend button when the impersonation may still
// run longer, rendered. The banner built for an earlier request is used again while it shows
// the same (see bannerMemo).
func (a *App) newBanner(imp queries.Impersonation, name, publicID string) *bannerData {
	now := a.now()
	if b := a.pieces.banners.get(imp, name, publicID, minutesLeft(imp, now)); b != nil {
		return b
	}
	b := newBanner(imp, name, publicID, now)
	b.TicketHref = a.tickets.Href(imp.Ticket)
	if imp.ExpiresAt < imp.StartedAt+int64(a.impMax/time.Second) {
		b.Extend = a.extendBy
		b.ShowExtend = b.MinutesLeft <= int64(extendShownFor/time.Minute)
	}
	html, err := a.pieces.banner(b)
	if err != nil {
		a.Log.Error("render", "template", "banner", "impersonation_id", imp.ID, "err", err)
		return b // without its HTML: render answers 500
	}
	b.HTML = html
	a.pieces.banners.put(b)
	return b
}

// expiresClock is when an impersonation ends, for the banner.
func expiresClock(unix int64) string { return time.Unix(unix, 0).In(displayZone).Format("15:04") }
