// Package dbtest opens temporary ChargeDesk databases with the real migrations, for tests.
//
// Seeded is the fast path: the demo is migrated and seeded once per test binary (into a
// golden file held in memory, its passwords hashed at bcrypt's lowest cost) and each test
// gets its own copy of that file, so a test that owns a database costs a file write instead
// of thirty migrations and a seed.
package dbtest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"chargedesk/db"
	"chargedesk/demo"
)

// Open migrates a new, empty file in a temp dir, opens it, and closes it when the test ends.
func Open(tb testing.TB) *db.DB {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "chargedesk.db")
	if err := db.Migrate(path); err != nil {
		tb.Fatal(err)
	}
	return open(tb, path, db.Options{})
}

// Seeded opens a private copy of the migrated, seeded demo database (see SeededFile).
func Seeded(tb testing.TB) *db.DB {
	tb.Helper()
	return SeededWith(tb, tb.TempDir(), db.Options{})
}

// SeededWith copies the seeded demo into dir (a tmpfs, say) and opens it with o.
func SeededWith(tb testing.TB, dir string, o db.Options) *db.DB {
	tb.Helper()
	return open(tb, SeededFile(tb, dir), o)
}

// SeededFile writes a copy of the migrated database seeded with the demo (password
// demo.DefaultPassword) into dir and returns its path. The demo was seeded when the test
// binary first asked for it; its clock is the wall clock of that moment.
func SeededFile(tb testing.TB, dir string) string {
	tb.Helper()
	b, err := goldenFile()
	if err != nil {
		tb.Fatalf("dbtest: build the seeded demo database: %v", err)
	}
	path := filepath.Join(dir, "chargedesk.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// goldenFile is the seeded database's bytes, built once per test binary.
var goldenFile = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "chargedesk-golden-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "chargedesk.db")
	if err := db.Migrate(path); err != nil {
		return nil, err
	}
	d, err := db.Open(context.Background(), path)
	if err != nil {
		return nil, err
	}
	_, err = demo.SeedIfEmptyWith(context.Background(), d, demo.DefaultPassword, time.Now(), demo.Options{HashCost: bcrypt.MinCost})
	if cerr := d.Close(); err == nil {
		err = cerr // closing the last connection checkpoints the WAL into the file
	}
	if err != nil {
		return nil, err
	}
	return os.ReadFile(path)
})

func open(tb testing.TB, path string, o db.Options) *db.DB {
	tb.Helper()
	d, err := db.OpenWith(context.Background(), path, o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}
