package e2e_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"chargedesk/demo"
)

// Consent on request in two browsers: the agent asks, the customer allows for 1 hour on her
// next page, the agent starts on her protected account without a colleague, the customer
// revokes, and the agent's next page is refused and shows nothing of hers.
func TestConsentOnRequestInTwoBrowsers(t *testing.T) {
	t.Parallel()
	s := startSite(t)
	jane := s.userID(demo.JaneEmail)
	if _, err := s.db.W.Exec(`UPDATE users SET protected_reason = 'Legal hold LH-8' WHERE id = ?`, jane); err != nil {
		t.Fatal(err)
	}
	agent, customer := newBrowser(t), newBrowser(t)
	agent.login(agent.ctx, s.base, demo.SupportEmail)
	customer.login(customer.ctx, s.base, demo.JaneEmail)

	agent.do(agent.ctx, "ask", chromedp.Navigate(fmt.Sprintf("%s/admin/customers/%d#consent", s.base, jane)),
		chromedp.SendKeys(`#consent input[name=ticket]`, "SUP-ASK"), chromedp.SendKeys(`#consent input[name=reason]`, "to check your receipt"),
		chromedp.Click(`#consent form button`), chromedp.WaitVisible(`#consent .notice`))

	customer.do(customer.ctx, "her next page", chromedp.Navigate(s.base+"/"), chromedp.WaitVisible(`.consent`))
	if txt := customer.text(customer.ctx, ".consent"); !contains(txt, "Riley Support", "SUP-ASK", "to check your receipt") {
		t.Fatalf("the customer is asked %q", txt)
	}
	customer.do(customer.ctx, "allow for 1 hour", chromedp.Click(`.consent button[value="1h"]`), chromedp.WaitVisible(`#main .notice`))
	if customer.eval(customer.ctx, `document.querySelector(".consent") !== null`) {
		t.Error("the request is still shown after the answer")
	}

	agent.do(agent.ctx, "start", chromedp.Navigate(fmt.Sprintf("%s/admin/customers/%d/impersonate", s.base, jane)),
		chromedp.SendKeys(`#impersonate input[name=ticket]`, "SUP-ASK"), chromedp.SendKeys(`#impersonate input[name=reason]`, "to check your receipt"),
		chromedp.Click(`#impersonate button.primary`), chromedp.WaitVisible(`#impersonation-banner`))
	if !contains(agent.text(agent.ctx, "#impersonation-banner"), "Jane Doe", "SUP-ASK") {
		t.Fatal("the agent is not in her account")
	}

	customer.do(customer.ctx, "revoke", chromedp.Navigate(s.base+"/activity"), chromedp.Click(`#support-access button.danger`), chromedp.WaitVisible(`#main .notice`))

	agent.do(agent.ctx, "the agent's next page", chromedp.Navigate(fmt.Sprintf("%s/cards?as=%d", s.base, jane)), chromedp.WaitVisible(`#main`))
	body := agent.text(agent.ctx, "#main")
	if agent.hasBanner(agent.ctx) || strings.Contains(body, "DE-EVX-000121") || strings.Contains(body, "Model 3 key fob") {
		t.Errorf("after the revocation the agent still sees her account: %q", body)
	}
	if n := s.count(`SELECT count(*) FROM impersonations WHERE customer_user_id = ? AND end_via = 'grant_revoked'`, jane); n != 1 {
		t.Errorf("impersonations ended by the revocation: %d", n)
	}
	t.Logf("the agent's next page says: %.200s", body)
	agent.noPageErrors()
	customer.noPageErrors()
}
