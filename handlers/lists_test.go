package handlers_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"chargedesk/demo"
)

// growJanesLists gives Jane more than a page of EV cards and of reservations, some of the
// reservations starting at the same moment (the keyset's id decides between them).
func growJanesLists(t *testing.T, ta *testApp) {
	t.Helper()
	jane := ta.userID(demo.JaneEmail)
	for i := range 23 {
		if _, err := ta.db.W.Exec(`INSERT INTO ev_cards (user_id, visual_number, uid, contract_id, label, status, created_at)
			VALUES (?, printf('DE-TST-%06d', ?2), printf('T%07d', ?2), printf('DE-CDX-T%06d', ?2), 'Old card', 'blocked', 1600000000 + ?2)`, jane, i); err != nil {
			t.Fatal(err)
		}
		if _, err := ta.db.W.Exec(`INSERT INTO reservations (user_id, evse_id, card_id, starts_at, ends_at, status, created_at, cancelled_at)
			SELECT user_id, evse_id, card_id, 1600000000 + (?2 / 3) * 86400, 1600000000 + (?2 / 3) * 86400 + 1800, 'cancelled', 1590000000, 1590000100
			FROM reservations WHERE user_id = ?1 LIMIT 1`, jane, i); err != nil {
			t.Fatal(err)
		}
	}
}

// The customer's cards and reservations page with "Older →" links: every row once, in order,
// and a broken link is a clear 400.
func TestCustomerListsPage(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	growJanesLists(t, ta)
	jane := ta.client()
	jane.login(demo.JaneEmail)
	id := ta.userID(demo.JaneEmail)
	for _, list := range []struct{ path, count, row string }{
		{"/cards", `SELECT count(*) FROM ev_cards WHERE user_id = ?`, `<td data-label="Card number"><strong>`},
		{"/reservations", `SELECT count(*) FROM reservations WHERE user_id = ?`, `<tr>`},
	} {
		want := ta.count(list.count, id)
		seen, pages := 0, 0
		for next := list.path; next != ""; pages++ {
			if pages > 5 {
				t.Fatalf("%s: paging does not end", list.path)
			}
			r := jane.get(next)
			if r.status != http.StatusOK {
				t.Fatalf("%s: %d", next, r.status)
			}
			part := r.body[strings.Index(r.body, "<h1>"):]
			part = part[:strings.Index(part, "</section>")]
			n := strings.Count(part, list.row)
			if list.row == "<tr>" {
				n-- // the header row
			}
			if n > 20 {
				t.Errorf("%s: %d rows on one page, at most 20", next, n)
			}
			seen += n
			next = ""
			if m := regexp.MustCompile(`href="(` + list.path + `\?after=[^"]*)">Older →`).FindStringSubmatch(part); m != nil {
				next = m[1]
			}
		}
		if seen != want || pages < 2 {
			t.Errorf("%s: %d pages show %d rows, want %d on more than one page", list.path, pages, seen, want)
		}
		if r := jane.get(list.path + "?after=x-1"); r.status != http.StatusBadRequest || !strings.Contains(r.body, "page link is broken") {
			t.Errorf("%s with a broken link: %d", list.path, r.status)
		}
	}
}
