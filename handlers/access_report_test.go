package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"chargedesk/demo"
	"chargedesk/report"
)

// The console's access report: staff (support included) get it in three formats, each one
// recorded in the trail (and so in the next report); it lists the visit with its pages,
// changes and mode, and covers exactly up to the checkpoint it carries — a visit after it is
// in the next report, not this one's recount.
func TestConsoleAccessReport(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	admin := ta.client()
	admin.login(demo.AdminEmail)
	admin.startImpersonating(jane, "SUP-REPORT", true)
	admin.get(fmt.Sprintf("/receipts/25?as=%d", jane))
	admin.post(fmt.Sprintf("/cards?as=%d", jane), url.Values{"uid": {"04AABBCCDD1122"}, "label": {"Spare"}})
	admin.post("/api/customer/impersonation/end", nil)

	support := ta.client()
	support.login(demo.SupportEmail)
	base := fmt.Sprintf("/admin/customers/%d/access-report", jane)
	before := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'admin.access_report'`)
	r := support.get(base + "?format=json")
	if r.status != 200 || !strings.Contains(r.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("support's JSON report: %d %v %.300s", r.status, r.header, r.body)
	}
	var s report.Signed
	if err := json.Unmarshal([]byte(r.body), &s); err != nil {
		t.Fatal(err)
	}
	rep, err := report.Verify([]byte(r.body), ta.trail.PublicKey())
	if err != nil {
		t.Fatalf("the console's report does not verify: %v", err)
	}
	if len(rep.Accesses) != 1 {
		t.Fatalf("accesses: %+v", rep.Accesses)
	}
	a := rep.Accesses[0]
	if a.Ticket != "SUP-REPORT" || a.Staff.Role != "admin" || a.Mode != "changes allowed" || a.Changes != 1 || a.EndedHow != "exit" {
		t.Errorf("the visit: %+v", a)
	}
	var words []string
	for _, p := range a.Pages {
		words = append(words, p.What)
	}
	if got := strings.Join(words, "; "); !strings.Contains(got, "viewed the receipt #25") || !strings.Contains(got, "ordered an EV card") {
		t.Errorf("pages seen: %s", got)
	}
	last := rep.Actions[len(rep.Actions)-1]
	if last.Tag != report.TagAccessReport || last.By.Role != "support" {
		t.Errorf("the report's own row is not its last action: %+v", last)
	}
	if got := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'admin.access_report'`); got != before+1 {
		t.Errorf("admin.access_report rows: %d, want %d", got, before+1)
	}

	for _, f := range []struct{ format, ctype string }{{"pdf", "application/pdf"}, {"", "text/html"}} {
		r := support.get(base + "?format=" + f.format)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), f.ctype) {
			t.Errorf("format %q: %d %s", f.format, r.status, r.header.Get("Content-Type"))
		}
		if f.format == "pdf" && !strings.HasPrefix(r.body, "%PDF-") {
			t.Errorf("the PDF is not a PDF: %.20q", r.body)
		}
		if f.format == "" && (!strings.Contains(r.body, "SUP-REPORT") || !strings.Contains(r.body, s.Key)) {
			t.Errorf("the report page lacks the ticket or the key")
		}
	}

	// A later visit is in a later report; the earlier report's rows are still exactly its own.
	admin.startImpersonating(jane, "SUP-LATER", false)
	admin.post("/api/customer/impersonation/end", nil)
	later, err := report.Verify([]byte(support.get(base+"?format=json").body), ta.trail.PublicKey())
	if err != nil || len(later.Accesses) != 2 {
		t.Fatalf("the later report: %v %d visits", err, len(later.Accesses))
	}
	if later.Rows.UpToAuth <= rep.Rows.UpToAuth {
		t.Errorf("the later report covers up to row %d, the earlier %d", later.Rows.UpToAuth, rep.Rows.UpToAuth)
	}
}

// Bad periods and formats are refused with a sentence and write nothing; a customer's own
// report is not recorded as a staff action; the period is kept in the page's links.
func TestAccessReportRefusals(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.client()
	jane.login(demo.JaneEmail)
	tomorrow := ta.now().AddDate(0, 0, 2).Format(time.DateOnly)
	for _, tc := range []struct{ query, want string }{
		{"?from=yesterday", "is not a date"},
		{"?to=2026-13-01", "is not a date"},
		{"?from=2026-06-01&to=2026-05-01", "must end after it starts"},
		{"?from=" + tomorrow, "starts in the future"},
		{"?from=2020-01-01&to=2026-01-01", "at most two years"},
		{"?format=xml", "html, pdf or json"},
	} {
		r := jane.get("/activity/report"+tc.query, "Accept", "application/json")
		if r.status != 422 || !strings.Contains(r.body, tc.want) {
			t.Errorf("%s: %d %s, want 422 %q", tc.query, r.status, r.body, tc.want)
		}
	}
	r := jane.get("/activity/report?from=2026-01-01&to=2026-06-30")
	if r.status != 200 || !strings.Contains(r.body, "from=2026-01-01&amp;to=2026-06-30") {
		t.Errorf("the page's links lose the period: %d", r.status)
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'admin.access_report'`); n != 0 {
		t.Errorf("a customer's own reports wrote %d staff rows", n)
	}
	if r := ta.client().get("/activity/report"); r.status != 303 {
		t.Errorf("signed out: %d, want the login", r.status)
	}
}
