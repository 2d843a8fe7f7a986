// Package db opens ChargeDesk's one SQLite file: a single-connection writer pool and a reader
// pool, both with their pragmas in the DSN so that every pooled connection gets them.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DB is the pair of pools over one file. Writes go through W (one connection, immediate
// transactions, so read-then-write never fails with "database is locked"); reads use R.
type DB struct {
	W    *sql.DB
	R    *sql.DB
	Path string
}

// pragmas are applied by the driver to every new connection.
var pragmas = []string{
	"busy_timeout(5000)",
	"journal_mode(WAL)",
	"foreign_keys(1)",
	// FULL, not NORMAL: with WAL, NORMAL can lose the last commits on power loss, and an
	// acknowledged change or audit row must never be lost.
	"synchronous(FULL)",
}

// DSN builds the modernc.org/sqlite data source name for path.
func DSN(path string, readOnly bool) string {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

// Open opens both pools and checks that the file answers. It does not migrate.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("db: empty path")
	}
	w, err := sql.Open("sqlite", DSN(path, false))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", DSN(path, true))
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, runtime.NumCPU()*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{W: w, R: r, Path: path}, nil
}

// Close closes both pools; the writer last so that it checkpoints the WAL.
func (d *DB) Close() error {
	return errors.Join(d.R.Close(), d.W.Close())
}

// Ping reports whether the file answers a query.
func (d *DB) Ping(ctx context.Context) error {
	var one int
	return d.R.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Tx runs fn in one immediate write transaction, committing when fn returns nil.
func (d *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}
