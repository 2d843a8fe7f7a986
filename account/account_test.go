package account_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"chargedesk/access"
	"chargedesk/account"
	"chargedesk/db"
	"chargedesk/db/dbtest"
	"chargedesk/demo"
	"chargedesk/errs"
)

var ctx = context.Background()

func ids(t *testing.T, d *db.DB) (jane, omar int64) {
	t.Helper()
	return dbtest.UserID(t, d, demo.JaneEmail), dbtest.UserID(t, d, demo.OmarEmail)
}

// A customer's own card changes, and what they may not do: another customer's card is "not
// found" (it looks like none), a bad name is invalid, and a refusal changes nothing.
func TestCards(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		do       func(d *db.DB, tx *sql.Tx, jane, omar int64) error
		wantCode errs.Code // -1: done
	}{
		{"order a card", func(_ *db.DB, tx *sql.Tx, jane, _ int64) error {
			_, err := account.AddCard(ctx, tx, account.Change{Actor: access.Actor{UserID: jane}, Customer: jane, Now: time.Now()}, "Family car")
			return err
		}, -1},
		{"a card needs a name", func(_ *db.DB, tx *sql.Tx, jane, _ int64) error {
			_, err := account.AddCard(ctx, tx, account.Change{Actor: access.Actor{UserID: jane}, Customer: jane, Now: time.Now()}, "  ")
			return err
		}, errs.Invalid},
		{"block your own active card", func(d *db.DB, tx *sql.Tx, jane, _ int64) error {
			return account.BlockCard(ctx, tx, account.Change{Actor: access.Actor{UserID: jane}, Customer: jane, Now: time.Now()}, card(d, jane, "active"))
		}, -1},
		{"another customer's card is not found", func(d *db.DB, tx *sql.Tx, jane, omar int64) error {
			return account.BlockCard(ctx, tx, account.Change{Actor: access.Actor{UserID: jane}, Customer: jane, Now: time.Now()}, card(d, omar, "active"))
		}, errs.NotFound},
		{"acting for another customer is forbidden", func(d *db.DB, tx *sql.Tx, jane, omar int64) error {
			return account.BlockCard(ctx, tx, account.Change{Actor: access.Actor{UserID: jane}, Customer: omar, Now: time.Now()}, card(d, omar, "active"))
		}, errs.Forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := dbtest.Seeded(t)
			jane, omar := ids(t, d)
			var before, after string
			fingerprint := `SELECT group_concat(id || status || label, ',') FROM (SELECT * FROM ev_cards ORDER BY id)`
			d.R.QueryRow(fingerprint).Scan(&before)
			err := d.Tx(ctx, func(tx *sql.Tx) error { return tt.do(d, tx, jane, omar) })
			d.R.QueryRow(fingerprint).Scan(&after)
			if tt.wantCode < 0 {
				if err != nil || after == before {
					t.Errorf("%v, changed %v; want done", err, after != before)
				}
				return
			}
			if errs.CodeOf(err) != tt.wantCode || after != before {
				t.Errorf("%v (code %d), changed %v; want code %d and nothing changed", err, errs.CodeOf(err), after != before, tt.wantCode)
			}
		})
	}
}

func card(d *db.DB, customer int64, status string) int64 {
	var id int64
	d.R.QueryRow(`SELECT id FROM ev_cards WHERE user_id = ? AND status = ? ORDER BY id LIMIT 1`, customer, status).Scan(&id)
	return id
}

// A payment card expires at the end of its month.
func TestExpired(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		month, year int64
		want        bool
	}{{12, 2026, false}, {11, 2026, true}, {1, 2027, false}, {12, 2025, true}} {
		if got := account.Expired(tt.month, tt.year, now); got != tt.want {
			t.Errorf("Expired(%02d/%d) at %s = %v, want %v", tt.month, tt.year, now.Format("2006-01-02"), got, tt.want)
		}
	}
}
