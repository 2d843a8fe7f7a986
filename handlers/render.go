package handlers

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"chargedesk/access"
	"chargedesk/queries"
	"chargedesk/templates"
)

// Page is what every template receives: the layout reads the user and navigation, the page
// reads Data.
type Page struct {
	Title string
	Nav   string // which navigation entry is current
	User  *queries.User
	Staff bool // the caller is ChargeDesk staff (support or admin)
	Admin bool // the caller is an admin: the admin tools, staff and settings
	// Console: the caller is support and not impersonating, so the page has the console's
	// header (its nav and search) rather than the customer surface's.
	Console bool
	As      int64       // the impersonation marker to repeat in every customer-surface URL, or 0
	AsQ     string      // the marker as a query string for a plain path ("?as=3"), or "": /cards{{.AsQ}}
	Imp     *bannerData // set while impersonating: the layout shows the ImpersonationBanner
	Now     time.Time
	Data    any
	// Current marks the navigation entry of Nav, for aria-current: Current.audit is true
	// on the audit pages (a map lookup in the template, not a call per link).
	Current map[string]bool
	// CustomerNav is the customer surface's navigation (with the marker while impersonating)
	// and Banner the ImpersonationBanner of Imp, rendered by html/template from their
	// partials (see layoutPieces).
	CustomerNav, Banner template.HTML
	// Form and Problem re-render a form after bad input.
	Form    map[string]string
	Problem string
	Notice  string
	// Tickets links ticket ids to the ticket system: {{with $.Tickets.Href .Ticket}}.
	Tickets TicketLinks
	// FocusSearch puts the focus in the console's customer search on arrival (the dashboard,
	// unless it offers Resume).
	FocusSearch bool
	// Approvals shows the nav's polled Approvals link (the console, once any factor owed is
	// given: the poll must not meet a redirect).
	Approvals bool
	// Consent is what support asks the customer now (consent on request): shown at the top
	// of their own pages until answered.
	Consent []queries.PendingConsentRequestsRow
}

// parseTemplates parses one template set per page (layout + partials + that page), once per
// process: the sets are built from the embedded files only and never changed after, so every
// App (and every test's) shares them.
var parseTemplates = sync.OnceValues(func() (map[string]*template.Template, error) {
	names, err := fs.Glob(templates.FS, "pages/*.html")
	if err != nil {
		return nil, err
	}
	pages := make(map[string]*template.Template, len(names))
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".html")
		t, err := template.New(name).Funcs(funcs).ParseFS(templates.FS, "layout.html", "partials/*.html", file)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
})

// render writes page name with status: the whole page for a plain request, only its
// "content" block for an HTMX request. It renders into a buffer first, so a template error
// becomes a clean 500 and never half a page.
func (a *App) render(c *gin.Context, status int, name string, p *Page) {
	t, ok := a.pages[name]
	if !ok {
		a.Log.Error("no such template", "name", name)
		c.String(http.StatusInternalServerError, "Internal error.")
		return
	}
	if p.User == nil {
		p.User = currentUser(c)
	}
	p.Staff = p.User != nil && access.IsStaff(p.User.Role)
	p.Admin = p.User != nil && p.User.Role == access.RoleAdmin
	p.As = marker(c)
	if p.As != 0 {
		p.AsQ = "?as=" + strconv.FormatInt(p.As, 10)
	}
	p.Now = a.now()
	p.Tickets = a.tickets
	p.Current = map[string]bool{p.Nav: true}
	if p.Imp == nil {
		p.Imp = activeImpersonation(c)
	}
	p.Console = p.Staff && p.Imp == nil
	p.Approvals = p.Console && a.factorOwed(c) == ""
	p.Consent = a.pendingConsent(c, p)
	if p.User != nil && (!p.Staff || p.Imp != nil) {
		nav, err := a.pieces.nav(p.As, p.Nav)
		if err != nil {
			a.Log.Error("render", "template", "customer_nav", "request_id", requestID(c), "err", err)
			c.String(http.StatusInternalServerError, "Internal error.")
			return
		}
		p.CustomerNav = nav
	}
	if p.Imp != nil {
		if p.Imp.HTML == "" { // its template failed when a.newBanner built it (logged there)
			c.String(http.StatusInternalServerError, "Internal error.")
			return
		}
		p.Banner = p.Imp.HTML
	}
	block := "base"
	if c.GetHeader("HX-Request") == "true" && c.GetHeader("HX-Request-Type") != "full" {
		block = "fragment"
	}
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer putRenderBuffer(buf)
	buf.Reset()
	if err := t.ExecuteTemplate(buf, block, p); err != nil {
		a.Log.Error("render", "template", name, "request_id", requestID(c), "err", err)
		c.String(http.StatusInternalServerError, "Internal error.")
		return
	}
	c.Header("Vary", "HX-Request")
	c.Header("Content-Length", strconv.Itoa(buf.Len()))     // the whole page is here: sent in one piece, not chunked
	c.Data(status, "text/html; charset=utf-8", buf.Bytes()) // written (or copied) before it returns
}

// renderBuffers are reused page buffers: a page is rendered whole before it is sent.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putRenderBuffer returns buf to the pool unless an unusually large page grew it (those are
// left to the garbage collector, so the pool never pins much memory).
func putRenderBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= 256<<10 {
		renderBuffers.Put(buf)
	}
}
