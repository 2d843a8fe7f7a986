package handlers

// The access report: who at ChargeDesk looked at a customer's account and what they did, in a
// period. The customer gets it from Activity (GET /activity/report), staff from the console's
// customer page (GET /admin/customers/:id/access-report); both as a page to print, a PDF and a
// signed JSON file (?format=pdf|json) that `chargedesk audit verify-report` checks.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"chargedesk/errs"
	"chargedesk/report"
)

// reportData is what the report page shows.
type reportData struct {
	report.Report
	Signed   report.Signed
	FromDate string // the form's values (YYYY-MM-DD)
	ToDate   string
	Base     string // this page's path (with ?as= when impersonating)
	Console  bool
}

// accessReport is GET /activity/report: the customer's own report (or, impersonating, the
// customer's, recorded like every impersonated page).
func (a *App) accessReport(c *gin.Context) {
	a.showAccessReport(c, actingAs(c), customerURL(marker(c), "/activity/report"), false)
}

// consoleAccessReport is GET /admin/customers/:id/access-report, recorded in the trail.
func (a *App) consoleAccessReport(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This customer"))
		return
	}
	a.showAccessReport(c, id, fmt.Sprintf("/admin/customers/%d/access-report", id), true)
}

func (a *App) showAccessReport(c *gin.Context, customer int64, base string, console bool) {
	now := a.now()
	from, to, fromDate, toDate, err := reportPeriod(c.Query("from"), c.Query("to"), now)
	if err != nil {
		a.fail(c, err)
		return
	}
	format := c.Query("format")
	if format == "" {
		format = "html"
		if wantsJSON(c) {
			format = "json"
		}
	}
	if format != "html" && format != "pdf" && format != "json" {
		a.fail(c, errs.Invalidf("Choose the report's format: html, pdf or json."))
		return
	}
	// Who asked: the customer, or a staff member (from the console, or impersonating the
	// customer) — then recorded in the trail by name.
	u := currentUser(c)
	by := report.Person{ID: u.ID, Name: u.Name, Role: u.Role}
	signed, r, err := a.reports.Access(c.Request.Context(), report.Params{Customer: customer, From: from, To: to, By: by,
		Now: now, Format: format, IP: c.ClientIP(), UserAgent: c.Request.UserAgent()}, reportWords)
	if err != nil {
		a.fail(c, err)
		return
	}
	name := fmt.Sprintf("chargedesk-access-report-%s-%s", r.Customer.PublicID, now.UTC().Format("2006-01-02"))
	switch format {
	case "json":
		b, err := json.MarshalIndent(signed, "", "  ")
		if err != nil {
			a.fail(c, err)
			return
		}
		c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.json"`, name))
		c.Data(http.StatusOK, "application/json", append(b, '\n'))
	case "pdf":
		b, err := report.PDF(r, signed)
		if err != nil {
			a.fail(c, err)
			return
		}
		c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.pdf"`, name))
		c.Data(http.StatusOK, "application/pdf", b)
	default:
		nav := "activity"
		if console {
			nav = "customers"
		}
		a.render(c, http.StatusOK, "access_report", &Page{Title: "Access report", Nav: nav,
			Data: reportData{Report: r, Signed: signed, FromDate: fromDate, ToDate: toDate, Base: base, Console: console}})
	}
}

// reportLink is the report page's address with its period and a format ("" for the page).
func (d reportData) Link(format string) string {
	q := url.Values{"from": {d.FromDate}, "to": {d.ToDate}}
	if format != "" {
		q.Set("format", format)
	}
	sep := "?"
	if u, err := url.Parse(d.Base); err == nil && u.RawQuery != "" {
		sep = "&"
	}
	return d.Base + sep + q.Encode()
}

// reportPeriod reads the from and to dates (YYYY-MM-DD, both days included, UTC); without
// them, the last twelve months up to today.
func reportPeriod(fromQ, toQ string, now time.Time) (from, to time.Time, fromDate, toDate string, err error) {
	today := now.UTC().Truncate(24 * time.Hour)
	to, from = today.AddDate(0, 0, 1), today.AddDate(-1, 0, 1)
	if toQ != "" {
		d, perr := time.Parse(time.DateOnly, toQ)
		if perr != nil {
			return from, to, "", "", errs.Invalidf("The end date %q is not a date (YYYY-MM-DD).", clip(toQ))
		}
		to = d.AddDate(0, 0, 1)
	}
	if fromQ != "" {
		d, perr := time.Parse(time.DateOnly, fromQ)
		if perr != nil {
			return from, to, "", "", errs.Invalidf("The start date %q is not a date (YYYY-MM-DD).", clip(fromQ))
		}
		from = d
	}
	return from, to, from.Format(time.DateOnly), to.AddDate(0, 0, -1).Format(time.DateOnly), report.CheckPeriod(from, to, now)
}

// clip shortens what a person typed for an error sentence.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// reportWords word the report's rows as the console's audit log does.
var reportWords = report.Words{
	Action: func(tag string, actor, target report.Person, m map[string]any) string {
		return auditSentence(tag, person(actor), person(target), meta(m))
	},
	Page: routeWords,
}
