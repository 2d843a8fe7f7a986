package handlers_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"chargedesk/demo"
)

// The route audit is rate-limited per concrete path: each receipt support opened is its own
// row, and opening the same one again within the minute adds none.
func TestRouteAuditSaysWhichObjectWasSeen(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	rows, err := ta.db.R.Query(`SELECT id FROM receipts WHERE user_id = ? ORDER BY id`, jane)
	if err != nil {
		t.Fatal(err)
	}
	var receipts []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		receipts = append(receipts, id)
	}
	rows.Close()
	if len(receipts) < 2 {
		t.Fatalf("the demo gives Jane %d receipts; need at least 2", len(receipts))
	}
	c := ta.client()
	c.login(demo.AdminEmail)
	c.startImpersonating(jane, "SUP-RCPT", false)
	for range 2 {
		for _, id := range receipts {
			if r := c.get(fmt.Sprintf("/receipts/%d?as=%d", id, jane)); r.status != http.StatusOK {
				t.Fatalf("receipt %d: %d", id, r.status)
			}
		}
	}
	for _, id := range receipts {
		if n := ta.count(`SELECT count(*) FROM impersonation_audit WHERE route = '/receipts/:id' AND path = ?`, fmt.Sprintf("/receipts/%d?as=%d", id, jane)); n != 1 {
			t.Errorf("receipt %d: %d audit rows, want 1", id, n)
		}
	}
}

// The minute's memory of recorded pages never stands in for a row, and racing first views
// share one: 100 racing impersonated requests over ten pages leave each page recorded exactly
// once, and a minute later the same 100 record each page once again.
func TestRouteAuditUnderRacingRequests(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	c := ta.client()
	c.login(demo.AdminEmail)
	c.startImpersonating(jane, "SUP-RACE", false)
	path := func(i int) string { return fmt.Sprintf("/sessions?as=%d&status=&p=%d", jane, i%10) }
	race := func() {
		var wg sync.WaitGroup
		errs := make(chan string, 100)
		for i := range 100 {
			wg.Go(func() {
				if r := c.get(path(i)); r.status != http.StatusOK {
					errs <- fmt.Sprintf("%s: %d", path(i), r.status)
				}
			})
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	}
	for round := 1; round <= 2; round++ {
		race()
		for i := range 10 {
			if n := ta.count(`SELECT count(*) FROM impersonation_audit WHERE path = ?`, path(i)); n != round {
				t.Errorf("round %d: %s has %d audit rows, want %d", round, path(i), n, round)
			}
		}
		ta.advance(61 * time.Second)
	}
}
