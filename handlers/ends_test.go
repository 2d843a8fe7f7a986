package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"chargedesk/demo"
)

func (ta *testApp) endVia() string {
	ta.t.Helper()
	var via string
	ta.db.R.QueryRow(`SELECT coalesce(end_via, '') FROM impersonations ORDER BY id DESC LIMIT 1`).Scan(&via)
	return via
}

// An impersonation nobody uses ends after 10 minutes: on the admin's next request, or by the
// sweeper, whichever comes first; each with its end row.
func TestIdleImpersonationsEnd(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	c := ta.client()
	c.login(demo.AdminEmail)
	c.startImpersonating(jane, "SUP-IDLE", false)
	ta.advance(9 * time.Minute)
	if r := c.get(fmt.Sprintf("/sessions?as=%d", jane)); r.status != http.StatusOK {
		t.Fatalf("after 9 idle minutes: %d, want 200", r.status)
	}
	ta.advance(9 * time.Minute) // 9 minutes after that request: still on
	if r := c.get(fmt.Sprintf("/cards?as=%d", jane)); r.status != http.StatusOK {
		t.Fatalf("a request 9 minutes after the last: %d, want 200", r.status)
	}
	ta.advance(10 * time.Minute)
	r := c.get(fmt.Sprintf("/cards?as=%d", jane))
	if r.status != http.StatusForbidden || ta.endVia() != "idle" {
		t.Fatalf("after 10 idle minutes: %d, end_via %q; want 403 and ended as idle", r.status, ta.endVia())
	}
	mustContain(t, r.body, "idle")
	// The sweeper does the same without a request.
	c.startImpersonating(jane, "SUP-IDLE-2", false)
	ta.advance(11 * time.Minute)
	ta.svc.Tasks.Round(context.Background())
	if ta.endVia() != "idle" || ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'impersonation.end'`) != 2 {
		t.Errorf("sweeper: end_via %q, %d end rows; want idle and 2", ta.endVia(), ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'impersonation.end'`))
	}
}

// Idle counts from the last request, not the last recorded row: a page reloaded within the
// minute is not recorded again, yet the agent is at work. (Measured from the row, the request
// 9.5 minutes after the reload came 10.4 minutes after the row and ended the impersonation.)
func TestIdleCountsFromTheLastRequest(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	c := ta.client()
	c.login(demo.AdminEmail)
	c.startImpersonating(jane, "SUP-CLICKS", false)
	page := fmt.Sprintf("/sessions?as=%d", jane)
	c.get(page)
	rows := ta.count(`SELECT count(*) FROM impersonation_audit`)
	ta.advance(55 * time.Second)
	if r := c.get(page); r.status != http.StatusOK {
		t.Fatalf("a reload: %d", r.status)
	}
	if n := ta.count(`SELECT count(*) FROM impersonation_audit`); n != rows {
		t.Fatalf("the reload within the minute was recorded (%d rows, want %d): the test needs it not to be", n, rows)
	}
	ta.advance(9*time.Minute + 30*time.Second)
	ta.svc.Tasks.Round(context.Background()) // the sweeper measures the same way
	if r := c.get(fmt.Sprintf("/cards?as=%d", jane)); r.status != http.StatusOK || ta.endVia() != "" {
		t.Fatalf("9.5 minutes after the last request (10.4 after the last row): %d, end_via %q; want 200 and still on", r.status, ta.endVia())
	}
}

// A customer made staff while impersonated: the impersonation ends (nothing lands in what is
// now a staff account), on the next request and by the sweeper.
func TestTargetPromotedToAdminEndsTheImpersonation(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	c := ta.client()
	c.login(demo.AdminEmail)
	c.startImpersonating(jane, "SUP-PROMO", true)
	if _, err := ta.db.W.Exec(`UPDATE users SET role = 'admin' WHERE id = ?`, jane); err != nil {
		t.Fatal(err)
	}
	cards := ta.count(`SELECT count(*) FROM ev_cards WHERE user_id = ?`, jane)
	r := c.post(fmt.Sprintf("/cards?as=%d", jane), url.Values{"label": {"Into an admin"}})
	if r.status != http.StatusForbidden || ta.endVia() != "customer_promoted" {
		t.Errorf("write after the target was promoted: %d, end_via %q; want 403 and customer_promoted", r.status, ta.endVia())
	}
	if ta.count(`SELECT count(*) FROM ev_cards WHERE user_id = ?`, jane) != cards {
		t.Error("a card landed in the promoted account")
	}
	ta.db.W.Exec(`UPDATE users SET role = 'customer' WHERE id = ?`, jane)
	c.startImpersonating(jane, "SUP-PROMO-2", false)
	ta.db.W.Exec(`UPDATE users SET role = 'admin' WHERE id = ?`, jane)
	ta.svc.Tasks.Round(context.Background())
	if ta.endVia() != "customer_promoted" {
		t.Errorf("sweeper: end_via %q, want customer_promoted", ta.endVia())
	}
}
