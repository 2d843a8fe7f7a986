package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"chargedesk/demo"
)

// freeConnector returns a public connector that is Available with no session, and its charger.
func (ta *testApp) freeConnector() (conn, charger int64) {
	ta.t.Helper()
	err := ta.db.R.QueryRow(`SELECT cn.id, ch.id FROM connectors cn JOIN evses e ON e.id = cn.evse_id
		JOIN chargers ch ON ch.id = e.charger_id JOIN locations l ON l.id = ch.location_id
		WHERE l.kind = 'public' AND cn.status = 'Available'
		  AND NOT EXISTS (SELECT 1 FROM charging_sessions s WHERE s.connector_id = cn.id AND s.status = 'ACTIVE')
		ORDER BY cn.id LIMIT 1`).Scan(&conn, &charger)
	if err != nil {
		ta.t.Fatal(err)
	}
	return conn, charger
}

func TestStartAndStopChargingIssuesAReceipt(t *testing.T) {
	t.Parallel()
	ta := newTestAppWith(t, appOptions{chargePoints: true})
	conn, _ := ta.freeConnector()
	var card int64
	ta.db.R.QueryRow(`SELECT id FROM ev_cards WHERE user_id = ? AND status = 'active'`, ta.userID(demo.OmarEmail)).Scan(&card)
	c := ta.client()
	c.login(demo.OmarEmail)
	r := c.post("/sessions", url.Values{"connector_id": {fmt.Sprint(conn)}, "card_id": {fmt.Sprint(card)}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/sessions/") {
		t.Fatalf("start: %d %q %.300s", r.status, r.header.Get("Location"), r.body)
	}
	loc := strings.TrimSuffix(r.header.Get("Location"), "?notice=session-started")
	page := c.get(loc)
	mustContain(t, page.body, `">Charging</span>`, "Stop charging", `hx-trigger="every 10s"`)

	// The charger's MeterValues make it grow.
	growing := func() int {
		return ta.count(`SELECT count(*) FROM meter_readings WHERE session_id = ? AND energy_wh > (SELECT meter_start_wh FROM charging_sessions WHERE id = ?)`, idOf(loc), idOf(loc))
	}
	for deadline := time.Now().Add(5 * time.Second); growing() == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if growing() == 0 {
		t.Error("the charger's meter values did not reach the session")
	}
	// A second start on the same connector is refused: it is busy now.
	again := c.post("/sessions", url.Values{"connector_id": {fmt.Sprint(conn)}, "card_id": {fmt.Sprint(card)}})
	if again.status != http.StatusConflict {
		t.Errorf("second start on a busy connector: %d, want 409", again.status)
	}
	stop := c.post(loc+"/stop", url.Values{})
	if stop.status != http.StatusSeeOther {
		t.Fatalf("stop: %d %.300s", stop.status, stop.body)
	}
	if n := ta.count(`SELECT count(*) FROM receipts WHERE session_id = ?`, idOf(loc)); n != 1 {
		t.Errorf("receipts for the stopped session: %d, want 1", n)
	}
	if n := ta.count(`SELECT count(*) FROM connectors WHERE id = ? AND status = 'Available'`, conn); n != 1 {
		t.Error("the connector was not freed")
	}
	mustContain(t, c.get(loc).body, `">Completed</span>`, "View receipt", "Stopped from ChargeDesk")
	if r := c.post(loc+"/stop", url.Values{}); r.status != http.StatusConflict {
		t.Errorf("stopping twice: %d, want 409", r.status)
	}
}

func idOf(path string) int64 {
	var id int64
	fmt.Sscanf(path[strings.LastIndex(path, "/")+1:], "%d", &id)
	return id
}

// Starting a session is refused without a payment method and with a blocked card, and the
// refusal changes nothing.
func TestStartChargingRefusals(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	conn, _ := ta.freeConnector()
	tomasz := ta.client()
	tomasz.login("tomasz@example.com")
	var tomaszCard int64
	ta.db.R.QueryRow(`SELECT id FROM ev_cards WHERE user_id = ?`, ta.userID("tomasz@example.com")).Scan(&tomaszCard)
	before := ta.count(`SELECT count(*) FROM charging_sessions`)
	r := tomasz.post("/sessions", url.Values{"connector_id": {fmt.Sprint(conn)}, "card_id": {fmt.Sprint(tomaszCard)}})
	if r.status != http.StatusUnprocessableEntity {
		t.Errorf("no payment method: %d, want 422", r.status)
	}
	mustContain(t, r.body, "Add a payment method before you start charging.")

	jane := ta.client()
	jane.login(demo.JaneEmail)
	var lost int64
	ta.db.R.QueryRow(`SELECT id FROM ev_cards WHERE user_id = ? AND status = 'lost'`, ta.userID(demo.JaneEmail)).Scan(&lost)
	r = jane.post("/sessions", url.Values{"connector_id": {fmt.Sprint(conn)}, "card_id": {fmt.Sprint(lost)}})
	if r.status != http.StatusUnprocessableEntity {
		t.Errorf("lost card: %d, want 422", r.status)
	}
	mustContain(t, r.body, "is lost and cannot start charging")
	if r := jane.post("/sessions", url.Values{"connector_id": {"x"}}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("malformed form: %d, want 422", r.status)
	}
	if after := ta.count(`SELECT count(*) FROM charging_sessions`); after != before {
		t.Errorf("refused starts created %d sessions", after-before)
	}
}

func TestCardsAddAndBlock(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	c.login(demo.OmarEmail)
	if r := c.post("/cards", url.Values{"label": {"Second car"}}); r.status != http.StatusSeeOther {
		t.Fatalf("add card: %d %.300s", r.status, r.body)
	}
	page := c.get("/cards?notice=card-added")
	mustContain(t, page.body, "Second car", "Your new EV card is active")
	var id int64
	ta.db.R.QueryRow(`SELECT id FROM ev_cards WHERE label = 'Second car'`).Scan(&id)
	if r := c.post(fmt.Sprintf("/cards/%d/block", id), url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("block: %d", r.status)
	}
	if r := c.post(fmt.Sprintf("/cards/%d/block", id), url.Values{}); r.status != http.StatusConflict {
		t.Errorf("blocking twice: %d, want 409", r.status)
	}
	if n := ta.count(`SELECT count(*) FROM activity WHERE user_id = ? AND kind = 'card'`, ta.userID(demo.OmarEmail)); n != 2 {
		t.Errorf("card activity rows: %d, want 2", n)
	}
}

func TestPaymentMethods(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	j := ta.jane()
	c := ta.client()
	c.login(demo.JaneEmail)
	if r := c.post(fmt.Sprintf("/payment-methods/%d/delete", j.defaultPM), url.Values{}); r.status != http.StatusConflict {
		t.Errorf("deleting the default: %d, want 409", r.status)
	} else {
		mustContain(t, r.body, "You cannot remove your default payment method")
	}
	if r := c.post(fmt.Sprintf("/payment-methods/%d/default", j.otherPM), url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("set default: %d", r.status)
	}
	if n := ta.count(`SELECT count(*) FROM payment_methods WHERE id = ? AND is_default = 1`, j.otherPM); n != 1 {
		t.Error("the new default was not set")
	}
	if r := c.post(fmt.Sprintf("/payment-methods/%d/delete", j.defaultPM), url.Values{}); r.status != http.StatusSeeOther {
		t.Errorf("deleting the former default: %d, want 303", r.status)
	}
	if r := c.post("/payment-methods", url.Values{"brand": {"Amex"}, "last4": {"0005"}, "exp_month": {"3"}, "exp_year": {"2031"}}); r.status != http.StatusSeeOther {
		t.Errorf("add: %d %.300s", r.status, r.body)
	}
	mustContain(t, c.get("/payment-methods").body, "Amex ••0005")
}

// Bad form input re-renders the form with a message (422) and changes nothing.
func TestBadFormsChangeNothing(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	c.login(demo.JaneEmail)
	j := ta.jane()
	big := strings.Repeat("x", 10_000)
	tests := []struct {
		name, path string
		form       url.Values
		msg        string
	}{
		{"card without a name", "/cards", url.Values{"label": {"  "}}, "Give the card a name"},
		{"card name of 10 kB", "/cards", url.Values{"label": {big}}, "Give the card a name"},
		{"card name not UTF-8", "/cards", url.Values{"label": {"\xff\xfe"}}, "Give the card a name"},
		{"full card number", "/payment-methods", url.Values{"brand": {"Visa"}, "last4": {"4242424242424242"}, "exp_month": {"1"}, "exp_year": {"2030"}}, "Never enter a full card number"},
		{"unknown brand", "/payment-methods", url.Values{"brand": {"<script>"}, "last4": {"4242"}, "exp_month": {"1"}, "exp_year": {"2030"}}, "Choose the card brand"},
		{"month 13", "/payment-methods", url.Values{"brand": {"Visa"}, "last4": {"4242"}, "exp_month": {"13"}, "exp_year": {"2030"}}, "expiry month"},
		{"expired card", "/payment-methods", url.Values{"brand": {"Visa"}, "last4": {"4242"}, "exp_month": {"1"}, "exp_year": {"2026"}}, "That card has expired."},
		{"reservation in the past", "/reservations", url.Values{"evse_id": {"2"}, "card_id": {fmt.Sprint(j.card)}, "date": {"2020-01-01"}, "time": {"08:00"}, "minutes": {"30"}}, "must start in the future"},
		{"reservation of 5 minutes", "/reservations", url.Values{"evse_id": {"2"}, "card_id": {fmt.Sprint(j.card)}, "date": {"2099-01-01"}, "time": {"08:00"}, "minutes": {"5"}}, "15 to 120 minutes"},
		{"reservation with a bad date", "/reservations", url.Values{"evse_id": {"2"}, "card_id": {fmt.Sprint(j.card)}, "date": {"tomorrow"}, "time": {"08:00"}, "minutes": {"30"}}, "Enter the start as a date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ta.fingerprint(demo.JaneEmail)
			r := c.post(tt.path, tt.form)
			if r.status != http.StatusUnprocessableEntity {
				t.Errorf("status %d, want 422", r.status)
			}
			mustContain(t, r.body, tt.msg, "<form")
			if strings.Contains(r.body, "<script>") {
				t.Error("user input was echoed unescaped")
			}
			if after := ta.fingerprint(demo.JaneEmail); after != before {
				t.Errorf("a refused form changed the account:\n%s\n%s", before, after)
			}
		})
	}
}

func TestReservationsCreateAndCancel(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	c.login(demo.OmarEmail)
	var card, evse int64
	ta.db.R.QueryRow(`SELECT id FROM ev_cards WHERE user_id = ?`, ta.userID(demo.OmarEmail)).Scan(&card)
	ta.db.R.QueryRow(`SELECT e.id FROM evses e JOIN chargers ch ON ch.id = e.charger_id JOIN locations l ON l.id = ch.location_id WHERE l.kind = 'public' ORDER BY e.id LIMIT 1`).Scan(&evse)
	day := time.Now().AddDate(0, 0, 5).Format("2006-01-02")
	form := url.Values{"evse_id": {fmt.Sprint(evse)}, "card_id": {fmt.Sprint(card)}, "date": {day}, "time": {"06:00"}, "minutes": {"30"}}
	if r := c.post("/reservations", form); r.status != http.StatusSeeOther {
		t.Fatalf("reserve: %d %.400s", r.status, r.body)
	}
	if r := c.post("/reservations", form); r.status != http.StatusConflict {
		t.Errorf("double booking: %d, want 409", r.status)
	}
	var id int64
	ta.db.R.QueryRow(`SELECT id FROM reservations WHERE user_id = ? AND status = 'accepted'`, ta.userID(demo.OmarEmail)).Scan(&id)
	if r := c.post(fmt.Sprintf("/reservations/%d/cancel", id), url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", r.status)
	}
	if r := c.post(fmt.Sprintf("/reservations/%d/cancel", id), url.Values{}); r.status != http.StatusConflict {
		t.Errorf("cancel twice: %d, want 409", r.status)
	}
	mustContain(t, c.get("/activity").body, "Cancelled the reservation")
}

func TestSessionsFiltersAndKeysetPaging(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	c.login(demo.JaneEmail)
	first := c.get("/sessions")
	rows := strings.Count(first.body, ">Details</a>")
	if rows != 20 {
		t.Fatalf("first page: %d rows, want 20", rows)
	}
	i := strings.Index(first.body, `">Older →</a>`)
	if i < 0 {
		t.Fatal("no Older link on a full first page")
	}
	href := first.body[strings.LastIndex(first.body[:i], `href="`)+6 : i]
	second := c.get(strings.ReplaceAll(href, "&amp;", "&"))
	rest := strings.Count(second.body, ">Details</a>")
	total := ta.count(`SELECT count(*) FROM charging_sessions WHERE user_id = ?`, ta.userID(demo.JaneEmail))
	if rows+rest != total {
		t.Errorf("two pages hold %d+%d sessions, want %d in all", rows, rest, total)
	}
	active := c.get("/sessions?status=ACTIVE")
	if n := strings.Count(active.body, ">Details</a>"); n != 2 {
		t.Errorf("ACTIVE filter: %d rows, want 2", n)
	}
	for _, bad := range []string{"?from=yesterday", "?status=RUNNING", "?from=2026-12-01&to=2026-01-01", "?after=zzz"} {
		r := c.get("/sessions" + bad)
		if r.status != http.StatusBadRequest {
			t.Errorf("/sessions%s: %d, want 400", bad, r.status)
		}
		mustContain(t, r.body, `class="problem"`)
	}
}

func TestFragmentsForHTMX(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	c.login(demo.JaneEmail)
	for _, p := range []string{"/chargers", "/sessions", "/cards", "/activity"} {
		full, frag := c.get(p), c.get(p, "HX-Request", "true")
		if !strings.Contains(full.body, "<html") || strings.Contains(frag.body, "<html") || len(frag.body) == 0 {
			t.Errorf("%s: full page or fragment is wrong (full has html: %v, fragment has html: %v)", p, strings.Contains(full.body, "<html"), strings.Contains(frag.body, "<html"))
		}
	}
}

// The activity page is keyset-paged over four histories: paging through it shows every line
// once, newest first, even when lines of different kinds share a second.
func TestActivityKeysetPaging(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	// 120 account changes, many at the very second a session of hers started or a receipt
	// was issued (ties across histories and within one).
	var tie int64
	ta.db.R.QueryRow(`SELECT started_at FROM charging_sessions WHERE user_id = ? AND id IN (SELECT session_id FROM receipts) ORDER BY started_at LIMIT 1`, jane).Scan(&tie)
	for i := range 120 {
		at := tie - int64(i%3)
		if _, err := ta.db.W.Exec(`INSERT INTO activity (user_id, at, kind, summary, actor_role) VALUES (?, ?, 'note', ?, 'customer')`, jane, at, fmt.Sprintf("Paging line %03d.", i)); err != nil {
			t.Fatal(err)
		}
	}
	want := ta.count(`SELECT (SELECT count(*) FROM activity WHERE user_id = ?1) + (SELECT count(*) FROM charging_sessions WHERE user_id = ?1)
		+ (SELECT count(*) FROM receipts WHERE user_id = ?1) + (SELECT count(*) FROM impersonations WHERE customer_user_id = ?1)`, jane)
	c := ta.client()
	c.login(demo.JaneEmail)
	seen, lines, pages := map[string]int{}, 0, 0
	for next := "/activity"; next != ""; pages++ {
		if pages > 20 {
			t.Fatal("paging does not end")
		}
		r := c.get(next)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d", next, r.status)
		}
		body := r.body[strings.Index(r.body, "<tbody>"):]
		lines += strings.Count(body, "<tr>")
		for _, m := range regexp.MustCompile(`Paging line \d+\.|/(sessions|receipts)/\d+`).FindAllString(body, -1) {
			seen[m]++
		}
		next = ""
		if i := strings.Index(r.body, `">Older →</a>`); i >= 0 {
			next = strings.ReplaceAll(r.body[strings.LastIndex(r.body[:i], `href="`)+6:i], "&amp;", "&")
		}
	}
	if lines != want || pages < 3 {
		t.Errorf("%d pages show %d lines, want %d lines over at least 3 pages", pages, lines, want)
	}
	for m, n := range seen {
		if n != 1 {
			t.Errorf("%s shown %d times", m, n)
		}
	}
	if r := c.get("/activity?after=1-2"); r.status != http.StatusBadRequest {
		t.Errorf("a broken page link: %d, want 400", r.status)
	}
}

// Stopping a session whose charger is offline is refused with what to do, and changes
// nothing: the charger must report the stop (or support closes it).
func TestStopChargingWithTheChargerOffline(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t) // no charge points connected
	jane := ta.client()
	jane.login(demo.JaneEmail)
	var session int64
	ta.db.R.QueryRow(`SELECT s.id FROM charging_sessions s JOIN connectors cn ON cn.id = s.connector_id WHERE s.user_id = ? AND s.status = 'ACTIVE' AND cn.status = 'Charging'`,
		ta.userID(demo.JaneEmail)).Scan(&session)
	r := jane.post(fmt.Sprintf("/sessions/%d/stop", session), url.Values{})
	if r.status != http.StatusConflict || !strings.Contains(r.body, "The charger is offline") {
		t.Fatalf("stop with the charger offline: %d %.300s", r.status, r.body)
	}
	if n := ta.count(`SELECT count(*) FROM charging_sessions WHERE id = ? AND status = 'ACTIVE'`, session); n != 1 {
		t.Error("the session was closed although its charger never reported a stop")
	}
}
