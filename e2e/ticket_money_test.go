package e2e_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"chargedesk/demo"
)

// From the ticket to the customer's receipt: the ticket's deep link (followed logged out, it
// survives the login) opens the start form prefilled, and one click lands on the receipt,
// impersonated. There, with changes allowed, a refund takes at most 5 interactions and returns
// to the receipt; the customer reads the reason picked, not the agent's note.
func TestFromTheTicketToARefundOnTheReceipt(t *testing.T) {
	t.Parallel()
	s := startSite(t)
	b := newBrowser(t)
	ctx := b.ctx
	jane := s.userID(demo.JaneEmail)
	var receipt int64
	s.db.R.QueryRow(`SELECT id FROM receipts WHERE user_id = ? AND gross_cents = 3096`, jane).Scan(&receipt)
	link := fmt.Sprintf("%s/admin/impersonate?customer=%s&ticket=SUP-1234&reason=%s&page=%s", s.base,
		url.QueryEscape(demo.JaneEmail), url.QueryEscape("can't see her receipt"), url.QueryEscape(fmt.Sprintf("/receipts/%d", receipt)))

	// Logged out: the link goes through the login and comes back.
	b.do(ctx, "follow the ticket's link", chromedp.Navigate(link), chromedp.WaitVisible(`input[name=email]`))
	b.do(ctx, "log in", chromedp.SendKeys(`input[name=email]`, demo.AdminEmail), chromedp.SendKeys(`input[name=password]`, demo.DefaultPassword),
		chromedp.Click(`form[action="/login"] button`), chromedp.WaitVisible(`#impersonate`))
	if !b.eval(ctx, `document.activeElement && document.activeElement.textContent.trim() === "Start impersonating"`) {
		t.Error("Start is not focused on the prefilled form")
	}
	b.do(ctx, "allow changes (the ticket authorizes a refund)", chromedp.Click(`#impersonate input[name=allow_changes]`))
	clicks := 1
	b.do(ctx, "click Start", chromedp.Click(`#impersonate button.primary`))
	b.waitFor(ctx, "the receipt, impersonated", fmt.Sprintf(`location.pathname === "/receipts/%d" && document.getElementById("impersonation-banner") !== null`, receipt))
	if clicks != 1 || !strings.Contains(b.text(ctx, "#impersonation-banner"), "SUP-1234") {
		t.Errorf("the link did not land on the receipt in one click with the ticket")
	}
	b.screenshot(ctx, "4d-receipt-from-the-ticket")

	// The refund, on the receipt.
	interactions := 0
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		interactions++
		b.do(ctx, what, actions...)
	}
	step("open Refund", chromedp.Click(`#refund summary`))
	if v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#refund input[name=amount]").value`)); v != "25.96" {
		t.Errorf("the amount is prefilled with %q, want what remains (25.96)", v)
	}
	step("pick the reason the customer reads", chromedp.Click(`#refund input[value=wrong_tariff]`))
	step("write the internal note", chromedp.SendKeys(`#refund textarea[name=reason]`, "Tariff 3 by mistake, SUP-1234"))
	step("Continue", chromedp.Click(`#refund button.primary`))
	// The receipt has forms of its own: wait for the confirmation page, not any form.
	b.waitFor(ctx, "the confirmation", `document.querySelector("#main") !== null && document.querySelector("#main").innerText.includes("The customer reads") && document.querySelector("#main form button.primary") !== null`)
	if txt := b.text(ctx, "#main"); !contains(txt, "The customer reads", "The wrong tariff was applied", "not shown to the customer") {
		t.Errorf("the confirmation says %q", txt)
	}
	step("Confirm", chromedp.Click(`#main form button.primary`))
	b.waitFor(ctx, "back on the receipt", fmt.Sprintf(`location.pathname === "/receipts/%d" && document.querySelector("#main .notice") !== null`, receipt))
	if interactions > 5 {
		t.Errorf("%d interactions for a refund from the receipt, at most 5", interactions)
	}
	if n := s.count(`SELECT count(*) FROM refunds WHERE receipt_id = ? AND reason = 'The wrong tariff was applied' AND internal_note LIKE 'Tariff 3%'`, receipt); n != 1 {
		t.Errorf("refunds recorded: %d", n)
	}
	b.screenshot(ctx, "4e-refunded-on-the-receipt")
	b.noPageErrors()
}

// The console's times to the second are shown in the viewer's own time zone (the server
// writes its own, with UTC on hover, for a browser without JavaScript).
func TestTimesInTheViewersZone(t *testing.T) {
	t.Parallel()
	s := startSite(t)
	b := newBrowser(t)
	ctx := b.ctx
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	b.login(ctx, s.base, demo.AdminEmail)
	b.do(ctx, "the audit log", chromedp.Navigate(s.base+"/admin/audit"), chromedp.WaitVisible(`table.audit time[data-local]`))
	b.waitFor(ctx, "a time in Tokyo's zone", `/GMT\+9|JST/.test(document.querySelector("table.audit time[data-local]").textContent)`)
	if !b.eval(ctx, `/\d{2}:\d{2}:\d{2}/.test(document.querySelector("table.audit time[data-local]").textContent)`) {
		t.Errorf("the time is not to the second: %q", b.text(ctx, "table.audit time[data-local]"))
	}
	b.noPageErrors()
}
