package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"chargedesk/demo"
	"chargedesk/queries"
	"chargedesk/users"
)

// matrixRequest is one customer route with Jane's ids filled in and, for writes, a form that
// is refused or changes nothing, so that the same request can be repeated across the matrix.
func matrixRequests(t *testing.T, ta *testApp) map[string]struct {
	path string
	form url.Values
} {
	j := ta.jane()
	var lostCard, doneSession, cancelled int64
	jane := ta.userID(demo.JaneEmail)
	ta.db.R.QueryRow(`SELECT id FROM ev_cards WHERE user_id = ? AND status = 'lost'`, jane).Scan(&lostCard)
	ta.db.R.QueryRow(`SELECT min(id) FROM charging_sessions WHERE user_id = ? AND status = 'COMPLETED'`, jane).Scan(&doneSession)
	ta.db.R.QueryRow(`SELECT id FROM reservations WHERE user_id = ? AND status = 'cancelled'`, jane).Scan(&cancelled)
	empty := url.Values{}
	return map[string]struct {
		path string
		form url.Values
	}{
		"GET /":                             {"/", nil},
		"GET /chargers":                     {"/chargers", nil},
		"GET /chargers/:id":                 {fmt.Sprintf("/chargers/%d", j.charger), nil},
		"GET /sessions":                     {"/sessions", nil},
		"POST /sessions":                    {"/sessions", empty},
		"GET /sessions/:id":                 {fmt.Sprintf("/sessions/%d", j.activeSession), nil},
		"GET /sessions/:id/stop":            {fmt.Sprintf("/sessions/%d/stop", doneSession), nil},
		"POST /sessions/:id/stop":           {fmt.Sprintf("/sessions/%d/stop", doneSession), empty},
		"GET /receipts/:id":                 {fmt.Sprintf("/receipts/%d", j.receipt), nil},
		"GET /cards":                        {"/cards", nil},
		"POST /cards":                       {"/cards", empty},
		"GET /cards/:id/block":              {fmt.Sprintf("/cards/%d/block", lostCard), nil},
		"POST /cards/:id/block":             {fmt.Sprintf("/cards/%d/block", lostCard), empty},
		"GET /reservations":                 {"/reservations", nil},
		"POST /reservations":                {"/reservations", empty},
		"GET /reservations/:id/cancel":      {fmt.Sprintf("/reservations/%d/cancel", cancelled), nil},
		"POST /reservations/:id/cancel":     {fmt.Sprintf("/reservations/%d/cancel", cancelled), empty},
		"GET /payment-methods":              {"/payment-methods", nil},
		"POST /payment-methods":             {"/payment-methods", empty},
		"POST /payment-methods/:id/default": {fmt.Sprintf("/payment-methods/%d/default", j.defaultPM+1000), empty},
		"GET /payment-methods/:id/delete":   {fmt.Sprintf("/payment-methods/%d/delete", j.defaultPM), nil},
		"POST /payment-methods/:id/delete":  {fmt.Sprintf("/payment-methods/%d/delete", j.defaultPM), empty},
		"GET /activity":                     {"/activity", nil},
		"GET /activity/report":              {"/activity/report", nil},
		"POST /support-access":              {"/support-access", empty},
		"POST /support-access/revoke":       {"/support-access/revoke", empty},
		"POST /support-access/requests/:id": {"/support-access/requests/999999", empty},
		"POST /activity/notices":            {"/activity/notices", url.Values{"notify": {"false"}}},
	}
}

var omarOnly = []string{"Omar Haddad", "omar@example.com", "••5454", "Ioniq 5 card"}

// Every customer route × every kind of caller × every kind of marker gets the specified
// status, and no body shows a customer the caller may not see. Generated from the route table.
func TestImpersonationAccessMatrix(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane, omar := ta.userID(demo.JaneEmail), ta.userID(demo.OmarEmail)
	idle, err := users.Create(t.Context(), queries.New(ta.db.W), users.NewUser{Email: "idle@chargedesk.test", Name: "Idle Admin", Role: "admin", Password: demo.DefaultPassword}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	idleSupport, err := users.Create(t.Context(), queries.New(ta.db.W), users.NewUser{Email: "idle-support@chargedesk.test", Name: "Idle Support", Role: "support", Password: demo.DefaultPassword}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	reqs := matrixRequests(t, ta)

	type caller struct {
		name     string
		c        *client
		own      int64 // "own id" marker
		other    int64 // "other id" marker
		customer int64 // whose data an unmarked request shows (customers)
		imp      int   // 0 none, 1 read-only, 2 changes allowed
		email    string
	}
	login := func(email string) *client {
		if email == "" {
			return ta.client()
		}
		c := ta.client()
		c.login(email)
		return c
	}
	callers := []caller{
		{name: "anonymous", c: login(""), own: jane, other: omar},
		{name: "customer", c: login(demo.JaneEmail), own: jane, other: omar, customer: jane},
		{name: "other customer", c: login(demo.OmarEmail), own: omar, other: jane, customer: omar},
		{name: "admin not impersonating", c: login("idle@chargedesk.test"), own: idle.ID, other: jane},
		{name: "admin read-only", c: login(demo.AdminEmail), own: jane, other: omar, imp: 1, email: demo.AdminEmail},
		{name: "admin with changes", c: login("alex@chargedesk.test"), own: jane, other: omar, imp: 2, email: "alex@chargedesk.test"},
		{name: "support not impersonating", c: login("idle-support@chargedesk.test"), own: idleSupport.ID, other: jane},
		{name: "support read-only", c: login(demo.SupportEmail), own: jane, other: omar, imp: 1, email: demo.SupportEmail},
	}
	// ensure gives an impersonating caller its impersonation of Jane back (no marker ends it).
	ensure := func(cl caller) {
		if cl.imp == 0 {
			return
		}
		if ta.count(`SELECT count(*) FROM impersonations WHERE admin_user_id = ? AND ended_at IS NULL`, ta.userID(cl.email)) == 1 {
			return
		}
		if r := cl.c.startImpersonating(jane, "SUP-MATRIX", cl.imp == 2); r.status != http.StatusSeeOther {
			t.Fatalf("%s: start: %d", cl.name, r.status)
		}
	}
	send := func(c *client, method, path string, form url.Values) response {
		if method == http.MethodGet {
			return c.get(path)
		}
		return c.post(path, form)
	}
	withMarker := func(path, m string) string {
		if m == "" {
			return path
		}
		return path + "?" + m
	}

	// What the customer themself gets for each request: the status an in-scope request must match.
	baseline := map[string]map[int64]int{}
	for key, rq := range reqs {
		method := strings.Fields(key)[0]
		baseline[key] = map[int64]int{
			jane: send(callers[1].c, method, rq.path, rq.form).status,
			omar: send(callers[2].c, method, rq.path, rq.form).status,
		}
	}

	cases, failures := 0, 0
	for _, rt := range ta.app.CustomerRoutes() {
		key := rt.Method + " " + rt.Path
		rq, ok := reqs[key]
		if !ok {
			t.Errorf("route %s has no matrix request: add one", key)
			continue
		}
		for _, cl := range callers {
			markers := []struct{ name, q string }{
				{"own id", fmt.Sprintf("as=%d", cl.own)},
				{"other id", fmt.Sprintf("as=%d", cl.other)},
				{"malformed", "as=07"},
				{"no marker", ""}, // last: for an impersonating admin it ends the impersonation
			}
			for _, m := range markers {
				ensure(cl)
				cases++
				var want int
				// The customers whose data may appear: a customer's own (their name is in the
				// header on every page), and Jane's while an admin is scoped to her.
				may := map[int64]bool{cl.customer: true}
				if cl.imp > 0 && m.name == "own id" {
					may[jane] = true
				}
				switch {
				case cl.name == "anonymous":
					want = http.StatusSeeOther
				case m.name == "malformed":
					want = http.StatusBadRequest
				case m.name == "no marker" && cl.customer != 0:
					want = baseline[key][cl.customer]
				case m.name == "no marker":
					want = http.StatusSeeOther
				case m.name == "own id" && cl.imp == 1 && rt.Write, m.name == "own id" && cl.imp > 0 && (rt.OwnerOnly || rt.Payment):
					want = http.StatusForbidden
				case m.name == "own id" && cl.imp > 0:
					want = baseline[key][jane]
				default:
					want = http.StatusForbidden
				}
				r := send(cl.c, rt.Method, withMarker(rq.path, m.q), rq.form)
				bad := r.status != want
				if r.status >= 500 {
					bad = true
				}
				leaks := []string{}
				if !may[jane] {
					for _, s := range janeOnly {
						if strings.Contains(r.body, s) {
							leaks = append(leaks, s)
						}
					}
				}
				if !may[omar] {
					for _, s := range omarOnly {
						if strings.Contains(r.body, s) {
							leaks = append(leaks, s)
						}
					}
				}
				if bad || len(leaks) > 0 {
					failures++
					t.Errorf("%s | %s | %s: status %d, want %d; leaked %v", key, cl.name, m.name, r.status, want, leaks)
				}
			}
		}
	}
	t.Logf("access matrix: %d routes × %d callers × 4 markers = %d cases, %d failures", len(ta.app.CustomerRoutes()), len(callers), cases, failures)
	if n := ta.count(`SELECT count(*) FROM auth_audit a WHERE tag = 'impersonation.start' AND NOT EXISTS (
		SELECT 1 FROM auth_audit e WHERE e.tag = 'impersonation.end' AND json_extract(e.metadata, '$.impersonation_id') = json_extract(a.metadata, '$.impersonation_id'))`); n != 0 {
		t.Errorf("%d impersonation starts have no end row", n)
	}
}
