package conformance_test

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The runbook's stuck session, from protocol events: a charge point vanishes mid-transaction
// (no StopTransaction), comes back and reports its connector Available. The session is still
// open, and the charger's protocol log says why it is stuck. Support's force-stop then
// reaches the online charger as RemoteStopTransaction, and the charger's own
// StopTransaction completes the session.
func TestVanishedChargerStuckSessionForceStoppedAtTheCharger(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	charger := s.register("CDK-prenz-01", "prenz-password-1234")
	c := s.connect("CDK-prenz-01", "prenz-password-1234")
	c.boot()
	started := time.Now().UTC().Add(-2 * time.Hour).Format(time.RFC3339)
	start := c.call("StartTransaction", map[string]any{"connectorId": 1, "idTag": "04A15C3EC99A", "meterStart": 1000, "timestamp": started})
	tx := int64(start["transactionId"].(float64))
	c.status(1, "Charging", "NoError")
	c.ws.UnderlyingConn().Close() // gone: power cut, no close frame, no StopTransaction
	<-c.done

	back := s.connect("CDK-prenz-01", "prenz-password-1234")
	back.boot()
	back.status(1, "Available", "NoError")
	if s.str(`SELECT status FROM charging_sessions WHERE id = ?`, tx) != "ACTIVE" {
		t.Fatal("the session was closed without a StopTransaction")
	}
	if s.int(`SELECT count(*) FROM ocpp_log WHERE charger_id = ? AND direction = 'note' AND message LIKE ?`, charger, fmt.Sprintf("session #%d is still open%%stuck%%", tx)) != 1 {
		t.Error("the protocol log does not say the session is stuck")
	}

	// Support force-stops it; the charger is online, so it is asked first.
	answer := make(chan int, 1)
	go func() { answer <- s.forceStop(tx) }()
	id, req := back.expectCall("RemoteStopTransaction")
	if req["transactionId"] != float64(tx) {
		t.Fatalf("RemoteStopTransaction for %v, want %d", req["transactionId"], tx)
	}
	back.reply(id, map[string]any{"status": "Accepted"})
	back.call("StopTransaction", map[string]any{"transactionId": tx, "meterStop": 9000, "timestamp": now(), "reason": "Remote"})
	if code := <-answer; code != http.StatusSeeOther {
		t.Fatalf("force-stop answered %d, want 303", code)
	}
	if loc := s.lastForceStop; !strings.Contains(loc, "notice=charger-stopped") {
		t.Errorf("the force-stop's result page is %q, want the notice that the charger stopped it", loc)
	}
	if got := s.str(`SELECT status || '/' || ended_by || '/' || meter_stop_wh FROM charging_sessions WHERE id = ?`, tx); got != "COMPLETED/remote_stop/9000" {
		t.Errorf("the session is %s, want COMPLETED/remote_stop/9000 (the charger's own figures)", got)
	}
	if s.int(`SELECT count(*) FROM auth_audit WHERE tag = 'admin.session_force_stop' AND metadata LIKE '%RemoteStopTransaction%'`) != 1 {
		t.Error("no admin.session_force_stop audit row records the remote stop")
	}
}

// forceStop is support's confirmed force-stop of session tx, as the admin console posts it;
// it returns the HTTP status.
func (s *server) forceStop(tx int64) int {
	hc := s.login("admin@chargedesk.test")
	if hc == nil {
		return 0
	}
	res, err := hc.PostForm(fmt.Sprintf("%s/admin/sessions/%d/force-stop", s.srv.URL, tx), url.Values{
		"reason": {"Ticket SUP-9: session stuck after a power cut"}, "confirm": {"yes"}})
	if err != nil {
		return 0
	}
	res.Body.Close()
	s.lastForceStop = res.Header.Get("Location")
	return res.StatusCode
}

// A late stop after a force-close (DOMAIN.md): the charger was offline, so support closed
// the session in the database at its last reading, a bad sample of 60 kWh. When the charger
// comes back its StopTransaction says 9 kWh: it is accepted, kept beside the session, and a
// credit note refunds the difference. The session stays closed by support.
func TestLateStopAfterForceCloseGetsACreditNote(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	charger := s.register("CDK-prenz-01", "prenz-password-1234")
	c := s.connect("CDK-prenz-01", "prenz-password-1234")
	c.boot()
	ago := func(d time.Duration) string { return time.Now().UTC().Add(-d).Format(time.RFC3339) }
	start := c.call("StartTransaction", map[string]any{"connectorId": 1, "idTag": "04A15C3EC99A", "meterStart": 1000, "timestamp": ago(3 * time.Hour)})
	tx := int64(start["transactionId"].(float64))
	for _, r := range []struct {
		at time.Duration
		wh string
	}{{2 * time.Hour, "5000"}, {time.Hour, "60000"}} {
		c.call("MeterValues", map[string]any{"connectorId": 1, "transactionId": tx, "meterValue": []any{map[string]any{
			"timestamp": ago(r.at), "sampledValue": []any{map[string]any{"value": r.wh, "unit": "Wh"}}}}})
	}
	c.ws.UnderlyingConn().Close()
	<-c.done
	time.Sleep(100 * time.Millisecond) // the server notices the connection is gone
	if code := s.forceStop(tx); code != http.StatusSeeOther {
		t.Fatalf("force-stop of the offline charger's session: %d", code)
	}
	billed := s.int(`SELECT gross_cents FROM receipts WHERE session_id = ?`, tx)
	if got := s.str(`SELECT ended_by || '/' || meter_stop_wh FROM charging_sessions WHERE id = ?`, tx); got != "admin_force_close/60000" {
		t.Fatalf("force-closed as %s, want admin_force_close/60000", got)
	}

	back := s.connect("CDK-prenz-01", "prenz-password-1234")
	back.boot()
	stop := back.call("StopTransaction", map[string]any{"transactionId": tx, "meterStop": 9000, "timestamp": ago(50 * time.Minute), "reason": "PowerLoss"})
	if stop["idTagInfo"].(map[string]any)["status"] != "Accepted" {
		t.Errorf("the late StopTransaction: %v", stop)
	}
	if got := s.str(`SELECT ended_by || '/' || meter_stop_wh || '/' || station_meter_stop_wh FROM charging_sessions WHERE id = ?`, tx); got != "admin_force_close/60000/9000" {
		t.Errorf("after the late stop the session is %s, want admin_force_close/60000/9000", got)
	}
	refund := s.int(`SELECT coalesce(sum(amount_cents), 0) FROM refunds r JOIN receipts c ON c.id = r.receipt_id WHERE c.session_id = ? AND r.credit_note_number LIKE 'CN-%'`, tx)
	if refund <= 0 || refund >= billed {
		t.Errorf("credit note of %d cents on a receipt of %d, want part of it refunded", refund, billed)
	}
	if s.int(`SELECT count(*) FROM ocpp_log WHERE charger_id = ? AND direction = 'note' AND message LIKE '%late stop%credit note%'`, charger) != 1 {
		t.Error("the protocol log does not explain the credit note")
	}
	// Sent again (a charge point retries until it has an answer): nothing more happens.
	back.call("StopTransaction", map[string]any{"transactionId": tx, "meterStop": 9000, "timestamp": ago(50 * time.Minute), "reason": "PowerLoss"})
	if n := s.int(`SELECT count(*) FROM refunds r JOIN receipts c ON c.id = r.receipt_id WHERE c.session_id = ?`, tx); n != 1 {
		t.Errorf("%d credit notes after the stop was sent twice, want 1", n)
	}
}

// login signs in as email (the demo password) and returns the browser, or nil.
func (s *server) login(email string) *http.Client {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.PostForm(s.srv.URL+"/login", url.Values{"email": {email}, "password": {"chargedesk-demo"}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		return nil
	}
	res.Body.Close()
	return hc
}
