package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"chargedesk/demo"
)

// Money on the object: the receipt carries the Refund form (the console's receipt, and the
// impersonated one when the impersonation allows changes), the amount prefilled with what
// remains; the refund returns to the receipt it was made from. The customer reads the reason
// picked from the list, on the receipt and in their activity, and never the internal note.
func TestRefundFromTheReceipt(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	var receipt int64
	ta.db.R.QueryRow(`SELECT id FROM receipts WHERE user_id = ? AND gross_cents = 3096`, jane).Scan(&receipt)
	admin := adminClient(t, ta)
	console := fmt.Sprintf("/admin/receipts/%d", receipt)
	page := admin.get(console + "?refund=1").body
	mustContain(t, page, `<details class="refund" id="refund" open>`, `value="25.96"`, `name="back" value="receipt"`,
		"Reason the customer reads", `value="wrong_tariff"`, "not shown to the customer")

	// Continue shows what the customer will read; Confirm returns to the receipt.
	form := url.Values{"customer_user_id": {fmt.Sprint(jane)}, "amount": {"1.00"}, "customer_reason": {"wrong_tariff"},
		"reason": {"Tariff 3 was live on her home charger by mistake (SUP-4411)"}, "back": {"receipt"}}
	r := admin.post(fmt.Sprintf("/admin/charges/%d/refund", receipt), form)
	mustContain(t, r.body, "The customer reads: \u201cThe wrong tariff was applied\u201d", "Internal note (not shown to the customer): Tariff 3",
		`name="customer_reason" value="wrong_tariff"`, `href="`+console+`"`)
	form.Set("confirm", "yes")
	r = admin.post(fmt.Sprintf("/admin/charges/%d/refund", receipt), form)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != console+"?notice=refunded#refunds" {
		t.Fatalf("refund: %d %q, want a return to the receipt", r.status, r.header.Get("Location"))
	}
	page = admin.get(console + "?notice=refunded").body
	mustContain(t, page, "Refund recorded and a credit note issued.", "The wrong tariff was applied", "Tariff 3 was live", `value="24.96"`)

	customer := ta.client()
	customer.login(demo.JaneEmail)
	mine := customer.get(fmt.Sprintf("/receipts/%d?notice=refunded", receipt)).body
	mustContain(t, mine, "The wrong tariff was applied")
	for _, leak := range []string{"Tariff 3 was live", "SUP-4411", `id="refund"`, "Refund recorded"} {
		if strings.Contains(mine, leak) {
			t.Errorf("the customer's receipt shows %q", leak)
		}
	}
	activity := customer.get("/activity").body
	mustContain(t, activity, "Support refunded €1.00 on receipt ", ": The wrong tariff was applied")
	if strings.Contains(activity, "SUP-4411") || strings.Contains(activity, "Support viewed your account (ticket Support refunded") {
		t.Error("the activity shows the internal note, or draws the refund as a support view")
	}

	// Impersonating read-only: the form is there, greyed, saying why and where it works.
	admin.startImpersonating(jane, "SUP-4411", false)
	as := fmt.Sprintf("/receipts/%d?as=%d", receipt, jane)
	mustContain(t, admin.get(as).body, `<fieldset class="plain" disabled aria-describedby="refund-off">`,
		"This impersonation is read-only, so it cannot refund.", `href="`+console+`"`)
	admin.post("/api/customer/impersonation/end", url.Values{})
	// With changes allowed: enabled, and the refund returns to the impersonated receipt.
	admin.startImpersonating(jane, "SUP-4411", true)
	page = admin.get(as).body
	mustContain(t, page, `name="back" value="as"`, `<fieldset class="plain">`)
	form.Set("back", "as")
	r = admin.post(fmt.Sprintf("/admin/charges/%d/refund", receipt), form)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != as+"&notice=refunded#refunds" {
		t.Fatalf("refund while impersonating: %d %q", r.status, r.header.Get("Location"))
	}
	mustContain(t, admin.get(as+"&notice=refunded").body, "Refund recorded and a credit note issued.", `value="23.96"`)

	// A support agent sees it greyed: only an admin refunds.
	support := ta.client()
	support.login(demo.SupportEmail)
	mustContain(t, support.get(console).body, "Only an admin can refund.", `<fieldset class="plain" disabled`)
}
