package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"chargedesk/demo"
)

// An access review through the real router: the dashboard asks for one; the admin opens it,
// sees every staff account, makes Riley an admin (applied at once: her role changes and the
// change is its own chain row), cannot sign off before every active account has a decision,
// keeps themself, signs off (a row with what changed), and the reminder goes away; the export
// holds every account; support agents reach none of it.
func TestAccessReview(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	sam := adminClient(t, ta)
	riley := ta.userID(demo.SupportEmail)
	samID := ta.userID(demo.AdminEmail)
	mustContain(t, sam.get("/admin").body, "Staff access has never been reviewed", `href="/admin/reviews"`)

	today := ta.now().UTC().Format(time.DateOnly)
	start := func() response {
		return sam.post("/admin/reviews", url.Values{"from": {ta.now().UTC().AddDate(0, -3, 0).Format(time.DateOnly)}, "to": {today}})
	}
	r := start()
	if r.status != http.StatusSeeOther {
		t.Fatalf("start: %d %.300s", r.status, r.body)
	}
	page := r.header.Get("Location")
	if r := start(); r.status != http.StatusConflict || !strings.Contains(r.body, "still open") {
		t.Errorf("a second review while one is open: %d", r.status)
	}
	mustContain(t, sam.get(page).body, "Riley Support", "Sam Admin", "no second factor", "Sign off the review")
	decide := func(who int64, decision, reason string) response {
		return sam.post(page+"/decisions", url.Values{"staff_id": {fmt.Sprint(who)}, "decision": {decision}, "role": {"admin"}, "reason": {reason}})
	}
	if r := decide(riley, "change_role", ""); r.status != http.StatusUnprocessableEntity {
		t.Errorf("a role change without a reason: %d", r.status)
	}
	if r := decide(riley, "promote", "x"); r.status != http.StatusUnprocessableEntity {
		t.Errorf("an unknown decision: %d", r.status)
	}
	if r := decide(riley, "change_role", "leads the night shift now"); r.status != http.StatusSeeOther {
		t.Fatalf("change Riley's role: %d %.300s", r.status, r.body)
	}
	if n := ta.count(`SELECT count(*) FROM users WHERE id = ? AND role = 'admin'`, riley); n != 1 {
		t.Error("the decision did not apply: Riley is not an admin")
	}
	if r := decide(riley, "keep", ""); r.status != http.StatusConflict {
		t.Errorf("a second decision about Riley: %d", r.status)
	}
	if r := sam.post(page+"/signoff", nil); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Sam Admin") {
		t.Errorf("sign-off with Sam undecided: %d", r.status)
	}
	if r := decide(samID, "disable", "testing"); r.status != http.StatusConflict {
		t.Errorf("disabling oneself in a review: %d", r.status)
	}
	if r := decide(samID, "keep", ""); r.status != http.StatusSeeOther {
		t.Fatalf("keep Sam: %d", r.status)
	}
	// Every other active staff account (the demo has more) is kept too.
	rows := ta.count(`SELECT count(*) FROM users WHERE role IN ('admin', 'support') AND status = 'active'`)
	var others []int64
	q, _ := ta.db.R.Query(`SELECT id FROM users WHERE role IN ('admin', 'support') AND status = 'active' AND id NOT IN (?, ?)`, riley, samID)
	for q.Next() {
		var id int64
		q.Scan(&id)
		others = append(others, id)
	}
	q.Close()
	for _, id := range others {
		decide(id, "keep", "")
	}
	if r := sam.post(page+"/signoff", nil); r.status != http.StatusSeeOther {
		t.Fatalf("sign off: %d %.300s", r.status, r.body)
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'admin.review.signoff' AND json_extract(metadata, '$.role_changes') = 1 AND json_extract(metadata, '$.kept') = ?`, rows-1); n != 1 {
		t.Errorf("the sign-off row (1 role change, %d kept): %d", rows-1, n)
	}
	for _, tag := range []string{"admin.review.start", "admin.staff.role"} {
		if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = ?`, tag); n != 1 {
			t.Errorf("%s rows: %d", tag, n)
		}
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'admin.review.decision'`); n != rows {
		t.Errorf("decision rows: %d, want %d", n, rows)
	}
	if r := decide(riley, "keep", ""); r.status != http.StatusConflict {
		t.Errorf("a decision after the sign-off: %d", r.status)
	}
	if strings.Contains(sam.get("/admin").body, "review-due") {
		t.Error("the dashboard still asks for a review after the sign-off")
	}
	csv := sam.get(page + "?format=csv")
	if csv.status != 200 || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") || !strings.Contains(csv.body, "role changed to admin,leads the night shift now,Sam Admin") {
		t.Errorf("CSV: %d %.500s", csv.status, csv.body)
	}
	if pdf := sam.get(page + "?format=pdf"); pdf.status != 200 || !strings.HasPrefix(pdf.body, "%PDF-") {
		t.Errorf("PDF: %d", pdf.status)
	}
	if r := sam.get(page + "?format=xls"); r.status != http.StatusUnprocessableEntity {
		t.Errorf("format=xls: %d", r.status)
	}

	// Ninety-one days later the dashboard asks again.
	ta.advance(91 * 24 * time.Hour)
	sam = adminClient(t, ta)
	mustContain(t, sam.get("/admin").body, "due for review")
	if err := ta.verifyAudit(); err != nil {
		t.Fatal(err)
	}
}

// Support agents reach no part of the access review.
func TestAccessReviewIsForAdmins(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	sup := ta.client()
	sup.login(demo.SupportEmail)
	for _, r := range []response{sup.get("/admin/reviews"), sup.get("/admin/reviews/1"), sup.post("/admin/reviews", url.Values{"from": {"2026-01-01"}, "to": {"2026-02-01"}}),
		sup.post("/admin/reviews/1/decisions", url.Values{"staff_id": {"1"}, "decision": {"keep"}}), sup.post("/admin/reviews/1/signoff", nil)} {
		if r.status != http.StatusForbidden {
			t.Errorf("support: %d, want 403", r.status)
		}
	}
	if n := ta.count(`SELECT count(*) FROM access_reviews`); n != 0 {
		t.Errorf("reviews made by support: %d", n)
	}
	if strings.Contains(sup.get("/admin").body, "review-due") {
		t.Error("support is reminded of a review only admins can do")
	}
}
