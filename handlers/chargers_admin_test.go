package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
)

// The console's charger pages: state, connectors and protocol log; an admin's new password
// is shown once and recorded; a command to an offline charger is refused and sends and
// records nothing; to an online one it is recorded, sent, and its answer shown.
func TestAdminChargerPagesAndCommands(t *testing.T) {
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

	// Online: the demo's charge points connect; a soft reset is recorded, sent and answered.
	ta.connectChargePoints()
	r = admin.post("/admin/chargers/"+itoa(alex)+"/call", url.Values{"call": {"ResetSoft"}, "reason": {"Ticket SUP-5: charger frozen"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/chargers/"+itoa(alex)+"?done=sent&answer=Accepted#calls" {
		t.Fatalf("reset of an online charger: %d %q %.300s", r.status, r.header.Get("Location"), r.body)
	}
	if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'admin.charger_call' AND json_extract(metadata, '$.action') = 'Reset'`); n != 1 {
		t.Errorf("%d admin.charger_call rows for the reset, want 1", n)
	}
	page = admin.get("/admin/chargers/" + itoa(alex) + "?done=sent&answer=Accepted")
	mustContain(t, page.body, "The charger answered: Accepted.", "Online", "Reset", "BootNotification")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
