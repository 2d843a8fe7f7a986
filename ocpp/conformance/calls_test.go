package conformance_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"chargedesk/app"
	"chargedesk/db"
)

type answer struct {
	status   int
	location string
	body     string
}

// post sends a form in the background (the server waits for the charge point, which the
// test plays) and returns where its answer arrives.
func post(hc *http.Client, u string, form url.Values) chan answer {
	out := make(chan answer, 1)
	go func() {
		res, err := hc.PostForm(u, form)
		if err != nil {
			out <- answer{}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		out <- answer{res.StatusCode, res.Header.Get("Location"), string(b)}
	}()
	return out
}

// "Start charging" reaches the charge point as RemoteStartTransaction with the card's UID;
// the session is the one the charge point then reports, and the driver lands on it.
func TestStartChargingIsARemoteStart(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.register("CDK-prenz-01", "prenz-password-1234")
	c := s.connect("CDK-prenz-01", "prenz-password-1234")
	c.boot()
	c.status(1, "Available", "NoError")
	lena := s.login("lena@example.com")
	card := s.int(`SELECT id FROM ev_cards WHERE uid = '04A15C3EC99A'`)
	conn := s.int(`SELECT cn.id FROM connectors cn JOIN evses e ON e.id = cn.evse_id JOIN chargers ch ON ch.id = e.charger_id WHERE ch.ocpp_id = 'CDK-prenz-01'`)
	done := post(lena, s.srv.URL+"/sessions", url.Values{"connector_id": {fmt.Sprint(conn)}, "card_id": {fmt.Sprint(card)}})
	id, req := c.expectCall("RemoteStartTransaction")
	if req["connectorId"] != float64(1) || req["idTag"] != "04A15C3EC99A" {
		t.Fatalf("RemoteStartTransaction %v, want connector 1 and Lena's card", req)
	}
	c.reply(id, map[string]any{"status": "Accepted"})
	start := c.call("StartTransaction", map[string]any{"connectorId": 1, "idTag": "04A15C3EC99A", "meterStart": 2000, "timestamp": now()})
	tx := int64(start["transactionId"].(float64))
	a := <-done
	if a.status != http.StatusSeeOther || a.location != fmt.Sprintf("/sessions/%d?notice=session-started", tx) {
		t.Fatalf("Start charging answered %d %q, want 303 to session %d", a.status, a.location, tx)
	}

	// Refused at the charger: the driver is told, and no session appears.
	c.call("StopTransaction", map[string]any{"transactionId": tx, "meterStop": 3000, "timestamp": now()})
	before := s.int(`SELECT count(*) FROM charging_sessions`)
	done = post(lena, s.srv.URL+"/sessions", url.Values{"connector_id": {fmt.Sprint(conn)}, "card_id": {fmt.Sprint(card)}})
	id, _ = c.expectCall("RemoteStartTransaction")
	c.reply(id, map[string]any{"status": "Rejected"})
	if a := <-done; a.status != http.StatusConflict || !strings.Contains(a.body, "refused to start") {
		t.Errorf("a rejected remote start: %d %.200s", a.status, a.body)
	}
	if s.int(`SELECT count(*) FROM charging_sessions`) != before {
		t.Error("a rejected remote start created a session")
	}
}

// The admin's commands: unlock answered Unlocked; a reset answered with a CALLERROR is shown
// as refused; a charge point that does not answer in time gets 504 and a sentence saying its
// outcome is unknown. Each is in the protocol log.
func TestAdminCommandsAndTheirAnswers(t *testing.T) {
	t.Parallel()
	s := newServerConfig(t, db.Options{}, app.Options{ChargerCallTimeout: 500 * time.Millisecond})
	charger := s.register("CDK-prenz-01", "prenz-password-1234")
	c := s.connect("CDK-prenz-01", "prenz-password-1234")
	c.boot()
	admin := s.login("admin@chargedesk.test")
	u := fmt.Sprintf("%s/admin/chargers/%d/call", s.srv.URL, charger)
	form := func(call string) url.Values { // confirmed: the console's page names the effect first
		return url.Values{"call": {call}, "connector": {"1"}, "reason": {"Ticket SUP-31: cable stuck"}, "confirm": {"yes"}}
	}

	done := post(admin, u, form("UnlockConnector"))
	id, req := c.expectCall("UnlockConnector")
	if req["connectorId"] != float64(1) {
		t.Errorf("UnlockConnector %v", req)
	}
	c.reply(id, map[string]any{"status": "Unlocked"})
	if a := <-done; a.status != http.StatusSeeOther || !strings.Contains(a.location, "done=sent&log=") {
		t.Errorf("unlock: %d %q", a.status, a.location)
	} else if n := s.int(`SELECT count(*) FROM ocpp_log WHERE charger_id = ? AND direction = 'in' AND action = 'UnlockConnector' AND message LIKE '%Unlocked%'`, charger); n != 1 {
		t.Errorf("the charger's answer is not in its protocol log (%d rows)", n)
	}

	done = post(admin, u, form("ResetHard"))
	id, req = c.expectCall("Reset")
	if req["type"] != "Hard" {
		t.Errorf("Reset %v", req)
	}
	c.send(fmt.Sprintf(`[4,%q,"NotSupported","hard reset is disabled on site",{}]`, id))
	if a := <-done; a.status != http.StatusConflict || !strings.Contains(a.body, "NotSupported") {
		t.Errorf("a reset refused by the charger: %d %.300s", a.status, a.body)
	}

	done = post(admin, u, form("ResetSoft"))
	c.expectCall("Reset") // and never answered
	if a := <-done; a.status != http.StatusGatewayTimeout || !strings.Contains(a.body, "did not answer") {
		t.Errorf("a charge point that does not answer: %d %.300s", a.status, a.body)
	}
	if n := s.int(`SELECT count(*) FROM auth_audit WHERE tag = 'admin.charger_call'`); n != 3 {
		t.Errorf("%d admin.charger_call rows, want 3 (each recorded before it was sent)", n)
	}
	if n := s.int(`SELECT count(*) FROM ocpp_log WHERE charger_id = ? AND action IN ('UnlockConnector', 'Reset') AND direction = 'out'`, charger); n != 3 {
		t.Errorf("%d calls in the protocol log, want 3", n)
	}
}

// A reservation is held at its charger while its window runs (ReserveNow, from the
// maintenance round when the window starts) and released when the driver cancels it
// (CancelReservation); the driver's page says so.
func TestReservationsReachTheCharger(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.register("CDK-prenz-01", "prenz-password-1234")
	c := s.connect("CDK-prenz-01", "prenz-password-1234")
	c.boot()
	lena := s.int(`SELECT id FROM users WHERE email = 'lena@example.com'`)
	evse := s.int(`SELECT e.id FROM evses e JOIN chargers ch ON ch.id = e.charger_id WHERE ch.ocpp_id = 'CDK-prenz-01'`)
	card := s.int(`SELECT id FROM ev_cards WHERE uid = '04A15C3EC99A'`)
	var res int64
	if err := s.db.W.QueryRow(`INSERT INTO reservations (user_id, evse_id, card_id, starts_at, ends_at, status, created_at)
		VALUES (?, ?, ?, unixepoch() - 60, unixepoch() + 1800, 'accepted', unixepoch() - 3600) RETURNING id`, lena, evse, card).Scan(&res); err != nil {
		t.Fatal(err)
	}
	ticked := make(chan struct{})
	go func() { s.svc.Tasks.Round(context.Background()); close(ticked) }()
	id, req := c.expectCall("ReserveNow")
	if req["reservationId"] != float64(res) || req["idTag"] != "04A15C3EC99A" || req["connectorId"] != float64(1) {
		t.Errorf("ReserveNow %v", req)
	}
	if exp, err := time.Parse(time.RFC3339, req["expiryDate"].(string)); err != nil || exp.Before(time.Now().Add(25*time.Minute)) {
		t.Errorf("ReserveNow's expiryDate %v is not the window's end", req["expiryDate"])
	}
	c.reply(id, map[string]any{"status": "Accepted"})
	<-ticked
	if got := s.str(`SELECT coalesce(charger_answer, '') FROM reservations WHERE id = ?`, res); got != "Accepted" {
		t.Fatalf("the reservation's charger answer is %q, want Accepted", got)
	}
	browser := s.login("lena@example.com")
	done := post(browser, fmt.Sprintf("%s/reservations/%d/cancel", s.srv.URL, res), url.Values{})
	id, req = c.expectCall("CancelReservation")
	if req["reservationId"] != float64(res) {
		t.Errorf("CancelReservation %v", req)
	}
	c.reply(id, map[string]any{"status": "Accepted"})
	if a := <-done; a.status != http.StatusSeeOther {
		t.Fatalf("cancel: %d %.200s", a.status, a.body)
	}
	if got := s.str(`SELECT status || '/' || coalesce(charger_answer, '') FROM reservations WHERE id = ?`, res); got != "cancelled/Released" {
		t.Errorf("after the cancel the reservation is %s, want cancelled/Released", got)
	}
}
