package conformance_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"chargedesk/db"
	"chargedesk/handlers"
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
	s := newServerConfig(t, db.Options{}, handlers.Config{ChargerCallTimeout: 500 * time.Millisecond})
	charger := s.register("CDK-prenz-01", "prenz-password-1234")
	c := s.connect("CDK-prenz-01", "prenz-password-1234")
	c.boot()
	admin := s.login("admin@chargedesk.test")
	u := fmt.Sprintf("%s/admin/chargers/%d/call", s.srv.URL, charger)
	form := func(call string) url.Values {
		return url.Values{"call": {call}, "connector": {"1"}, "reason": {"Ticket SUP-31: cable stuck"}}
	}

	done := post(admin, u, form("UnlockConnector"))
	id, req := c.expectCall("UnlockConnector")
	if req["connectorId"] != float64(1) {
		t.Errorf("UnlockConnector %v", req)
	}
	c.reply(id, map[string]any{"status": "Unlocked"})
	if a := <-done; a.status != http.StatusSeeOther || !strings.Contains(a.location, "answer=Unlocked") {
		t.Errorf("unlock: %d %q", a.status, a.location)
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
