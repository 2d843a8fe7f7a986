package audit_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"chargedesk/audit"
	"chargedesk/db/dbtest"
)

// A hook runs in the row's transaction: what it writes commits with the row, and when it
// fails the row is not written either (an email that cannot be queued takes its change with
// it, and the other way round).
func TestHookCommitsWithItsRow(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	var seen []string
	ok := audit.NewTrail(audit.NewKey()).WithHook(func(ctx context.Context, tx *sql.Tx, at time.Time, id int64, e audit.Entry) error {
		seen = append(seen, e.Tag)
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('hooked', 'yes')`)
		return err
	})
	if _, err := ok.Log(context.Background(), d, time.Now(), audit.Entry{Tag: "password.change", Actor: 1, Target: 1}); err != nil {
		t.Fatal(err)
	}
	failing := ok.WithHook(func(context.Context, *sql.Tx, time.Time, int64, audit.Entry) error {
		return errors.New("outbox refused")
	})
	if _, err := failing.Log(context.Background(), d, time.Now(), audit.Entry{Tag: "mfa.add", Actor: 1, Target: 1}); err == nil {
		t.Fatal("a write whose hook failed succeeded")
	}
	var rows, hooked int
	d.R.QueryRow(`SELECT count(*) FROM auth_audit`).Scan(&rows)
	d.R.QueryRow(`SELECT count(*) FROM settings WHERE key = 'hooked'`).Scan(&hooked)
	if rows != 1 || hooked != 1 || len(seen) != 1 || seen[0] != "password.change" {
		t.Errorf("rows %d, hook writes %d, hook saw %v; want the first row and its hook's write only", rows, hooked, seen)
	}
}
