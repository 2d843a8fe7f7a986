package conformance_test

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Refused before the upgrade: no subprotocol, no or wrong credentials, an unknown id, a
// charger with no password yet. The same 401 for an unknown id and a wrong password.
func TestConnectionRefusals(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.register("CDK-prenz-01", "prenz-password-1234")
	logged := s.int(`SELECT count(*) FROM ocpp_log`) // the demo's history
	for _, tc := range []struct {
		name, id, pw string
		protos       []string
		want         int
	}{
		{"no credentials", "CDK-prenz-01", "", nil, http.StatusUnauthorized},
		{"wrong password", "CDK-prenz-01", "guess-guess-guess", nil, http.StatusUnauthorized},
		{"unknown charge point", "NOPE-0001", "prenz-password-1234", nil, http.StatusUnauthorized},
		{"registered without a password", "CDK-tempel-01", "anything-at-all", nil, http.StatusUnauthorized},
	} {
		ws, res, err := s.dial(tc.id, tc.pw, tc.protos...)
		if err == nil {
			ws.Close()
			t.Errorf("%s: connected, want HTTP %d", tc.name, tc.want)
			continue
		}
		if res == nil || res.StatusCode != tc.want {
			t.Errorf("%s: %v %v, want HTTP %d", tc.name, err, res, tc.want)
		}
	}
	if n := s.int(`SELECT count(*) FROM ocpp_log`); n != logged {
		t.Errorf("refused connections wrote %d protocol log rows", n-logged)
	}
}

// Boot, heartbeat and status: the charge point learns its interval and the time, its
// connector's status and error code reach the database, and it is seen.
func TestBootHeartbeatAndStatus(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	id := s.register("CDK-alex-01", "alex-password-1234")
	s.db.W.Exec(`UPDATE chargers SET last_seen_at = NULL WHERE id = ?`, id)
	c := s.connect("CDK-alex-01", "alex-password-1234")
	boot := c.boot()
	if boot["status"] != "Accepted" || boot["interval"] != float64(s.int(`SELECT heartbeat_interval_s FROM chargers WHERE id = ?`, id)) {
		t.Errorf("BootNotification.conf %v", boot)
	}
	if _, err := time.Parse(time.RFC3339, boot["currentTime"].(string)); err != nil {
		t.Errorf("currentTime %v: %v", boot["currentTime"], err)
	}
	if s.int(`SELECT count(*) FROM chargers WHERE id = ? AND firmware = 'conf-1.0' AND booted_at >= unixepoch() - 60`, id) != 1 {
		t.Error("the boot's firmware and time were not kept")
	}
	hb := c.call("Heartbeat", map[string]any{})
	if _, err := time.Parse(time.RFC3339, hb["currentTime"].(string)); err != nil {
		t.Errorf("Heartbeat.conf %v", hb)
	}
	c.status(1, "Faulted", "GroundFailure")
	if got := s.str(`SELECT cn.status || '/' || cn.error_code FROM connectors cn JOIN evses e ON e.id = cn.evse_id WHERE e.charger_id = ? ORDER BY e.id, cn.id LIMIT 1`, id); got != "Faulted/GroundFailure" {
		t.Errorf("connector 1 is %s, want Faulted/GroundFailure", got)
	}
	if s.int(`SELECT count(*) FROM chargers WHERE id = ? AND last_seen_at >= unixepoch() - 60`, id) != 1 {
		t.Error("the charger's last_seen_at did not move")
	}
	// An unknown status is refused, and changes nothing.
	c.callError(`[2,"bad-1","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Sleeping"}]`, "PropertyConstraintViolation")
	if got := s.str(`SELECT cn.status FROM connectors cn JOIN evses e ON e.id = cn.evse_id WHERE e.charger_id = ? ORDER BY e.id, cn.id LIMIT 1`, id); got != "Faulted" {
		t.Errorf("after a refused status the connector is %s", got)
	}
}

// Authorize answers by the card's status: active Accepted; lost or blocked Blocked;
// replaced or unknown Invalid.
func TestAuthorizeByCardStatus(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.register("CDK-prenz-01", "prenz-password-1234")
	c := s.connect("CDK-prenz-01", "prenz-password-1234")
	c.boot()
	s.db.W.Exec(`UPDATE ev_cards SET status = 'blocked' WHERE uid = '04A15C3EAAAB'`) // Omar's card, blocked by him
	for uid, want := range map[string]string{
		"04A15C3E2EEF": "Accepted", // Jane's active card
		"04A15C3E8BBC": "Blocked",  // Jane's lost card
		"04A15C3EAAAB": "Blocked",  // Omar's blocked card
		"04A15C3E6CCD": "Invalid",  // Jane's replaced card
		"DEADBEEF0000": "Invalid",  // nobody's
	} {
		got := c.call("Authorize", map[string]any{"idTag": uid})["idTagInfo"].(map[string]any)["status"]
		if got != want {
			t.Errorf("Authorize %s: %v, want %s", uid, got, want)
		}
	}
}

// A whole transaction: StartTransaction creates the session (transactionId is its id),
// MeterValues become its readings, StopTransaction completes it with the station's meter
// and issues the receipt. A repeated stop is acknowledged and changes nothing.
func TestTransactionFromStartToReceipt(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.register("CDK-prenz-01", "prenz-password-1234")
	c := s.connect("CDK-prenz-01", "prenz-password-1234")
	c.boot()
	c.status(1, "Preparing", "NoError")
	ago := func(d time.Duration) string { return time.Now().UTC().Add(-d).Format(time.RFC3339) }
	startReq := map[string]any{"connectorId": 1, "idTag": "04A15C3EC99A", "meterStart": 5000000, "timestamp": ago(2 * time.Hour)}
	start := c.call("StartTransaction", startReq)
	if start["idTagInfo"].(map[string]any)["status"] != "Accepted" {
		t.Fatalf("StartTransaction.conf %v", start)
	}
	tx := int64(start["transactionId"].(float64))
	if s.str(`SELECT u.email || '/' || s.status FROM charging_sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`, tx) != "lena@example.com/ACTIVE" {
		t.Fatal("the transaction is not Lena's active session")
	}
	// The same StartTransaction again, byte for byte (its answer was lost): the same
	// transaction. (Built once: a second boundary between two ago() calls made it a different
	// request, refused as a second start on a busy connector.)
	again := c.call("StartTransaction", startReq)
	if again["transactionId"] != start["transactionId"] || again["idTagInfo"].(map[string]any)["status"] != "Accepted" {
		t.Errorf("a resent StartTransaction: %v, want transaction %d again", again, tx)
	}
	c.status(1, "Charging", "NoError")
	at := []string{ago(90 * time.Minute), ago(60 * time.Minute)} // once: the resend below repeats the second
	for i, wh := range []string{"5005.7", "5006.4"} {            // kWh: the unit is honoured
		c.call("MeterValues", map[string]any{"connectorId": 1, "transactionId": tx, "meterValue": []any{map[string]any{
			"timestamp": at[i],
			"sampledValue": []any{
				map[string]any{"value": wh, "measurand": "Energy.Active.Import.Register", "unit": "kWh"},
				map[string]any{"value": "21000", "measurand": "Power.Active.Import", "unit": "W"},
				map[string]any{"value": "55", "measurand": "SoC", "unit": "Percent"},
			}}}})
	}
	// The last MeterValues again: no second reading.
	c.call("MeterValues", map[string]any{"connectorId": 1, "transactionId": tx, "meterValue": []any{map[string]any{
		"timestamp": at[1], "sampledValue": []any{map[string]any{"value": "5006.4", "unit": "kWh"}}}}})
	if n := s.int(`SELECT count(*) FROM meter_readings WHERE session_id = ?`, tx); n != 3 {
		t.Errorf("%d readings (start + 2, one resent), want 3", n)
	}
	if got := s.int(`SELECT max(energy_wh) FROM meter_readings WHERE session_id = ?`, tx); got != 5006400 {
		t.Errorf("the last reading is %d Wh, want 5006400", got)
	}
	stop := c.call("StopTransaction", map[string]any{"transactionId": tx, "meterStop": 5006500, "timestamp": now(), "reason": "EVDisconnected", "idTag": "04A15C3EC99A"})
	if stop["idTagInfo"].(map[string]any)["status"] != "Accepted" {
		t.Errorf("StopTransaction.conf %v", stop)
	}
	if got := s.str(`SELECT status || '/' || meter_stop_wh || '/' || ended_by FROM charging_sessions WHERE id = ?`, tx); got != "COMPLETED/5006500/station" {
		t.Errorf("the session is %s, want COMPLETED/6500000/station", got)
	}
	if s.int(`SELECT count(*) FROM receipts WHERE session_id = ? AND gross_cents > 0`, tx) != 1 {
		t.Errorf("no receipt was issued: %d receipts, gross %d", s.int(`SELECT count(*) FROM receipts WHERE session_id = ?`, tx),
			s.int(`SELECT coalesce(max(gross_cents), -1) FROM receipts WHERE session_id = ?`, tx))
	}
	c.call("StopTransaction", map[string]any{"transactionId": tx, "meterStop": 5006500, "timestamp": now()})
	if s.int(`SELECT count(*) FROM receipts WHERE session_id = ?`, tx) != 1 {
		t.Error("a repeated stop issued a second receipt")
	}
}

// A blocked card is refused at the charger (the runbook's "my card doesn't work"): no
// session exists, and the charger's protocol log says why.
func TestBlockedCardRefusedAtTheCharger(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	id := s.register("CDK-prenz-01", "prenz-password-1234")
	c := s.connect("CDK-prenz-01", "prenz-password-1234")
	c.boot()
	s.db.W.Exec(`UPDATE ev_cards SET status = 'blocked' WHERE uid = '04A15C3EAAAB'`)
	before := s.int(`SELECT count(*) FROM charging_sessions`)
	start := c.call("StartTransaction", map[string]any{"connectorId": 1, "idTag": "04A15C3EAAAB", "meterStart": 100, "timestamp": now()})
	if start["idTagInfo"].(map[string]any)["status"] != "Blocked" {
		t.Errorf("StartTransaction with a blocked card: %v", start)
	}
	if s.int(`SELECT count(*) FROM charging_sessions`) != before {
		t.Error("a session was created for a blocked card")
	}
	if s.int(`SELECT count(*) FROM ocpp_log WHERE charger_id = ? AND direction = 'note' AND message LIKE '%is blocked%'`, id) == 0 {
		t.Error("the protocol log does not say the card is blocked")
	}
}

// Bad frames get the CALLERROR the spec names, and the connection stays up.
func TestBadFramesKeepTheConnection(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.register("CDK-prenz-01", "prenz-password-1234")
	c := s.connect("CDK-prenz-01", "prenz-password-1234")
	c.boot()
	c.callError(`this is not json`, "FormationViolation")
	c.callError(`[2,"only-two"]`, "FormationViolation")
	c.callError(`[9,"x","Heartbeat",{}]`, "FormationViolation")
	c.callError(`[2,"x","Heartbeat",[]]`, "FormationViolation")
	c.callError(`[2,"x","StartTransaction",{"idTag":"04A15C3EC99A","meterStart":1,"timestamp":"`+now()+`"}]`, "OccurenceConstraintViolation")
	c.callError(`[2,"x","StartTransaction",{"connectorId":"one","idTag":"04A15C3EC99A","meterStart":1,"timestamp":"`+now()+`"}]`, "TypeConstraintViolation")
	c.callError(`[2,"x","Authorize",{"idTag":"`+strings.Repeat("A", 21)+`"}]`, "PropertyConstraintViolation")
	c.callError(`[2,"x","GetConfiguration",{}]`, "NotImplemented")
	if f := c.callError(`[2,"x","FirmwareStatusNotification",{"status":"Idle"}]`, "NotImplemented"); f[1] != "x" {
		t.Errorf("the CALLERROR names unique id %v, want x", f[1])
	}
	if got := c.call("DataTransfer", map[string]any{"vendorId": "com.example", "data": "hello"})["status"]; got != "UnknownVendorId" {
		t.Errorf("DataTransfer: %v, want UnknownVendorId (rejected)", got)
	}
	c.call("Heartbeat", map[string]any{}) // still connected
	// A frame over the size limit closes the connection (1009).
	// (The server may close it while the frame is still being written: a write error is fine.)
	c.ws.WriteMessage(websocket.TextMessage, []byte(`[2,"big","DataTransfer",{"vendorId":"x","data":"`+strings.Repeat("x", 70<<10)+`"}]`))
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		t.Error("a 70 KB frame did not close the connection")
	}
}

// A charge point offering only a subprotocol ChargeDesk does not speak completes the handshake
// without one (OCPP-J 1.6 section 3.1.2) and is then closed with 1002 and a reason.
func TestUnsupportedSubprotocolIsClosedWithAReason(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.register("CDK-prenz-01", "prenz-password-1234")
	ws, res, err := s.dial("CDK-prenz-01", "prenz-password-1234", "ocpp2.0.1")
	if err != nil {
		t.Fatalf("handshake: %v %v, want it completed", err, res)
	}
	defer ws.Close()
	if got := res.Header.Get("Sec-WebSocket-Protocol"); got != "" {
		t.Errorf("the handshake agreed subprotocol %q", got)
	}
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err = ws.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseProtocolError || !strings.Contains(ce.Text, "ocpp1.6") {
		t.Errorf("after the handshake: %v, want a close frame 1002 naming ocpp1.6", err)
	}
	// Not a WebSocket at all: a plain HTTP answer.
	res2, err := http.Get(s.srv.URL + "/ocpp/1.6/CDK-prenz-01")
	if err != nil || res2.StatusCode != http.StatusBadRequest {
		t.Errorf("a plain GET: %v %v, want 400", err, res2)
	}
}

// One connection per charge point: a new one replaces the old, which is told why (a close
// frame, 1008) and closed.
func TestReconnectReplacesTheOldConnection(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.register("CDK-prenz-01", "prenz-password-1234")
	old := s.connect("CDK-prenz-01", "prenz-password-1234")
	old.boot() // answered: the server has it registered before the next one connects
	fresh := s.connect("CDK-prenz-01", "prenz-password-1234")
	select {
	case <-old.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the old connection was not closed")
	}
	var ce *websocket.CloseError
	if !errors.As(old.closed, &ce) || ce.Code != websocket.ClosePolicyViolation || ce.Text != "replaced by a newer connection" {
		t.Errorf("the old connection ended with %v, want a close frame 1008 \"replaced by a newer connection\"", old.closed)
	}
	fresh.boot()
	fresh.call("Heartbeat", map[string]any{})
}

// One connection per charge point, even when 20 connect at once with the same id: at the
// end one is open and answers, and every other was closed.
func TestRacingConnectionsLeaveOne(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.register("CDK-prenz-01", "prenz-password-1234")
	const n = 20
	conns := make([]*websocket.Conn, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ws, _, err := s.dial("CDK-prenz-01", "prenz-password-1234")
			if err != nil {
				t.Errorf("connect %d: %v", i, err)
				return
			}
			conns[i] = ws
		})
	}
	wg.Wait()
	// Each connection is read until the server closes it or it answers the Heartbeat below.
	// The server may still be replacing one by a newer one after every handshake is done, so
	// the test first waits for all but one to be closed, then asks each left for a Heartbeat.
	closed, answered := make(chan int, n), make(chan int, n)
	for i, ws := range conns {
		if ws == nil {
			continue
		}
		t.Cleanup(func() { ws.Close() })
		go func() {
			for {
				_, b, err := ws.ReadMessage()
				if err != nil {
					closed <- i
					return
				}
				if strings.Contains(string(b), `"hb"`) {
					answered <- i
				}
			}
		}()
	}
	gone := map[int]bool{}
	for deadline := time.After(10 * time.Second); len(gone) < n-1; {
		select {
		case i := <-closed:
			gone[i] = true
		case <-deadline:
			t.Fatalf("%d of %d racing connections closed after 10 s, want %d", len(gone), n, n-1)
		}
	}
	for i, ws := range conns {
		if ws != nil && !gone[i] {
			ws.WriteMessage(websocket.TextMessage, []byte(`[2,"hb","Heartbeat",{}]`))
		}
	}
	select {
	case i := <-answered:
		if gone[i] {
			t.Errorf("connection %d answered after it was closed", i)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the connection left open did not answer a Heartbeat")
	}
	select {
	case i := <-closed:
		t.Errorf("connection %d, the one left, was closed too", i)
	case i := <-answered:
		t.Errorf("connection %d answered as well", i)
	case <-time.After(200 * time.Millisecond): // nothing else happens: one is left, and it answered
	}
}
