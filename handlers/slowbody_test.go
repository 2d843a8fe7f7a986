package handlers_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"chargedesk/demo"
)

// slowPost sends a form in two halves, running between them what happens meanwhile (an Exit,
// a revoked role, a disabled account): the checks must hold for the state when the body has
// arrived, not when its headers did.
func (c *client) slowPost(path, body, contentType string, meanwhile func()) response {
	c.t.Helper()
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, pr)
	req.Header.Set("Content-Type", contentType)
	done := make(chan response, 1)
	go func() {
		res, err := c.http.Do(req)
		if err != nil {
			done <- response{status: -1, body: err.Error()}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		done <- response{status: res.StatusCode, header: res.Header, body: string(b)}
	}()
	half := len(body) / 2
	pw.Write([]byte(body[:half]))
	time.Sleep(300 * time.Millisecond) // the server has the headers and half the body
	meanwhile()
	pw.Write([]byte(body[half:]))
	pw.Close()
	return <-done
}

// sameBrowser is another tab of c: the same cookies.
func (c *client) sameBrowser() *client {
	d := *c
	h := *c.http
	d.http = &h
	return &d
}

func TestSlowBodiesAreJudgedWhenTheyArrive(t *testing.T) {
	t.Parallel()
	form := "application/x-www-form-urlencoded"
	cases := []struct {
		name      string
		meanwhile func(ta *testApp, admin *client)
	}{
		{"Exit in another tab", func(ta *testApp, admin *client) {
			admin.sameBrowser().post("/api/customer/impersonation/end", url.Values{})
		}},
		{"the admin's role revoked", func(ta *testApp, _ *client) {
			ta.db.W.Exec(`UPDATE users SET role = 'customer' WHERE email = ?`, demo.AdminEmail)
		}},
		{"the admin disabled", func(ta *testApp, _ *client) {
			ta.db.W.Exec(`UPDATE users SET status = 'disabled' WHERE email = ?`, demo.AdminEmail)
		}},
		{"the customer disabled", func(ta *testApp, _ *client) {
			ta.db.W.Exec(`UPDATE users SET status = 'disabled' WHERE email = ?`, demo.JaneEmail)
		}},
	}
	for _, tc := range cases {
		t.Run("impersonated write, "+tc.name, func(t *testing.T) {
			ta := newTestApp(t)
			jane := ta.userID(demo.JaneEmail)
			admin := ta.client()
			admin.login(demo.AdminEmail)
			admin.startImpersonating(jane, "SUP-SLOW", true)
			before := ta.fingerprint(demo.JaneEmail)
			r := admin.slowPost(fmt.Sprintf("/cards?as=%d", jane), "label=Slow+card", form, func() { tc.meanwhile(ta, admin) })
			if r.status == http.StatusSeeOther && strings.Contains(r.header.Get("Location"), "/cards") {
				t.Errorf("the change was accepted: %d %s", r.status, r.header.Get("Location"))
			}
			if ta.fingerprint(demo.JaneEmail) != before {
				t.Error("a card landed in Jane's account")
			}
		})
		t.Run("refund, "+tc.name, func(t *testing.T) {
			ta := newTestApp(t)
			admin := ta.client()
			admin.login(demo.AdminEmail)
			var receipt int64
			ta.db.R.QueryRow(`SELECT r.id FROM receipts r WHERE r.user_id = ? AND r.gross_cents > 100 ORDER BY r.id LIMIT 1`, ta.userID(demo.JaneEmail)).Scan(&receipt)
			refunds := ta.count(`SELECT count(*) FROM refunds`)
			r := admin.slowPost(fmt.Sprintf("/admin/charges/%d/refund", receipt), "amount=0.50&reason=slow&confirm=yes", form, func() { tc.meanwhile(ta, admin) })
			if tc.name == "Exit in another tab" || tc.name == "the customer disabled" {
				return // neither takes an admin's tools away
			}
			if r.status == http.StatusSeeOther && strings.Contains(r.header.Get("Location"), "notice=refunded") {
				t.Errorf("the refund was made: %d %s", r.status, r.header.Get("Location"))
			}
			if n := ta.count(`SELECT count(*) FROM refunds`); n != refunds {
				t.Errorf("refunds %d → %d", refunds, n)
			}
		})
	}
	t.Run("start by JSON, the admin's role revoked", func(t *testing.T) {
		ta := newTestApp(t)
		admin := ta.client()
		admin.login(demo.AdminEmail)
		body := fmt.Sprintf(`{"customer_user_id": %d, "ticket": "SUP-SLOW", "reason": "slow body"}`, ta.userID(demo.JaneEmail))
		r := admin.slowPost("/api/customer/impersonation/start", body, "application/json", func() {
			ta.db.W.Exec(`UPDATE users SET role = 'customer' WHERE email = ?`, demo.AdminEmail)
		})
		if r.status != http.StatusForbidden || ta.count(`SELECT count(*) FROM impersonations`) != 0 {
			t.Errorf("start after the role was revoked: %d, %d impersonations; want 403 and none", r.status, ta.count(`SELECT count(*) FROM impersonations`))
		}
	})
}
