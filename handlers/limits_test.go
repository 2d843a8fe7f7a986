package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"chargedesk/demo"
)

// One customer cannot fill the disk: after a burst of changes, writes answer 429 with
// Retry-After and change nothing; refused writes do not count; a minute later writes work.
func TestCustomerWritesAreBounded(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.client()
	jane.login(demo.JaneEmail)
	cards := func() int {
		return ta.count(`SELECT count(*) FROM ev_cards WHERE user_id = ?`, ta.userID(demo.JaneEmail))
	}
	for range 5 { // invalid: nothing changes, nothing is counted
		if r := jane.post("/cards", url.Values{"label": {""}}); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("invalid card: %d", r.status)
		}
	}
	before := cards()
	ok, limited := 0, 0
	var last response
	for i := range 30 {
		r := jane.post("/cards", url.Values{"label": {fmt.Sprintf("Card %d", i)}})
		switch r.status {
		case http.StatusSeeOther:
			ok++
		case http.StatusTooManyRequests:
			limited++
			last = r
		default:
			t.Fatalf("card %d: %d", i, r.status)
		}
	}
	if ok != 20 || limited != 10 || cards() != before+20 {
		t.Errorf("30 quick changes: %d made, %d refused, %d new cards; want 20, 10, 20", ok, limited, cards()-before)
	}
	if s, err := strconv.Atoi(last.header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("429 without a usable Retry-After: %q", last.header.Get("Retry-After"))
	}
	mustContain(t, last.body, "Too many changes to this account")
	// An impersonating admin with changes allowed draws on the same customer's budget, and
	// the refusal is recorded.
	admin := ta.client()
	admin.login(demo.AdminEmail)
	admin.startImpersonating(ta.userID(demo.JaneEmail), "SUP-LIMIT", true)
	r := admin.post(fmt.Sprintf("/cards?as=%d", ta.userID(demo.JaneEmail)), url.Values{"label": {"Support"}})
	if r.status != http.StatusTooManyRequests {
		t.Errorf("impersonated write over the customer's limit: %d, want 429", r.status)
	}
	if n := ta.count(`SELECT count(*) FROM impersonation_audit WHERE method = 'POST' AND route = '/cards' AND outcome = 'blocked' AND status = 429`); n != 1 {
		t.Errorf("the refused impersonated write has %d audit rows, want 1", n)
	}
	ta.advance(time.Minute)
	if r := jane.post("/cards", url.Values{"label": {"Later"}}); r.status != http.StatusSeeOther {
		t.Errorf("a write a minute later: %d, want 303", r.status)
	}
}

// A flood of privilege violations from one source costs one row a minute, and the count of
// the rest is written when the minute is over: none is dropped.
func TestPrivilegeViolationsAreAggregated(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	omar := ta.client()
	omar.login(demo.OmarEmail)
	path := fmt.Sprintf("/?as=%d", ta.userID(demo.JaneEmail))
	for range 200 {
		if r := omar.get(path); r.status != http.StatusForbidden {
			t.Fatalf("violation: %d", r.status)
		}
	}
	rows := func() int { return ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'privilege_violation'`) }
	if n := rows(); n != 1 {
		t.Fatalf("after 200 violations in a minute: %d rows, want 1 now", n)
	}
	ta.svc.Tasks.Round(context.Background()) // the minute is not over: nothing yet
	if n := rows(); n != 1 {
		t.Fatalf("before the minute is over: %d rows, want 1", n)
	}
	ta.advance(61 * time.Second)
	ta.svc.Tasks.Round(context.Background())
	var meta string
	ta.db.R.QueryRow(`SELECT metadata FROM auth_audit WHERE tag = 'privilege_violation' ORDER BY id DESC LIMIT 1`).Scan(&meta)
	var m map[string]any
	json.Unmarshal([]byte(meta), &m)
	if rows() != 2 || m["count"] != float64(199) || m["aggregated"] != true {
		t.Errorf("after the minute: %d rows, last metadata %s; want 2 rows, the second counting 199", rows(), meta)
	}
	// Another customer's violations are their own row.
	lena := ta.client()
	lena.login("lena@example.com")
	lena.get(path)
	if rows() != 3 {
		t.Errorf("a second source: %d rows, want 3", rows())
	}
}

// The write limit holds under a race: 100 changes sent at once by one customer make at most
// 20 cards, and every other answer is 429.
func TestCustomerWriteLimitHoldsUnderARace(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.client()
	jane.login(demo.JaneEmail)
	cards := func() int {
		return ta.count(`SELECT count(*) FROM ev_cards WHERE user_id = ?`, ta.userID(demo.JaneEmail))
	}
	before := cards()
	var wg sync.WaitGroup
	statuses := make(chan int, 100)
	for i := range 100 {
		wg.Go(func() { statuses <- jane.post("/cards", url.Values{"label": {fmt.Sprintf("Race %d", i)}}).status })
	}
	wg.Wait()
	close(statuses)
	made := 0
	for s := range statuses {
		switch s {
		case http.StatusSeeOther:
			made++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("a racing write got %d", s)
		}
	}
	if made > 20 || cards()-before != made {
		t.Errorf("100 racing writes: %d acknowledged, %d cards made; want at most 20, and the same number", made, cards()-before)
	}
}
