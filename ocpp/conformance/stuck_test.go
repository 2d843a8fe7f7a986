package conformance_test

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"
	"time"
)

// The runbook's stuck session, from protocol events: a charge point vanishes mid-transaction
// (no StopTransaction), comes back and reports its connector Available. The session is still
// open, and the charger's protocol log says why it is stuck. Support's force-stop then
// reaches the online charger as RemoteStopTransaction, and the charger's own
// StopTransaction completes the session.
func TestVanishedChargerStuckSessionForceStoppedAtTheCharger(t *testing.T) {
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
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if res, err := hc.PostForm(s.srv.URL+"/login", url.Values{"email": {"admin@chargedesk.test"}, "password": {"chargedesk-demo"}}); err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin login: %v %v", err, res)
	}
	lena := s.int(`SELECT id FROM users WHERE email = 'lena@example.com'`)
	answer := make(chan int, 1)
	go func() {
		res, err := hc.PostForm(fmt.Sprintf("%s/admin/sessions/%d/force-stop", s.srv.URL, tx), url.Values{
			"customer_user_id": {fmt.Sprint(lena)}, "reason": {"Ticket SUP-9: session stuck after a power cut"}, "confirm": {"yes"}})
		if err != nil {
			answer <- 0
			return
		}
		res.Body.Close()
		answer <- res.StatusCode
	}()
	id, req := back.expectCall("RemoteStopTransaction")
	if req["transactionId"] != float64(tx) {
		t.Fatalf("RemoteStopTransaction for %v, want %d", req["transactionId"], tx)
	}
	back.reply(id, map[string]any{"status": "Accepted"})
	back.call("StopTransaction", map[string]any{"transactionId": tx, "meterStop": 9000, "timestamp": now(), "reason": "Remote"})
	if code := <-answer; code != http.StatusSeeOther {
		t.Fatalf("force-stop answered %d, want 303", code)
	}
	if got := s.str(`SELECT status || '/' || ended_by || '/' || meter_stop_wh FROM charging_sessions WHERE id = ?`, tx); got != "COMPLETED/remote_stop/9000" {
		t.Errorf("the session is %s, want COMPLETED/remote_stop/9000 (the charger's own figures)", got)
	}
	if s.int(`SELECT count(*) FROM auth_audit WHERE tag = 'admin.session_force_stop' AND metadata LIKE '%RemoteStopTransaction%'`) != 1 {
		t.Error("no admin.session_force_stop audit row records the remote stop")
	}
}
