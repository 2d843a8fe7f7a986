package handlers_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"chargedesk/demo"
)

// Home lists the newest active EV cards and the payment methods (default first), at most 5
// of each, and says how many more there are; a card that is not active is never listed.
func TestHomeShortLists(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.client()
	jane.login(demo.JaneEmail)
	home := jane.get("/").body
	mustContain(t, home, "Manage cards", "Manage payment methods", ">Default</span>")
	if strings.Contains(home, "more active") {
		t.Error("home says there are more cards than it lists, with only Jane's few")
	}

	for i := range 7 {
		if r := jane.post("/cards", url.Values{"label": {fmt.Sprintf("Fleet car %d", i)}}); r.status >= 400 {
			t.Fatalf("adding card %d: %d %s", i, r.status, r.body)
		}
		ta.advance(1e9) // one second: a distinct creation time each
	}
	id := ta.userID(demo.JaneEmail)
	active := ta.count(`SELECT count(*) FROM ev_cards WHERE user_id = ? AND status = 'active'`, id)
	ta.db.W.Exec(`UPDATE ev_cards SET label = 'Blocked one', status = 'blocked' WHERE user_id = ? AND label = 'Fleet car 6'`, id)
	home = jane.get("/").body
	cards := home[strings.Index(home, "<h2>EV cards</h2>"):strings.Index(home, "<h2>Payment</h2>")]
	// The newest active five: cars 5 down to 1 (car 6 is blocked now, car 0 is the sixth).
	for i := 5; i >= 1; i-- {
		mustContain(t, cards, fmt.Sprintf("Fleet car %d", i))
	}
	if strings.Contains(cards, "Fleet car 0") || strings.Contains(cards, "Blocked one") {
		t.Errorf("home lists more than the newest five active cards:\n%s", cards)
	}
	if n := strings.Count(cards, `tag ok">Active`); n != 5 {
		t.Errorf("%d cards listed, want 5", n)
	}
	mustContain(t, cards, fmt.Sprintf("%d more active, and all cards", active-1-5))
	mustContain(t, home, fmt.Sprintf(`<span class="num">%d</span><span>active EV cards`, active-1))

	tomasz := ta.client()
	tomasz.login("tomasz@example.com")
	mustContain(t, tomasz.get("/").body, "You have no payment method on file", "No payment method on file.")
}

// Jane's stuck session (DOMAIN.md: started two days ago, last reading 19 h ago, connector
// Available) is shown as stuck, with why and what support will do; it is not listed under
// "Charging now" as an ordinary session at 0 kW. Her live session still is.
func TestHomeShowsAStuckSessionAsStuck(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.client()
	jane.login(demo.JaneEmail)
	home := jane.get("/").body
	stuck := home[strings.Index(home, `class="card stuck"`):strings.Index(home, "<h2>Charging now</h2>")]
	mustContain(t, stuck, "A session that looks stuck", "the connector reports Available", "no meter reading for more than 30 minutes",
		"ChargeDesk support closes it at its last meter reading", "last reading ")
	now := home[strings.Index(home, "<h2>Charging now</h2>"):strings.Index(home, "<h2>Recent sessions</h2>")]
	if n := strings.Count(now, `class="active-session"`); n != 1 {
		t.Errorf("%d sessions under Charging now, want 1 (the live one; the stuck one has its own card)", n)
	}
	if strings.Contains(now, "charged · 0.0 kW") || strings.Contains(now, "charged · 0 kW") {
		t.Errorf("Charging now shows a session at 0 kW:\n%s", now)
	}
}
