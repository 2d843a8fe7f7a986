// Package dbtest opens a temporary ChargeDesk database with the real migrations, for tests.
package dbtest

import (
	"context"
	"path/filepath"
	"testing"

	"chargedesk/db"
)

// Open migrates a new file in a temp dir, opens it, and closes it when the test ends.
func Open(tb testing.TB) *db.DB {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "chargedesk.db")
	if err := db.Migrate(path); err != nil {
		tb.Fatal(err)
	}
	d, err := db.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}
