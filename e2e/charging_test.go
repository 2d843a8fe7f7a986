package e2e_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"chargedesk/demo"
)

// A driver starts and stops charging in the browser: the charger (a simulated OCPP charge
// point, connected as with serve --demo) is asked over OCPP and reports the session, which
// the page shows; stopping it issues the receipt. Support sees it all in the charger's
// protocol log.
func TestChargingThroughTheChargerInChromium(t *testing.T) {
	t.Parallel()
	s := startSite(t)
	b := newBrowser(t)
	ctx := b.ctx
	var charger, connector int64
	s.db.R.QueryRow(`SELECT ch.id, cn.id FROM chargers ch JOIN evses e ON e.charger_id = ch.id JOIN connectors cn ON cn.evse_id = e.id
		WHERE ch.ocpp_id = 'CDK-tempel-01' ORDER BY e.id, cn.id LIMIT 1`).Scan(&charger, &connector)
	b.login(ctx, s.base, demo.OmarEmail)
	b.do(ctx, "open the charger", chromedp.Navigate(fmt.Sprintf("%s/chargers/%d", s.base, charger)), chromedp.WaitVisible(`main h1`))
	if st := b.text(ctx, "dl.facts"); !strings.Contains(st, "Online") {
		t.Errorf("the connected charger is not shown online: %q", st)
	}
	b.do(ctx, "press Start charging", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector('input[name=connector_id][value="%d"]').form.querySelector("button").click()`, connector)))
	b.waitFor(ctx, "the session page", `location.pathname.startsWith("/sessions/")`)
	if txt := b.text(ctx, "main"); !contains(txt, "Charging", "Stop charging") {
		t.Fatalf("after Start charging the page says %.300q", txt)
	}
	b.screenshot(ctx, "11-charging-started-at-the-charger")
	b.acceptDialogs(ctx)
	b.do(ctx, "press Stop charging", chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action*="/stop"] button').click()`))
	b.waitFor(ctx, "the completed session", `document.querySelector("main").innerText.includes("View receipt")`)

	admin := newBrowser(t)
	admin.login(admin.ctx, s.base, demo.AdminEmail)
	admin.do(admin.ctx, "open the charger in the console", chromedp.Navigate(fmt.Sprintf("%s/admin/chargers/%d", s.base, charger)), chromedp.WaitVisible(`#log-title`))
	log := admin.text(admin.ctx, "main")
	if !contains(log, "Online", "RemoteStartTransaction", "StartTransaction", "RemoteStopTransaction", "StopTransaction", "receipt") {
		t.Errorf("the charger's protocol log does not tell the session: %.500q", log)
	}
	admin.screenshot(admin.ctx, "12-charger-protocol-log")
	b.noPageErrors()
	admin.noPageErrors()
}
