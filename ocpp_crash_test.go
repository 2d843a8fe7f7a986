package main

import (
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// A real `chargedesk serve` is SIGKILLed at random instants while a charge point runs
// transaction after transaction (StartTransaction, MeterValues, StopTransaction). Every
// message the server answered is in the database after the restarts: an answered start is
// a session, an answered reading a reading, an answered stop a completed session with its
// receipt. The charge point sends what was not answered again, as OCPP charge points do.
func TestOCPPSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and kills a real server; skipped with -short")
	}
	dir := t.TempDir()
	bin := chargedeskBinary(t)
	dbPath := filepath.Join(dir, "ocpp.db")
	startServer(t, bin, dbPath).kill(t) // seeds the demo
	d, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	sum := sha256.Sum256([]byte("kill-password-1234"))
	for _, q := range []string{
		`INSERT INTO chargers (location_id, ocpp_id, name, vendor, model, max_power_w, heartbeat_interval_s, ocpp_password_sha256) SELECT (SELECT min(id) FROM locations WHERE kind = 'public'), 'KILL-01', 'Crash test', 'T', 'T', 11000, 60, '` + hex.EncodeToString(sum[:]) + `'`,
		`INSERT INTO evses (charger_id, evse_uid) SELECT id, 'DE*CDK*EKILL' FROM chargers WHERE ocpp_id = 'KILL-01'`,
		`INSERT INTO connectors (evse_id, standard, power_type, max_power_w, tariff_id) SELECT id, 'Type2', 'AC', 11000, (SELECT min(id) FROM tariffs) FROM evses WHERE evse_uid = 'DE*CDK*EKILL'`,
	} {
		if _, err := d.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	lena := "04A15C3EC99A" // Lena's card; KILL-01 is at a public site

	var ack struct {
		sync.Mutex
		starts, stops []int64
		readings      map[int64]string // session → its last acknowledged energy (Wh)
	}
	ack.readings = map[int64]string{}
	// The charge point's state: the message it must send next (kept until it is answered,
	// and sent again after a reconnect, as OCPP charge points queue transaction messages),
	// the transaction in progress and its meter.
	var (
		open    int64
		step    int // 0 start, 1..3 meter values, 4 stop
		meter   = int64(1000)
		pending []any // action, payload
	)
	next := func() []any {
		now := time.Now().UTC().Format(time.RFC3339)
		switch step {
		case 0:
			meter += 10
			return []any{"StartTransaction", map[string]any{"connectorId": 1, "idTag": lena, "meterStart": meter, "timestamp": now}}
		case 4:
			return []any{"StopTransaction", map[string]any{"transactionId": open, "meterStop": meter, "timestamp": now}}
		default:
			meter += 100 // a plausible meter: 300 Wh a transaction, in seconds (more is held for review)
			return []any{"MeterValues", map[string]any{"connectorId": 1, "transactionId": open, "meterValue": []any{map[string]any{
				"timestamp": now, "sampledValue": []any{map[string]any{"value": fmt.Sprint(meter)}}}}}}
		}
	}
	for round := range 8 {
		srv := startServer(t, bin, dbPath)
		ws := dialCP(t, srv.url, "KILL-01", "kill-password-1234")
		done := make(chan struct{})
		go func() {
			defer close(done)
			call := cpCaller(ws)
			if _, err := call("BootNotification", map[string]any{"chargePointVendor": "T", "chargePointModel": "T"}); err != nil {
				return
			}
			for {
				if pending == nil {
					pending = next()
				}
				payload := pending[1].(map[string]any)
				res, err := call(pending[0].(string), payload)
				if err != nil {
					return // not answered: sent again after the restart
				}
				ack.Lock()
				switch step {
				case 0:
					if res["idTagInfo"].(map[string]any)["status"] != "Accepted" {
						t.Errorf("StartTransaction refused: %v", res)
						ack.Unlock()
						return
					}
					open = int64(res["transactionId"].(float64))
					ack.starts = append(ack.starts, open)
				case 4:
					ack.stops = append(ack.stops, open)
					open = 0
				default:
					ack.readings[open] = payload["meterValue"].([]any)[0].(map[string]any)["sampledValue"].([]any)[0].(map[string]any)["value"].(string)
				}
				ack.Unlock()
				step = (step + 1) % 5
				pending = nil
			}
		}()
		time.Sleep(time.Duration(150+rand.IntN(400)) * time.Millisecond)
		srv.kill(t)
		ws.Close()
		<-done
		t.Logf("round %d: %d starts, %d stops acknowledged so far", round, len(ack.starts), len(ack.stops))
	}
	if len(ack.stops) < 5 {
		t.Fatalf("only %d transactions completed: the test did not exercise the server", len(ack.stops))
	}
	for _, s := range ack.starts {
		var n int
		d.QueryRow(`SELECT count(*) FROM charging_sessions WHERE id = ?`, s).Scan(&n)
		if n != 1 {
			t.Errorf("acknowledged start %d has no session", s)
		}
	}
	for s, wh := range ack.readings {
		var n int
		d.QueryRow(`SELECT count(*) FROM meter_readings WHERE session_id = ? AND energy_wh = ?`, s, wh).Scan(&n)
		if n != 1 {
			t.Errorf("acknowledged reading of %s Wh for session %d: %d rows, want 1", wh, s, n)
		}
	}
	for _, s := range ack.stops {
		var n int
		d.QueryRow(`SELECT count(*) FROM charging_sessions s JOIN receipts r ON r.session_id = s.id WHERE s.id = ? AND s.status = 'COMPLETED'`, s).Scan(&n)
		if n != 1 {
			t.Errorf("acknowledged stop of session %d: not completed with a receipt", s)
		}
	}
	var ok string
	d.QueryRow(`PRAGMA integrity_check`).Scan(&ok)
	if ok != "ok" {
		t.Errorf("integrity_check: %s", ok)
	}
}

// dialCP connects a charge point to a server at base (http://…).
func dialCP(t *testing.T, base, id, pw string) *websocket.Conn {
	t.Helper()
	h := http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+pw))}}
	d := websocket.Dialer{Subprotocols: []string{"ocpp1.6"}, HandshakeTimeout: 5 * time.Second}
	ws, _, err := d.Dial("ws"+strings.TrimPrefix(base, "http")+"/ocpp/1.6/"+id, h)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// cpCaller sends CALLs one at a time and returns the CALLRESULT payloads; anything else (a
// CALLERROR, a dropped connection) is an error, and the call counts as not answered.
func cpCaller(ws *websocket.Conn) func(action string, payload map[string]any) (map[string]any, error) {
	seq := 0
	return func(action string, payload map[string]any) (map[string]any, error) {
		seq++
		b, _ := json.Marshal([]any{2, fmt.Sprint(seq), action, payload})
		if err := ws.WriteMessage(websocket.TextMessage, b); err != nil {
			return nil, err
		}
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, msg, err := ws.ReadMessage()
		if err != nil {
			return nil, err
		}
		var f []any
		if err := json.Unmarshal(msg, &f); err != nil || len(f) != 3 || f[0] != float64(3) {
			return nil, fmt.Errorf("%s: answered %s", action, msg)
		}
		return f[2].(map[string]any), nil
	}
}
