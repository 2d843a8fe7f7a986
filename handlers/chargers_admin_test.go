package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The console's charger pages: state, connectors and protocol log; an admin's new password
// is shown once and recorded; a command to an offline charger is refused and sends and
// records nothing; to an online one it is recorded, sent, and its answer shown.
func TestAdminChargerPagesAndCommands(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := adminClient(t, ta)
	var alex int64
	ta.db.R.QueryRow(`SELECT id FROM chargers WHERE ocpp_id = 'CDK-alex-01'`).Scan(&alex)
	page := admin.get("/admin/chargers")
	mustContain(t, page.body, "CDK-alex-01", "Offline", "no password")
	r := admin.post("/admin/chargers/"+itoa(alex)+"/call", url.Values{"call": {"ResetSoft"}, "reason": {"Ticket SUP-5: charger frozen"}})
	if r.status != http.StatusConflict {
		t.Fatalf("reset of an offline charger: %d %.300s", r.status, r.body)
	}
	mustContain(t, r.body, "offline", "Nothing was sent")
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'admin.charger_call'`); n != 0 {
		t.Errorf("a refused command wrote %d audit rows", n)
	}
	if r := admin.post("/admin/chargers/"+itoa(alex)+"/password", url.Values{"reason": {"x"}}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("a new password without a reason: %d", r.status)
	}
	r = admin.post("/admin/chargers/"+itoa(alex)+"/password", url.Values{"reason": {"Commissioning the Keba at Alexanderplatz"}})
	if r.status != http.StatusOK || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("new password: %d %q", r.status, r.header.Get("Cache-Control"))
	}
	pw := regexp.MustCompile(`<code class="secret">([A-Za-z0-9_-]{32})</code>`).FindStringSubmatch(r.body)
	if pw == nil {
		t.Fatalf("the new password is not shown: %.500s", r.body)
	}
	if n := ta.count(`SELECT count(*) FROM chargers WHERE id = ? AND ocpp_password_sha256 <> '' AND instr(ocpp_password_sha256, ?) = 0`, alex, pw[1]); n != 1 {
		t.Error("the password's hash is not stored, or the password itself is")
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'admin.charger_password' AND metadata NOT LIKE '%' || ? || '%'`, pw[1]); n != 1 {
		t.Error("the new password is not recorded in the audit log, or the password is in it")
	}
	if page := admin.get("/admin/chargers/" + itoa(alex)); regexp.MustCompile(`class="secret"`).MatchString(page.body) {
		t.Error("the password is shown again")
	}

	// Online: the demo's charge points connect. A soft reset is first confirmed, naming what it
	// does (nothing is recorded or sent yet), then recorded, sent and answered.
	ta.connectChargePoints()
	r = admin.post("/admin/chargers/"+itoa(alex)+"/call", url.Values{"call": {"ResetSoft"}, "reason": {"Ticket SUP-5: charger frozen"}})
	mustContain(t, r.body, "Soft reset (the charge point restarts its software) — ", "a charging session on it is stopped and billed to its last reading",
		`name="confirm" value="yes"`, "sent to the charger itself")
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'admin.charger_call'`); n != 0 {
		t.Fatalf("the confirmation recorded %d calls", n)
	}
	r = admin.post("/admin/chargers/"+itoa(alex)+"/call", url.Values{"call": {"ResetSoft"}, "reason": {"Ticket SUP-5: charger frozen"}, "confirm": {"yes"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/admin/chargers/"+itoa(alex)+"?done=sent&log=") {
		t.Fatalf("reset of an online charger: %d %q %.300s", r.status, r.header.Get("Location"), r.body)
	}
	answered := r.header.Get("Location")
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'admin.charger_call' AND json_extract(metadata, '$.action') = 'Reset'`); n != 1 {
		t.Errorf("%d admin.charger_call rows for the reset, want 1", n)
	}
	// A soft reset reboots the simulated charge point: it is back online after its reconnect.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		page = admin.get(strings.TrimSuffix(answered, "#calls"))
		if strings.Contains(page.body, "Online") || time.Now().After(deadline) {
			break
		}
	}
	mustContain(t, page.body, "The charger answered Reset: Accepted", "Online", "Booted: ", "ChargeDesk asked the charger: Reset (Soft)",
		"<summary>as sent</summary>", "Problems only")
	// Text in the address is never shown as the charger's answer; nor is another charger's log.
	page = admin.get("/admin/chargers/" + itoa(alex) + "?done=sent&answer=Your+card+is+blocked&log=1")
	if strings.Contains(page.body, "Your card is blocked") || strings.Contains(page.body, "The charger answered") && !strings.Contains(page.body, "Reset") {
		t.Error("the page shows text from its address as the charger's answer")
	}
	if !strings.Contains(page.body, `<option value="" disabled>Choose an action…</option>`) && !strings.Contains(page.body, `<option value="" selected disabled>Choose an action…</option>`) {
		t.Error("the command picker has a default action")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// The protocol log reads one line per message, and "problems only" keeps the errors,
// refusals, faults and ChargeDesk's warnings.
func TestProtocolLogInWords(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := adminClient(t, ta)
	var ch int64
	ta.db.R.QueryRow(`SELECT id FROM chargers WHERE ocpp_id = 'CDK-alex-01'`).Scan(&ch)
	for _, r := range [][3]string{
		{"in", "Heartbeat", `{}`},
		{"in", "StatusNotification", `{"connectorId":2,"errorCode":"GroundFailure","status":"Faulted","info":"RCD tripped"}`},
		{"in", "MeterValues", `{"connectorId":1,"meterValue":[{"timestamp":"2026-12-07T10:00:00Z","sampledValue":[{"value":"13500","measurand":"Energy.Active.Import.Register","unit":"Wh"},{"value":"52","measurand":"SoC","unit":"Percent"}]}]}`},
		{"out", "Authorize", `{"idTagInfo":{"status":"Blocked"}}`},
		{"note", "StopTransaction", "the charge point never sent its StopTransaction, so the session is stuck"},
		{"note", "StopTransaction", "session #67 completed; receipt #65 issued"},
	} {
		ta.db.W.Exec(`INSERT INTO ocpp_log (charger_id, at, direction, action, message) VALUES (?, unixepoch(), ?, ?, ?)`, ch, r[0], r[1], r[2])
	}
	all := admin.get("/admin/chargers/" + itoa(ch)).body
	mustContain(t, all, "Heartbeat", "Connector 2 is Faulted — error GroundFailure (RCD tripped)", "Meter on connector 1: 13500 Wh, battery 52 %",
		"ChargeDesk answered Authorize: Blocked", "ChargeDesk: the charge point never sent its StopTransaction")
	problems := admin.get("/admin/chargers/" + itoa(ch) + "?problems=1").body
	mustContain(t, problems, "GroundFailure", "Authorize: Blocked", "never sent its StopTransaction", "Show every message")
	for _, fine := range []string{"Meter on connector 1", "Heartbeat", "receipt #65 issued"} {
		if strings.Contains(problems, fine) {
			t.Errorf("problems only shows %q", fine)
		}
	}
}

// An admin registers a charger: refused without a reason, with a taken id, a home location
// without its owner; then registered with its connectors, its password shown once, and
// recorded. The new charger can connect with that password.
func TestRegisterACharger(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := adminClient(t, ta)
	var public, home, tariff int64
	ta.db.R.QueryRow(`SELECT min(id) FROM locations WHERE kind = 'public'`).Scan(&public)
	ta.db.R.QueryRow(`SELECT min(id) FROM locations WHERE kind = 'home'`).Scan(&home)
	ta.db.R.QueryRow(`SELECT min(id) FROM tariffs`).Scan(&tariff)
	form := func(kv ...string) url.Values {
		f := url.Values{"ocpp_id": {"BER-NEW-01"}, "name": {"Neue Säule"}, "vendor": {"Keba"}, "model": {"P40"}, "location_id": {itoa(public)},
			"connectors": {"2"}, "standard": {"Type2"}, "max_power_kw": {"22"}, "tariff_id": {itoa(tariff)}, "heartbeat_s": {"60"},
			"reason": {"Commissioning ticket OPS-12"}}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return f
	}
	before := ta.count(`SELECT count(*) FROM chargers`)
	for _, tc := range []struct {
		form url.Values
		want int
		says string
	}{
		{form("reason", ""), http.StatusUnprocessableEntity, "reason"},
		{form("ocpp_id", "has space"), http.StatusUnprocessableEntity, "letters, digits"},
		{form("ocpp_id", "CDK-alex-01"), http.StatusConflict, "already registered"},
		{form("location_id", itoa(home)), http.StatusUnprocessableEntity, "needs its owner"},
		{form("location_id", itoa(home), "owner_email", "nobody@example.com"), http.StatusUnprocessableEntity, "No customer"},
		{form("max_power_kw", "9000"), http.StatusUnprocessableEntity, "1 to 400 kW"},
		{form("tariff_id", "999999"), http.StatusUnprocessableEntity, "tariff"},
	} {
		r := admin.post("/admin/chargers", tc.form)
		if r.status != tc.want || !strings.Contains(r.body, tc.says) {
			t.Errorf("%v: %d, want %d saying %q", tc.form, r.status, tc.want, tc.says)
		}
	}
	if n := ta.count(`SELECT count(*) FROM chargers`); n != before {
		t.Fatalf("refused registrations added %d chargers", n-before)
	}
	r := admin.post("/admin/chargers", form())
	if r.status != http.StatusCreated {
		t.Fatalf("register: %d %.300s", r.status, r.body)
	}
	pw := regexp.MustCompile(`<code class="secret">([A-Za-z0-9_-]{32})</code>`).FindStringSubmatch(r.body)
	if pw == nil || !strings.Contains(r.body, "/ocpp/1.6/BER-NEW-01") {
		t.Fatalf("the password or the OCPP address is not shown: %.500s", r.body)
	}
	if n := ta.count(`SELECT count(*) FROM connectors cn JOIN evses e ON e.id = cn.evse_id JOIN chargers ch ON ch.id = e.charger_id WHERE ch.ocpp_id = 'BER-NEW-01' AND cn.power_type = 'AC' AND cn.max_power_w = 22000`); n != 2 {
		t.Errorf("%d connectors registered, want 2", n)
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'admin.charger_register'`); n != 1 {
		t.Errorf("%d admin.charger_register rows, want 1", n)
	}
	// It connects with that password (and not without it).
	h := http.Header{"Sec-WebSocket-Protocol": {"ocpp1.6"}, "Connection": {"Upgrade"}, "Upgrade": {"websocket"},
		"Sec-WebSocket-Version": {"13"}, "Sec-WebSocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}}
	for pass, want := range map[string]int{pw[1]: http.StatusSwitchingProtocols, "wrong-password-123": http.StatusUnauthorized} {
		req, _ := http.NewRequest(http.MethodGet, ta.srv.URL+"/ocpp/1.6/BER-NEW-01", nil)
		req.Header = h.Clone()
		req.SetBasicAuth("BER-NEW-01", pass)
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("connect with password %q…: %d, want %d", pass[:4], res.StatusCode, want)
		}
	}
	// Support may look, not register.
	sup := ta.client()
	sup.login("support@chargedesk.test")
	if r := sup.post("/admin/chargers", form("ocpp_id", "BER-NEW-02")); r.status != http.StatusForbidden {
		t.Errorf("support registering a charger: %d, want 403", r.status)
	}
}
