package e2e_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"chargedesk/app"
	"chargedesk/demo"
)

// A staff member under --require-staff-mfa enrols a passkey in Chromium (its virtual
// authenticator, through the DevTools WebAuthn domain), signs out, signs in with the password
// and the passkey, and steps up with it before an impersonation once the window has passed.
// The site is opened as localhost: a passkey belongs to a name, not an IP address.
func TestPasskeyInChromium(t *testing.T) {
	t.Parallel()
	axe := axeSource(t)
	var offset atomic.Int64
	s := startSiteWith(t, app.Options{RequireStaffMFA: true, Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }})
	base := strings.Replace(s.base, "127.0.0.1", "localhost", 1)
	b := newBrowser(t)
	ctx := b.ctx
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
		Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
		HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
	}}); err != nil {
		t.Fatal(err)
	}
	password := func() {
		t.Helper()
		b.do(ctx, "password",
			chromedp.Navigate(base+"/login"),
			chromedp.SendKeys(`input[name=email]`, demo.AdminEmail),
			chromedp.SendKeys(`input[name=password]`, demo.DefaultPassword),
			chromedp.Click(`form[action="/login"] button`),
		)
	}

	// Enrol: the policy sends a staff member without a factor to the Security page.
	password()
	b.do(ctx, "the Security page asks for a factor", chromedp.WaitVisible(`#passkey-name`))
	if !strings.Contains(b.text(ctx, "main"), "Add a second factor to continue") {
		t.Fatal("no request to enrol under the policy")
	}
	b.do(ctx, "add a passkey",
		chromedp.SendKeys(`#passkey-name`, "Virtual key"),
		chromedp.Click(`button[data-passkey=create]`),
	)
	b.waitFor(ctx, "the passkey is added", `document.querySelector(".notice") !== null && document.querySelector(".notice").textContent.includes("Virtual key")`)
	if n := b.eval(ctx, `document.querySelectorAll("ol.codes li").length === 10`); !n {
		t.Error("ten recovery codes are not shown after the first factor")
	}
	if n := s.count(`SELECT count(*) FROM user_factors WHERE kind = 'passkey' AND name = 'Virtual key' AND confirmed_at IS NOT NULL`); n != 1 {
		t.Fatalf("%d passkeys stored", n)
	}

	checkAccessible(t, b, axe, base, "mfa", "/account/security") // the factors listed

	// Sign out, then in with the password and the passkey.
	b.do(ctx, "log out from the account menu", chromedp.Click(`details.who summary`), chromedp.Click(`form[action="/logout"] button`), chromedp.WaitVisible(`form[action="/login"]`))
	password()
	b.do(ctx, "the second step", chromedp.WaitVisible(`button[data-passkey=get]`))
	checkAccessible(t, b, axe, base, "mfa", "/login/verify")
	b.do(ctx, "use the passkey", chromedp.Click(`button[data-passkey=get]`))
	b.waitFor(ctx, "the console", `location.pathname === "/admin"`)
	var meta string
	s.db.R.QueryRow(`SELECT metadata FROM auth_audit WHERE tag = 'login.success' ORDER BY id DESC LIMIT 1`).Scan(&meta)
	if !strings.Contains(meta, `"factor":"passkey"`) {
		t.Errorf("login.success: %s, want factor passkey", meta)
	}

	// 16 minutes on, starting an impersonation asks for the passkey in the form itself.
	offset.Store(int64(16 * time.Minute))
	jane := s.userID(demo.JaneEmail)
	b.do(ctx, "the start form", chromedp.Navigate(fmt.Sprintf("%s/admin/customers/%d/impersonate", base, jane)), chromedp.WaitVisible(`#impersonate button[data-passkey=get]`))
	b.do(ctx, "ticket, reason, passkey",
		chromedp.SendKeys(`#impersonate input[name=ticket]`, "SUP-KEY"),
		chromedp.SendKeys(`#impersonate input[name=reason]`, "Receipt check"),
		chromedp.Click(`#impersonate button[data-passkey=get]`),
	)
	b.waitFor(ctx, "the customer's home, impersonated", `document.getElementById("impersonation-banner") !== null`)
	s.db.R.QueryRow(`SELECT metadata FROM auth_audit WHERE tag = 'impersonation.start' ORDER BY id DESC LIMIT 1`).Scan(&meta)
	var m map[string]any
	json.Unmarshal([]byte(meta), &m)
	if m["factor"] != "passkey" || m["ticket"] != "SUP-KEY" {
		t.Errorf("impersonation.start: %s, want the ticket and factor passkey", meta)
	}
	b.noPageErrors()
}
