package e2e_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"chargedesk/demo"
)

// A driver opens the session behind their €30.96 receipt: the chart shades the stretch of
// each price (charging, then parking) and lists them, on a desktop and on a phone.
func TestSessionPriceBandsInChromium(t *testing.T) {
	t.Parallel()
	s := startSite(t)
	b := newBrowser(t)
	ctx := b.ctx
	var session int64
	s.db.R.QueryRow(`SELECT r.session_id FROM receipts r JOIN users u ON u.id = r.user_id WHERE u.email = ? AND r.gross_cents = 3096`, demo.JaneEmail).Scan(&session)
	b.login(ctx, s.base, demo.JaneEmail)
	for _, size := range []struct {
		name string
		w, h int64
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		b.do(ctx, "size the window for a "+size.name, chromedp.EmulateViewport(size.w, size.h))
		b.do(ctx, "open the session", chromedp.Navigate(fmt.Sprintf("%s/sessions/%d", s.base, session)), chromedp.WaitVisible(`svg.chart`))
		if !b.eval(ctx, `document.querySelectorAll("svg.chart rect.band").length === 2 && document.querySelectorAll("ul.bands li").length === 2`) {
			t.Errorf("%s: the chart lacks its two price bands (charging, parking): %.300s", size.name, b.text(ctx, "#main"))
		}
		if !contains(b.text(ctx, "ul.bands"), "Charging", "Energy €0.55/kWh", "Parking", "Parking time €6.00/h, rounded up to 15 min") {
			t.Errorf("%s: the bands say %q", size.name, b.text(ctx, "ul.bands"))
		}
		if b.eval(ctx, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
			t.Errorf("%s: the page scrolls sideways", size.name)
		}
		b.do(ctx, "scroll to the chart", chromedp.ScrollIntoView(`svg.chart`))
		b.screenshot(ctx, "4b-session-price-bands-"+size.name)
	}
	b.noPageErrors()
}
