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

// Open opens a private copy of a new database with every migration applied and no rows,
// and closes it when the test ends.
func Open(tb testing.TB) *db.DB {
	tb.Helper()
	return open(tb, copyOf(tb, emptyFile, tb.TempDir()), db.Options{})
}

// emptyFile is a migrated database's bytes, built once per test binary.
var emptyFile = sync.OnceValues(func() ([]byte, error) { return build(nil) })

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
	return copyOf(tb, seededFile, dir)
}

// seededFile is the seeded database's bytes, built once per test binary.
var seededFile = sync.OnceValues(func() ([]byte, error) {
	return build(func(d *db.DB) error {
		_, err := demo.SeedIfEmptyWith(context.Background(), d, demo.DefaultPassword, time.Now(), demo.Options{HashCost: bcrypt.MinCost})
		return err
	})
})

// copyOf writes the file that golden builds into dir and returns its path.
func copyOf(tb testing.TB, golden func() ([]byte, error), dir string) string {
	tb.Helper()
	b, err := golden()
	if err != nil {
		tb.Fatalf("dbtest: build the template database: %v", err)
	}
	path := filepath.Join(dir, "chargedesk.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// build migrates a new file, runs fill on it (when not nil), closes it and returns its bytes.
func build(fill func(*db.DB) error) ([]byte, error) {
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
	if fill != nil {
		err = fill(d)
	}
	if cerr := d.Close(); err == nil {
		err = cerr // closing the last connection checkpoints the WAL into the file
	}
	if err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

func open(tb testing.TB, path string, o db.Options) *db.DB {
	tb.Helper()
	d, err := db.OpenWith(context.Background(), path, o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}

// UserID is the id of the user with email (a demo login, say), failing the test when there
// is none.
func UserID(tb testing.TB, d *db.DB, email string) int64 {
	tb.Helper()
	var id int64
	if err := d.R.QueryRow(`SELECT id FROM users WHERE email = ?`, email).Scan(&id); err != nil {
		tb.Fatalf("user %s: %v", email, err)
	}
	return id
}
