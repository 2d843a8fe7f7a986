package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chargedesk/chargepoint"
)

// Chargers that misbehave as real ones do, played by the project's own OCPP client
// (chargepoint, every message as the test writes it) over a real WebSocket to a real
// `chargedesk serve`. Each scenario checks the answer on the wire and the receipt in cents,
// and that the receipt is what `chargedesk tariff price` gives on the same inputs (the
// session.json and tariff.json the console offers for the receipt).
func TestChargersThatLie(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs a real server; skipped with -short")
	}
	dir := t.TempDir()
	bin := chargedeskBinary(t)
	dbPath := filepath.Join(dir, "lies.db")
	startServer(t, bin, dbPath).kill(t) // seeds the demo
	d, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	one := func(q string, args ...any) (s string) {
		t.Helper()
		if err := d.QueryRow(q, args...).Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return s
	}
	// A public 22 kW charger on the Spreeufer tariff (0.50 € start, 0.55 €/kWh per 100 Wh,
	// 1.20 €/h per minute, parking 6 €/h per 5 min, 19 % VAT), and a home charger of Jane's.
	sum := sha256.Sum256([]byte("lies-password-1234"))
	for _, q := range []string{
		`INSERT INTO chargers (location_id, ocpp_id, name, vendor, model, max_power_w, heartbeat_interval_s, ocpp_password_sha256) SELECT (SELECT min(id) FROM locations WHERE kind = 'public'), 'LIES-01', 'Liar', 'T', 'T', 22000, 60, '` + hex.EncodeToString(sum[:]) + `'`,
		`INSERT INTO evses (charger_id, evse_uid) SELECT id, 'DE*CDK*ELIES' FROM chargers WHERE ocpp_id = 'LIES-01'`,
		`INSERT INTO connectors (evse_id, standard, power_type, max_power_w, tariff_id) SELECT id, 'Type2', 'AC', 22000, (SELECT id FROM tariffs WHERE name LIKE 'Spreeufer%') FROM evses WHERE evse_uid = 'DE*CDK*ELIES'`,
		`INSERT INTO chargers (location_id, owner_user_id, ocpp_id, name, vendor, model, max_power_w, heartbeat_interval_s, ocpp_password_sha256) SELECT (SELECT min(id) FROM locations WHERE kind = 'home'), (SELECT id FROM users WHERE email = 'jane@example.com'), 'HOME-01', 'Jane''s wallbox', 'T', 'T', 11000, 60, '` + hex.EncodeToString(sum[:]) + `'`,
		`INSERT INTO evses (charger_id, evse_uid) SELECT id, 'DE*CDK*EHOME' FROM chargers WHERE ocpp_id = 'HOME-01'`,
		`INSERT INTO connectors (evse_id, standard, power_type, max_power_w, tariff_id) SELECT id, 'Type2', 'AC', 11000, (SELECT min(id) FROM tariffs) FROM evses WHERE evse_uid = 'DE*CDK*EHOME'`,
	} {
		if _, err := d.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	lena := "04A15C3EC99A" // Lena's active card
	// A customer with an active card and a payment method, disabled by support.
	disabled := one(`SELECT c.uid FROM ev_cards c JOIN users u ON u.id = c.user_id WHERE u.role = 'customer' AND c.status = 'active'
		AND u.email NOT IN ('jane@example.com', 'lena@example.com', 'omar@example.com') ORDER BY c.id LIMIT 1`)
	if _, err := d.Exec(`UPDATE users SET status = 'disabled' WHERE id = (SELECT user_id FROM ev_cards WHERE uid = ?)`, disabled); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, bin, dbPath)
	defer srv.kill(t)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	connect := func(id string) *chargepoint.ChargePoint {
		cp := chargepoint.New(chargepoint.Config{URL: "ws" + strings.TrimPrefix(srv.url, "http") + "/ocpp/1.6", ID: id, Password: "lies-password-1234",
			Vendor: "T", Model: "T", Connectors: 1, PowerW: 22000, Log: slog.New(slog.DiscardHandler)})
		go cp.Run(ctx)
		for deadline := time.Now().Add(10 * time.Second); !cp.Online(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s did not connect", id)
			}
		}
		return cp
	}
	liar, home := connect("LIES-01"), connect("HOME-01")
	stamp := func(at time.Time) string { return at.UTC().Format(time.RFC3339) }
	call := func(cp *chargepoint.ChargePoint, action string, req map[string]any) (map[string]any, error) {
		var conf map[string]any
		err := cp.Call(ctx, action, req, &conf)
		return conf, err
	}
	status := func(conf map[string]any) string {
		info, _ := conf["idTagInfo"].(map[string]any)
		s, _ := info["status"].(string)
		return s
	}
	start := func(idTag string, at time.Time, meter int64) int64 {
		t.Helper()
		conf, err := call(liar, "StartTransaction", map[string]any{"connectorId": 1, "idTag": idTag, "meterStart": meter, "timestamp": stamp(at)})
		if err != nil || status(conf) != "Accepted" {
			t.Fatalf("StartTransaction %s: %v %v", idTag, conf, err)
		}
		return int64(conf["transactionId"].(float64))
	}
	sample := func(tx int64, at time.Time, wh, w string) error {
		sv := []any{map[string]any{"value": wh, "measurand": "Energy.Active.Import.Register", "unit": "Wh"}}
		if w != "" {
			sv = append(sv, map[string]any{"value": w, "measurand": "Power.Active.Import", "unit": "W"})
		}
		_, err := call(liar, "MeterValues", map[string]any{"connectorId": 1, "transactionId": tx, "meterValue": []any{map[string]any{"timestamp": stamp(at), "sampledValue": sv}}})
		return err
	}
	stop := func(tx int64, meter int64, at string) {
		t.Helper()
		conf, err := call(liar, "StopTransaction", map[string]any{"transactionId": tx, "meterStop": meter, "timestamp": at})
		if err != nil || status(conf) != "Accepted" {
			t.Fatalf("StopTransaction %d: %v %v", tx, conf, err)
		}
	}
	admin := consoleLogin(t, srv.url)
	receipt := func(name string, tx int64, want int64) {
		t.Helper()
		var id, gross int64
		if err := d.QueryRow(`SELECT id, gross_cents FROM receipts WHERE session_id = ?`, tx).Scan(&id, &gross); err != nil {
			t.Errorf("%s: no receipt: %v", name, err)
			return
		}
		lines := one(`SELECT group_concat(dimension || ' ' || billed_qty, ', ') FROM receipt_lines WHERE receipt_id = ?`, id)
		t.Logf("%s: receipt %d cents (%s)", name, gross, lines)
		if gross != want {
			t.Errorf("%s: receipt %d cents, want %d (%s)", name, gross, want, lines)
		}
		// The same inputs through `chargedesk tariff price`.
		files := map[string]string{}
		for _, f := range []string{"session.json", "tariff.json"} {
			res, err := admin.Get(fmt.Sprintf("%s/admin/receipts/%d/%s", srv.url, id, f))
			if err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("%s: %s: %v %v", name, f, err, res)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			files[f] = filepath.Join(dir, fmt.Sprintf("%d-%s", tx, f))
			os.WriteFile(files[f], b, 0o600)
		}
		out, err := exec.Command(bin, "tariff", "price", files["tariff.json"], files["session.json"]).Output()
		var cdr struct {
			TotalCost struct {
				Incl json.Number `json:"incl_vat"`
			} `json:"total_cost"`
		}
		if err != nil || json.Unmarshal(out, &cdr) != nil {
			t.Fatalf("%s: tariff price: %v\n%s", name, err, out)
		}
		if got := cdr.TotalCost.Incl.String(); centsOf(got) != gross {
			t.Errorf("%s: tariff price on the same inputs says %s €, the receipt %d cents", name, got, gross)
		}
	}
	now := time.Now()
	// byTheHour is the Spreeufer price of 10 kWh over the session's time as the server dated
	// it (its clock, not the charger's): 0.50 + 5.50 + 1.20 €/h per started minute, with VAT.
	byTheHour := func(tx int64) int64 {
		var secs int64
		d.QueryRow(`SELECT stopped_at - started_at FROM charging_sessions WHERE id = ?`, tx).Scan(&secs)
		minutes := (secs + 59) / 60
		net := 50 + 550 + float64(minutes)*120/60 // cents, exact to a tenth
		return int64(net*1.19 + 0.5)
	}

	t.Run("no MeterValues", func(t *testing.T) {
		// 20 kWh on the register over two hours and not one sample: all of it is billed,
		// and the two hours (0.50 + 20 × 0.55 + 2 × 1.20 = 13.90 €, 16.54 € with VAT).
		tx := start(lena, now.Add(-2*time.Hour), 100000)
		stop(tx, 120000, stamp(now))
		receipt("no MeterValues", tx, 1654)
	})
	t.Run("stop stamped 1970", func(t *testing.T) {
		// The charger's clock reset: the stop is dated when it arrived, the hour is billed
		// (0.50 + 10 × 0.55 + 1.20 = 7.20 €, 8.57 €), and support sees the clock noted.
		tx := start(lena, now.Add(-time.Hour), 200000)
		if err := sample(tx, now.Add(-30*time.Minute), "205000", "10000"); err != nil {
			t.Fatal(err)
		}
		stop(tx, 210000, "1970-01-01T00:00:00Z")
		receipt("stop stamped 1970", tx, byTheHour(tx)) // 857 cents for the hour
		if n := one(`SELECT count(*) FROM charging_sessions WHERE id = ? AND clock_note LIKE '%1970-01-01%'`, tx); n != "1" {
			t.Error("the session does not say its charger's clock was wrong")
		}
		if n := one(`SELECT count(*) FROM chargers WHERE ocpp_id = 'LIES-01' AND clock_note <> ''`); n != "1" {
			t.Error("the charger does not say its clock is wrong")
		}
	})
	t.Run("stop in the future", func(t *testing.T) {
		tx := start(lena, now.Add(-time.Hour), 300000)
		if err := sample(tx, now.Add(-30*time.Minute), "305000", "10000"); err != nil {
			t.Fatal(err)
		}
		stop(tx, 310000, stamp(now.Add(2*time.Hour)))
		receipt("stop in the future", tx, byTheHour(tx))
	})
	t.Run("samples while the car is full", func(t *testing.T) {
		// 11 kW for 75 min (13.75 kWh), then the car is full: samples every 5 min with the
		// register flat and no power until the stop at 100 min. Charging ends at 75 min:
		// 0.50 + 13.8 kWh (per 100 Wh) × 0.55 + 1.25 h × 1.20 + 25 min parking × 6 €/h =
		// 12.09 € (what the issue's `tariff price` gave; the receipt said 10.89 €), 14.39 €.
		base := now.Add(-100 * time.Minute)
		tx := start(lena, base, 400000)
		for m := 5; m <= 95; m += 5 {
			wh, w := 400000+int64(min(m, 75))*11000/60, "11000"
			if m >= 75 {
				w = "0"
			}
			if err := sample(tx, base.Add(time.Duration(m)*time.Minute), fmt.Sprint(wh), w); err != nil {
				t.Fatal(err)
			}
		}
		stop(tx, 413750, stamp(base.Add(100*time.Minute)))
		receipt("samples while the car is full", tx, 1439)
		if p := one(`SELECT billed_qty FROM receipt_lines l JOIN receipts r ON r.id = l.receipt_id WHERE r.session_id = ? AND l.dimension = 'PARKING_TIME'`, tx); p != "1500" {
			t.Errorf("parking billed %s s, want 1500 (25 min)", p)
		}
	})
	t.Run("nonsense values", func(t *testing.T) {
		tx := start(lena, now.Add(-5*time.Minute), 500000)
		for _, tc := range []struct{ value, code string }{{"NaN", "FormationViolation"}, {"Infinity", "FormationViolation"},
			{"lots", "FormationViolation"}, {"-5", "PropertyConstraintViolation"}, {"1e300", "PropertyConstraintViolation"}} {
			var ce *chargepoint.CallError
			if err := sample(tx, now, tc.value, ""); !errors.As(err, &ce) || ce.Code != tc.code || !strings.Contains(ce.Description, "Energy.Active.Import.Register") {
				t.Errorf("MeterValues %q: %v, want CALLERROR %s naming the measurand", tc.value, err, tc.code)
			}
		}
		if n := one(`SELECT count(*) FROM meter_readings WHERE session_id = ?`, tx); n != "1" {
			t.Errorf("%s readings after the refused ones, want the start's alone", n)
		}
		// 2^63−1 Wh in 5 minutes on a 22 kW connector: accepted (or the charger retries
		// forever) and held for review, with no receipt and nothing charged.
		stop(tx, 1<<63-1, stamp(now))
		if held := one(`SELECT held_reason FROM charging_sessions WHERE id = ?`, tx); !strings.Contains(held, "more than its connector") {
			t.Errorf("the session is not held for review: %q", held)
		}
		if n := one(`SELECT count(*) FROM receipts WHERE session_id = ?`, tx); n != "0" {
			t.Errorf("%s receipts for a held session", n)
		}
	})
	t.Run("idTags", func(t *testing.T) {
		for _, tc := range []struct {
			name, idTag string
			cp          *chargepoint.ChargePoint
			want        string
		}{
			{"lower case", strings.ToLower(lena), liar, "Accepted"},
			{"mixed case", "04a15C3ec99A", liar, "Accepted"},
			{"a stranger's card at a home charger", lena, home, "Invalid"},
			{"a disabled customer's card", disabled, liar, "Blocked"},
		} {
			conf, err := call(tc.cp, "Authorize", map[string]any{"idTag": tc.idTag})
			if err != nil || status(conf) != tc.want {
				t.Errorf("Authorize, %s: %v %v, want %s", tc.name, conf, err, tc.want)
			}
			// StartTransaction applies the same rule.
			conf, err = call(tc.cp, "StartTransaction", map[string]any{"connectorId": 1, "idTag": tc.idTag, "meterStart": 600000, "timestamp": stamp(time.Now())})
			if err != nil || status(conf) != tc.want {
				t.Errorf("StartTransaction, %s: %v %v, want %s", tc.name, conf, err, tc.want)
			}
			if tc.want == "Accepted" {
				stop(int64(conf["transactionId"].(float64)), 600000, stamp(time.Now()))
			}
		}
	})
	t.Run("unsupported subprotocol", func(t *testing.T) {
		ws, res, err := rawDial(srv.url, "LIES-01", "ocpp2.0.1")
		if err != nil {
			t.Fatalf("handshake: %v %v", err, res)
		}
		defer ws.Close()
		ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _, err = ws.ReadMessage()
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.CloseProtocolError {
			t.Errorf("after the handshake: %v, want close 1002", err)
		}
	})
	t.Run("replaced connection", func(t *testing.T) {
		sum := sha256.Sum256([]byte("lies-password-1234"))
		d.Exec(`INSERT INTO chargers (location_id, ocpp_id, name, vendor, model, max_power_w, heartbeat_interval_s, ocpp_password_sha256) SELECT (SELECT min(id) FROM locations WHERE kind = 'public'), 'LIES-03', 'Twice', 'T', 'T', 22000, 60, ?`, hex.EncodeToString(sum[:]))
		first, _, err := rawDial(srv.url, "LIES-03", "ocpp1.6")
		if err != nil {
			t.Fatal(err)
		}
		defer first.Close()
		// It boots and is answered, so the server has registered it before the next one dials.
		first.WriteMessage(websocket.TextMessage, []byte(`[2,"b1","BootNotification",{"chargePointVendor":"T","chargePointModel":"T"}]`))
		first.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, _, err := first.ReadMessage(); err != nil {
			t.Fatalf("boot: %v", err)
		}
		first.SetReadDeadline(time.Time{})
		closed := make(chan error, 1)
		go func() {
			for {
				if _, _, err := first.ReadMessage(); err != nil {
					closed <- err
					return
				}
			}
		}()
		second, _, err := rawDial(srv.url, "LIES-03", "ocpp1.6")
		if err != nil {
			t.Fatal(err)
		}
		defer second.Close()
		select {
		case err := <-closed:
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.ClosePolicyViolation || ce.Text != "replaced by a newer connection" {
				t.Errorf("the replaced connection ended with %v, want close 1008 with its reason", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("the replaced connection was not closed")
		}
	})
}

// centsOf is "16.54" (a CDR's decimal euros) in cents.
func centsOf(euros string) int64 {
	var whole, frac int64
	parts := strings.SplitN(euros, ".", 2)
	fmt.Sscan(parts[0], &whole)
	if len(parts) == 2 {
		f := (parts[1] + "00")[:2]
		fmt.Sscan(f, &frac)
	}
	return whole*100 + frac
}

// consoleLogin signs in to a --demo server's console as its admin.
func consoleLogin(t *testing.T, base string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.PostForm(base+"/login", url.Values{"email": {"admin@chargedesk.test"}, "password": {"chargedesk-demo"}})
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("console login: %v %v", err, res)
	}
	res.Body.Close()
	return c
}

func basicAuth(user, pw string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pw))
}

// rawDial opens a WebSocket to the OCPP endpoint as charge point id offering subprotocol.
func rawDial(base, id, subprotocol string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{"Authorization": {"Basic " + basicAuth(id, "lies-password-1234")}}
	dl := websocket.Dialer{Subprotocols: []string{subprotocol}, HandshakeTimeout: 5 * time.Second}
	return dl.Dial("ws"+strings.TrimPrefix(base, "http")+"/ocpp/1.6/"+id, h)
}
