package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"chargedesk/demo"
)

// janeIDs are ids of Jane's objects, the ones another customer must never reach.
type janeIDs struct {
	charger, activeSession, receipt, card, reservation, defaultPM, otherPM int64
}

func (ta *testApp) jane() janeIDs {
	ta.t.Helper()
	j := ta.userID(demo.JaneEmail)
	var ids janeIDs
	err := ta.db.R.QueryRow(`SELECT
		(SELECT id FROM chargers WHERE owner_user_id = ?1),
		(SELECT max(id) FROM charging_sessions WHERE user_id = ?1 AND status = 'ACTIVE'),
		(SELECT max(id) FROM receipts WHERE user_id = ?1),
		(SELECT min(id) FROM ev_cards WHERE user_id = ?1 AND status = 'active'),
		(SELECT id FROM reservations WHERE user_id = ?1 AND status = 'accepted' AND starts_at > unixepoch()),
		(SELECT id FROM payment_methods WHERE user_id = ?1 AND is_default = 1),
		(SELECT id FROM payment_methods WHERE user_id = ?1 AND is_default = 0)`, j).Scan(
		&ids.charger, &ids.activeSession, &ids.receipt, &ids.card, &ids.reservation, &ids.defaultPM, &ids.otherPM)
	if err != nil {
		ta.t.Fatal(err)
	}
	return ids
}

// fingerprint is everything of a customer's account that a request could change.
func (ta *testApp) fingerprint(email string) string {
	ta.t.Helper()
	var s string
	err := ta.db.R.QueryRow(`SELECT
		(SELECT group_concat(id || status || coalesce(replaced_by_id, ''), ',') FROM ev_cards WHERE user_id = ?1) || '|' ||
		(SELECT group_concat(id || is_default, ',') FROM payment_methods WHERE user_id = ?1) || '|' ||
		(SELECT group_concat(id || status, ',') FROM reservations WHERE user_id = ?1) || '|' ||
		(SELECT group_concat(id || status || coalesce(stopped_at, ''), ',') FROM charging_sessions WHERE user_id = ?1) || '|' ||
		(SELECT count(*) FROM activity WHERE user_id = ?1) || '|' ||
		(SELECT count(*) FROM receipts WHERE user_id = ?1)`, ta.userID(email)).Scan(&s)
	if err != nil {
		ta.t.Fatal(err)
	}
	return s
}

// janeOnly are strings that appear only on Jane's pages.
var janeOnly = []string{"Jane Doe", "jane@example.com", "Lindenstraße", "DE-EVX-000121", "••4242", "Model 3 key fob"}

// Every customer route, generated from the route table: Omar asking for or changing Jane's
// objects gets 404 (existence is not leaked), sees none of her data, and her account is
// unchanged. A new route without a case here fails the test.
func TestCustomerCannotReachAnotherCustomersData(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	j := ta.jane()
	omar := ta.client()
	omar.login(demo.OmarEmail)
	id := func(n int64) string { return fmt.Sprint(n) }
	var consent int64 // support asked Jane; Omar answering it must find nothing
	if err := ta.db.W.QueryRow(`INSERT INTO consent_requests (customer_user_id, requester_id, ticket, reason, requested_at, expires_at)
		VALUES (?, ?, 'SUP-1', 'receipt', unixepoch(), unixepoch() + 3600) RETURNING id`, ta.userID(demo.JaneEmail), ta.userID(demo.AdminEmail)).Scan(&consent); err != nil {
		t.Fatal(err)
	}

	cases := map[string]struct {
		path string
		form url.Values
		want int
	}{
		"GET /":                             {"/", nil, 200},
		"GET /chargers":                     {"/chargers", nil, 200},
		"GET /chargers/:id":                 {"/chargers/" + id(j.charger), nil, 404},
		"GET /sessions":                     {"/sessions", nil, 200},
		"POST /sessions":                    {"/sessions", url.Values{"connector_id": {"1"}, "card_id": {id(j.card)}}, 404},
		"GET /sessions/:id":                 {"/sessions/" + id(j.activeSession), nil, 404},
		"GET /sessions/:id/stop":            {"/sessions/" + id(j.activeSession) + "/stop", nil, 404},
		"POST /sessions/:id/stop":           {"/sessions/" + id(j.activeSession) + "/stop", url.Values{}, 404},
		"GET /receipts/:id":                 {"/receipts/" + id(j.receipt), nil, 404},
		"GET /cards":                        {"/cards", nil, 200},
		"POST /cards":                       {"/cards", url.Values{"label": {"Omar's new card"}}, 303},
		"GET /cards/:id/block":              {"/cards/" + id(j.card) + "/block", nil, 404},
		"POST /cards/:id/block":             {"/cards/" + id(j.card) + "/block", url.Values{}, 404},
		"GET /reservations":                 {"/reservations", nil, 200},
		"POST /reservations":                {"/reservations", url.Values{"evse_id": {"2"}, "card_id": {id(j.card)}, "date": {"2099-01-01"}, "time": {"08:00"}, "minutes": {"30"}}, 422},
		"GET /reservations/:id/cancel":      {"/reservations/" + id(j.reservation) + "/cancel", nil, 404},
		"POST /reservations/:id/cancel":     {"/reservations/" + id(j.reservation) + "/cancel", url.Values{}, 404},
		"GET /payment-methods":              {"/payment-methods", nil, 200},
		"POST /payment-methods":             {"/payment-methods", url.Values{"brand": {"Visa"}, "last4": {"1111"}, "exp_month": {"12"}, "exp_year": {"2030"}}, 303},
		"POST /payment-methods/:id/default": {"/payment-methods/" + id(j.otherPM) + "/default", url.Values{}, 404},
		"GET /payment-methods/:id/delete":   {"/payment-methods/" + id(j.otherPM) + "/delete", nil, 404},
		"POST /payment-methods/:id/delete":  {"/payment-methods/" + id(j.otherPM) + "/delete", url.Values{}, 404},
		"GET /activity":                     {"/activity", nil, 200},
		"GET /activity/report":              {"/activity/report", nil, 200},
		// Omar's grant and its revocation are his own: Jane's account is untouched.
		"POST /support-access":              {"/support-access", url.Values{}, 303},
		"POST /support-access/revoke":       {"/support-access/revoke", url.Values{}, 303},
		"POST /support-access/requests/:id": {"/support-access/requests/" + id(consent), url.Values{"answer": {"7d"}}, 404},
		"POST /activity/notices":            {"/activity/notices", url.Values{"notify": {"false"}}, 303}, // his own choice
	}
	seen := map[string]bool{}
	for _, rt := range ta.app.CustomerRoutes() {
		key := rt.Method + " " + rt.Path
		seen[key] = true
		tc, ok := cases[key]
		if !ok {
			t.Errorf("route %s has no ownership case: add one", key)
			continue
		}
		t.Run(key, func(t *testing.T) {
			before := ta.fingerprint(demo.JaneEmail)
			var r response
			if rt.Method == http.MethodGet {
				r = omar.get(tc.path)
			} else {
				r = omar.post(tc.path, tc.form)
			}
			if r.status != tc.want {
				t.Errorf("Omar %s %s: status %d, want %d; body: %.300s", rt.Method, tc.path, r.status, tc.want, r.body)
			}
			for _, s := range janeOnly {
				if strings.Contains(r.body, s) {
					t.Errorf("Omar's %s %s shows Jane's %q", rt.Method, tc.path, s)
				}
			}
			if after := ta.fingerprint(demo.JaneEmail); after != before {
				t.Errorf("Omar's %s %s changed Jane's account:\nbefore %s\nafter  %s", rt.Method, tc.path, before, after)
			}
		})
	}
	for key := range cases {
		if !seen[key] {
			t.Errorf("case %s names no route in the route table", key)
		}
	}
}

// Jane sees her own objects by the same ids.
func TestCustomerSeesOwnObjects(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	j := ta.jane()
	c := ta.client()
	c.login(demo.JaneEmail)
	pages := []struct{ path, want string }{
		{"/", "Charging now"},
		{"/chargers", "Garage – Lindenstraße 12"},
		{fmt.Sprintf("/chargers/%d", j.charger), "Wallbox Pulsar Plus"},
		{"/sessions", "Ladepark Spreeufer"},
		{fmt.Sprintf("/sessions/%d", j.activeSession), "Stop charging"},
		{fmt.Sprintf("/receipts/%d", j.receipt), "Total (gross)"},
		{"/cards", "DE-EVX-000121"},
		{"/reservations", "Parkhaus Alexanderplatz P2"},
		{"/payment-methods", "Mastercard ••4444"},
		{"/activity", "Reported card DE-EVX-000124 (Glovebox card) lost"},
	}
	for _, p := range pages {
		r := c.get(p.path)
		if r.status != 200 {
			t.Errorf("GET %s: %d", p.path, r.status)
			continue
		}
		mustContain(t, r.body, p.want)
	}
}

// Malformed ids are "not found", never a 500.
func TestMalformedIDsAreNotFound(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	c.login(demo.JaneEmail)
	for _, bad := range []string{"abc", "-1", "0", "07", "99999999999999999999", "1e3", "%00"} {
		for _, p := range []string{"/sessions/", "/receipts/", "/chargers/"} {
			if r := c.get(p + bad); r.status != 404 {
				t.Errorf("GET %s%s: %d, want 404", p, bad, r.status)
			}
		}
		if r := c.post("/cards/"+bad+"/block", url.Values{}); r.status != 404 {
			t.Errorf("POST /cards/%s/block: %d, want 404", bad, r.status)
		}
	}
}
