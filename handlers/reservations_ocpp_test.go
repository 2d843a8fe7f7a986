package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A reservation is held at its charger while its window runs: when the window starts, the
// maintenance round sends ReserveNow, and the page says the charger holds it; cancelling it
// releases it there (CancelReservation).
func TestReservationHeldAtTheCharger(t *testing.T) {
	t.Parallel()
	ta := newTestAppWith(t, appOptions{chargePoints: true})
	c := ta.client()
	c.login(lenaEmail)
	lena := ta.userID(lenaEmail)
	var evse, card int64
	ta.db.R.QueryRow(`SELECT e.id FROM evses e JOIN chargers ch ON ch.id = e.charger_id WHERE ch.ocpp_id = 'CDK-tempel-01' ORDER BY e.id LIMIT 1`).Scan(&evse)
	ta.db.R.QueryRow(`SELECT id FROM ev_cards WHERE user_id = ? AND status = 'active'`, lena).Scan(&card)
	start := time.Now().In(berlin(t)).Add(2 * time.Minute)
	r := c.post("/reservations", url.Values{"evse_id": {itoa(evse)}, "card_id": {itoa(card)}, "date": {start.Format("2006-01-02")}, "time": {start.Format("15:04")}, "minutes": {"30"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("reserve: %d %.300s", r.status, r.body)
	}
	var id int64
	ta.db.R.QueryRow(`SELECT max(id) FROM reservations WHERE user_id = ?`, lena).Scan(&id)
	ta.svc.Tasks.Round(context.Background())
	if n := ta.count(`SELECT count(*) FROM reservations WHERE id = ? AND charger_answer IS NULL`, id); n != 1 {
		t.Fatal("a reservation was sent to its charger before its window")
	}
	ta.advance(3 * time.Minute)
	ta.svc.Tasks.Round(context.Background())
	if n := ta.count(`SELECT count(*) FROM reservations WHERE id = ? AND charger_answer = 'Accepted'`, id); n != 1 {
		t.Fatalf("the reservation was not held at the charger")
	}
	if !strings.Contains(c.get("/reservations").body, "held for you at the charger") {
		t.Error("the reservations page does not say the charger holds it")
	}
	if r := c.post("/reservations/"+itoa(id)+"/cancel", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("cancel: %d %.300s", r.status, r.body)
	}
	if n := ta.count(`SELECT count(*) FROM reservations WHERE id = ? AND status = 'cancelled' AND charger_answer = 'Released'`, id); n != 1 {
		t.Error("the cancelled reservation was not released at the charger")
	}
	if n := ta.count(`SELECT count(*) FROM ocpp_log WHERE action IN ('ReserveNow', 'CancelReservation') AND direction = 'in'`); n != 2 {
		t.Errorf("%d charger answers to ReserveNow/CancelReservation in the protocol log, want 2", n)
	}
}

const lenaEmail = "lena@example.com"

func berlin(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
