package handlers_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"chargedesk/demo"
)

// Nothing a person can type gets a 500: every route, as a customer and as an admin, with
// hostile query strings and form values.
func TestNoServerErrorForAnythingAUserCanType(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	values := []string{"", " ", "0", "-1", "1e9", "99999999999999999999", "abc", "\xff\xfe", "<script>x</script>",
		strings.Repeat("é", 3000), "2026-13-45", "1.005", "NaN", "'; DROP TABLE users; --", "%00", "\"", "*"}
	if raceDetector {
		// Under -race this sweep looks for data races, which a few values find as well as all
		// of them, at a quarter of the time; CI runs it again without -race, with every value.
		values = []string{"", "-1", "\xff\xfe", strings.Repeat("é", 3000)}
	}
	fields := []string{"q", "status", "from", "to", "after", "before", "before_route", "user", "tag", "impersonation", "format",
		"notice", "reference", "row", "connector_id", "card_id", "label", "brand", "last4", "exp_month", "exp_year",
		"evse_id", "date", "time", "minutes", "amount", "reason", "customer_user_id", "ticket", "confirm", "allow_changes",
		"allow_payments", "enabled", "protect", "role", "email", "name", "password", "token", "call", "connector",
		"ocpp_id", "vendor", "model", "location_id", "owner_email", "connectors", "standard", "max_power_kw", "tariff_id", "heartbeat_s",
		"code", "passkey", "factor_id", "state", "error", "error_description", "reauth", "next", "answer", "staff_id", "decision", "notify", "session", "done", "n"}
	paths := []string{"/admin", "/admin/customers", fmt.Sprintf("/admin/customers/%d", jane), "/admin/audit", "/admin/impersonations", "/admin/impersonations/1", "/admin/tariffs", "/admin/tariffs/1", "/admin/receipts/1",
		"/admin/charges/1/refund", "/admin/reservations/1/restore", "/admin/cards/1/reissue", "/admin/sessions/1/force-stop",
		"/api/customer/impersonation/start", "/api/customer/impersonation/end", "/api/customer/impersonation/extend", "/login",
		"/admin/staff", "/admin/staff/2/role", "/admin/staff/2/status", "/admin/staff/2/link", "/admin/settings", "/admin/settings/impersonation",
		"/admin/webhooks", "/admin/approvals/1/approve", fmt.Sprintf("/admin/customers/%d/status", jane), fmt.Sprintf("/admin/customers/%d/protect", jane),
		"/password/set", "/account/security", "/account/password", "/admin/chargers", "/admin/chargers/1", "/admin/chargers/2/password", "/admin/chargers/2/call", "/admin/chargers/999/call", "/ocpp/1.6/CDK-alex-01",
		"/login/verify", "/login/passkey", "/login/sso", "/login/sso/callback", "/account/totp", "/account/totp/confirm", "/account/passkeys/options",
		"/account/passkeys", "/account/factors/1/delete", "/account/recovery-codes", "/account/confirm", "/admin/staff/2/factors/reset",
		fmt.Sprintf("/admin/customers/%d/access-report", jane), fmt.Sprintf("/admin/customers/%d/consent", jane), "/admin/customers/999999/access-report", "/admin/customers/999999/consent",
		"/admin/reviews", "/admin/reviews/1", "/admin/reviews/1/decisions", "/admin/reviews/1/signoff", "/account/sessions/end", "/account/sessions/end-others", "/admin/staff/2/signout"}
	for _, rt := range ta.app.CustomerRoutes() {
		paths = append(paths, strings.ReplaceAll(rt.Path, ":id", "1"))
	}
	customer := ta.client()
	customer.login(demo.JaneEmail)
	admin := ta.client()
	admin.login(demo.AdminEmail)
	admin.startImpersonating(jane, "SUP-FUZZ", true)
	requests := 0
	for i, v := range values {
		q := url.Values{}
		for _, f := range fields {
			q.Set(f, v)
		}
		for _, p := range paths {
			for _, c := range []*client{customer, admin} {
				target := p
				if c == admin && !strings.HasPrefix(p, "/admin") && !strings.HasPrefix(p, "/api") && p != "/login" {
					target = fmt.Sprintf("%s?as=%d", p, jane) // scoped, so the handler itself runs
				}
				sep := "?"
				if strings.Contains(target, "?") {
					sep = "&"
				}
				for _, r := range []response{c.get(target + sep + q.Encode()), c.post(target, q)} {
					requests++
					if r.status >= 500 {
						t.Errorf("value #%d %q on %s: %d %.200s", i, v, target, r.status, r.body)
					}
				}
				if c == admin && ta.count(`SELECT count(*) FROM impersonations WHERE ended_at IS NULL`) == 0 {
					admin.startImpersonating(jane, "SUP-FUZZ", true)
				}
			}
		}
	}
	t.Logf("%d requests, none answered 5xx", requests)
}
