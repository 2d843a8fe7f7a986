package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"chargedesk/demo"
)

// notCustomerSurface are the URLs a customer page may link without the marker: the Exit form,
// logout, static files, and the console (a receipt's Refund form posts to the admin tool,
// which takes the customer from the form and re-checks the admin; its read-only note links
// the console's copy of the receipt).
var notCustomerSurface = []string{"/api/customer/impersonation/end", "/logout", "/static/", "/admin/"}

// While impersonating, every link, form and hx-* URL on every customer page keeps as=. The
// crawl starts at the home page and follows every customer-surface link it finds.
func TestCrawlKeepsTheMarker(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	c := ta.client()
	c.login(demo.AdminEmail)
	c.startImpersonating(jane, "SUP-CRAWL", true) // changes allowed: every write form is shown
	marker := fmt.Sprintf("as=%d", jane)

	queue := []string{"/?" + marker}
	seen := map[string]bool{}
	pages := 0
	for len(queue) > 0 && pages < 120 {
		page := queue[0]
		queue = queue[1:]
		if seen[page] {
			continue
		}
		seen[page] = true
		r := c.get(page)
		if r.status != 200 {
			t.Errorf("crawl %s: status %d", page, r.status)
			continue
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			continue // a download (the access report's PDF or JSON): a file, not a page with a banner
		}
		pages++
		if !hasBanner(r.body) {
			t.Errorf("%s has no ImpersonationBanner", page)
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		doc.Find("[href], [action], [hx-get], [hx-post], [src]").Each(func(_ int, s *goquery.Selection) {
			for _, attr := range []string{"href", "action", "hx-get", "hx-post", "src"} {
				v, ok := s.Attr(attr)
				if !ok || v == "" || strings.HasPrefix(v, "#") {
					continue
				}
				u, err := url.Parse(v)
				if err != nil || u.Host != "" {
					t.Errorf("%s: %s=%q is not a local URL", page, attr, v)
					continue
				}
				exempt := false
				for _, p := range notCustomerSurface {
					exempt = exempt || strings.HasPrefix(u.Path, p)
				}
				if exempt {
					continue
				}
				if got := u.Query()["as"]; len(got) != 1 || got[0] != fmt.Sprint(jane) {
					t.Errorf("%s: %s=%q drops the marker", page, attr, v)
					continue
				}
				if attr == "href" && !seen[v] {
					queue = append(queue, v)
				}
			}
		})
	}
	if pages < 15 {
		t.Errorf("crawled only %d pages; the crawl is not reaching the surface", pages)
	}
	t.Logf("crawled %d customer pages while impersonating", pages)
}

// Fifty simultaneous starts for one admin: exactly one succeeds and writes one start row.
func TestRacingStartsGiveOneImpersonation(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	c.login(demo.AdminEmail)
	jane := ta.userID(demo.JaneEmail)
	var wg sync.WaitGroup
	statuses := make([]int, 50)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, c.base+"/api/customer/impersonation/start",
				strings.NewReader(url.Values{"customer_user_id": {fmt.Sprint(jane)}, "ticket": {"SUP-RACE"}, "reason": {"race"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := c.http.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			statuses[i] = res.StatusCode
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if count[http.StatusSeeOther] != 1 || count[http.StatusConflict] != 49 {
		t.Errorf("statuses %v, want one 303 and 49 409", count)
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'impersonation.start'`); n != 1 {
		t.Errorf("start rows %d, want 1", n)
	}
	if n := ta.count(`SELECT count(*) FROM impersonations`); n != 1 {
		t.Errorf("impersonations %d, want 1", n)
	}
}

func TestMarkerAndStartBadInput(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	c := ta.client()
	c.login(demo.AdminEmail)
	c.startImpersonating(jane, "SUP-1", false)
	for _, m := range []string{"as=abc", "as=-1", "as=%2B7", "as=07", "as=0", "as=99999999999999999999999", "as=", fmt.Sprintf("as=%d&as=%d", jane, jane), "as=1e3", "as=%00"} {
		r := c.get("/sessions?" + m)
		if r.status != http.StatusBadRequest && r.status != http.StatusForbidden {
			t.Errorf("?%s: %d, want 400 or 403", m, r.status)
		}
	}
	c.post("/api/customer/impersonation/end", url.Values{})

	// Ticket and reason with HTML (and the reason with a newline) are stored as typed and
	// shown escaped.
	nasty := "SUP-9 <script>alert(1)</script>\nline two"
	r := c.post("/api/customer/impersonation/start", url.Values{"customer_user_id": {fmt.Sprint(jane)}, "ticket": {nasty[:31]}, "reason": {nasty}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("start with HTML in the ticket: %d %.300s", r.status, r.body)
	}
	var stored string
	ta.db.R.QueryRow(`SELECT reason FROM impersonations WHERE ended_at IS NULL`).Scan(&stored)
	if stored != nasty {
		t.Errorf("reason stored as %q, want it as typed", stored)
	}
	page := c.get(fmt.Sprintf("/?as=%d", jane))
	if strings.Contains(page.body, "<script>alert(1)</script>") || !strings.Contains(page.body, "&lt;script&gt;") {
		t.Error("the ticket is not escaped in the banner")
	}
	c.post("/api/customer/impersonation/end", url.Values{})

	tests := []struct {
		name   string
		form   url.Values
		status int
		msg    string
	}{
		{"10 kB reason", url.Values{"customer_user_id": {fmt.Sprint(jane)}, "ticket": {"SUP-1"}, "reason": {strings.Repeat("r", 10_000)}}, 422, "Reason is too long"},
		{"no ticket", url.Values{"customer_user_id": {fmt.Sprint(jane)}, "reason": {"x"}}, 422, "Ticket is required"},
		{"newline in the ticket", url.Values{"customer_user_id": {fmt.Sprint(jane)}, "ticket": {"SUP-1\nSUP-2"}, "reason": {"x"}}, 422, "Ticket contains a control character"},
		{"zero-width space in the ticket", url.Values{"customer_user_id": {fmt.Sprint(jane)}, "ticket": {"SUP-\u200b1"}, "reason": {"x"}}, 422, "Ticket contains an invisible formatting character"},
		{"bidi override in the reason", url.Values{"customer_user_id": {fmt.Sprint(jane)}, "ticket": {"SUP-1"}, "reason": {"refund \u202eoreZ"}}, 422, "Reason contains a text-direction override"},
		{"ESC in the reason", url.Values{"customer_user_id": {fmt.Sprint(jane)}, "ticket": {"SUP-1"}, "reason": {"bug \x1b[2J"}}, 422, "Reason contains a control character"},
		{"no visible letters", url.Values{"customer_user_id": {fmt.Sprint(jane)}, "ticket": {"SUP-1"}, "reason": {"..."}}, 422, "Reason has no visible letters or digits"},
		{"blank reason", url.Values{"customer_user_id": {fmt.Sprint(jane)}, "ticket": {"SUP-1"}, "reason": {"   "}}, 422, "Reason is required"},
		{"no customer", url.Values{"ticket": {"SUP-1"}, "reason": {"x"}}, 422, "customer_user_id"},
		{"customer abc", url.Values{"customer_user_id": {"abc"}, "ticket": {"SUP-1"}, "reason": {"x"}}, 422, "customer_user_id"},
		{"unknown user", url.Values{"customer_user_id": {"99999"}, "ticket": {"SUP-1"}, "reason": {"x"}}, 404, "not found"},
		{"an admin", url.Values{"customer_user_id": {fmt.Sprint(ta.userID("alex@chargedesk.test"))}, "ticket": {"SUP-1"}, "reason": {"x"}}, 422, "Admins cannot be impersonated"},
		{"yourself", url.Values{"customer_user_id": {fmt.Sprint(ta.userID(demo.AdminEmail))}, "ticket": {"SUP-1"}, "reason": {"x"}}, 422, "yourself"},
		{"a disabled customer", url.Values{"customer_user_id": {fmt.Sprint(ta.userID("felix@example.com"))}, "ticket": {"SUP-1"}, "reason": {"x"}}, 422, "disabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.post("/api/customer/impersonation/start", tt.form)
			if r.status != tt.status {
				t.Errorf("status %d, want %d", r.status, tt.status)
			}
			mustContain(t, r.body, tt.msg)
		})
	}
	if n := ta.count(`SELECT count(*) FROM impersonations WHERE ended_at IS NULL`); n != 0 {
		t.Errorf("refused starts left %d active impersonations", n)
	}
	// JSON in, JSON out.
	j := c.do(http.MethodPost, "/api/customer/impersonation/start",
		strings.NewReader(fmt.Sprintf(`{"customer_user_id": %d, "ticket": "SUP-7", "reason": "json", "allow_changes": true}`, jane)),
		"Content-Type", "application/json", "Accept", "application/json")
	if j.status != http.StatusCreated || !strings.Contains(j.body, `"redirect":"/?as=`) || !strings.Contains(j.body, `"impersonation_id":`) {
		t.Errorf("JSON start: %d %s", j.status, j.body)
	}
	bad := c.do(http.MethodPost, "/api/customer/impersonation/start", strings.NewReader(`{"customer_user_id": `),
		"Content-Type", "application/json", "Accept", "application/json")
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, `"error"`) {
		t.Errorf("broken JSON: %d %s", bad.status, bad.body)
	}
}

// No dead links in the console: every page an admin can reach by links answers 200.
func TestAdminConsoleHasNoDeadLinks(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	c.login(demo.AdminEmail)
	// Something in every list: an impersonation with a write, a refund, a violation.
	alex := ta.client()
	alex.login("alex@chargedesk.test")
	alex.startImpersonating(ta.userID(demo.JaneEmail), "SUP-LINKS", true)
	alex.post(fmt.Sprintf("/cards?as=%d", ta.userID(demo.JaneEmail)), url.Values{"label": {"x"}})
	alex.post("/api/customer/impersonation/end", url.Values{})

	queue := []string{"/admin"}
	seen := map[string]bool{}
	for len(queue) > 0 && len(seen) < 200 {
		page := queue[0]
		queue = queue[1:]
		if seen[page] {
			continue
		}
		seen[page] = true
		r := c.get(page)
		if r.status != 200 {
			t.Errorf("%s: status %d", page, r.status)
			continue
		}
		if !strings.Contains(r.header.Get("Content-Type"), "text/html") {
			continue
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		doc.Find("a[href]").Each(func(_ int, s *goquery.Selection) {
			v, _ := s.Attr("href")
			u, err := url.Parse(v)
			if err != nil || u.Host != "" || v == "" || strings.HasPrefix(v, "#") {
				return
			}
			u.Fragment = ""
			if strings.HasPrefix(u.Path, "/admin") && !seen[u.String()] {
				queue = append(queue, u.String())
			}
		})
	}
	if len(seen) < 12 {
		t.Errorf("reached only %d console pages", len(seen))
	}
	t.Logf("followed %d console links", len(seen))
}
