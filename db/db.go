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
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DB is the pair of pools over one file. Writes go through W (one connection, immediate
// transactions, so read-then-write never fails with "database is locked"); reads use R.
type DB struct {
	W    *sql.DB
	R    *sql.DB
	Path string
	// Reserve is the free disk space (bytes) that ordinary writes leave for audit rows and
	// impersonation ends: below it, Tx refuses with ErrLowSpace and only CriticalTx writes.
	Reserve int64
	// free reports the free space of the file system; replaceable in tests.
	free func() (int64, bool)
	// The group-commit writer (batch.go).
	jobs            chan *job
	closed, stopped chan struct{}
	batches         atomic.Int64
	probe           prober // Check's last probe write
}

// DefaultReserve is the disk space kept for the audit trail: enough for roughly 100 000
// audit rows, far more than a support team writes while someone frees the disk.
const DefaultReserve = 64 << 20

// Options tune Open. The zero value is production's.
type Options struct {
	// BusyTimeout is how long a write waits for the lock; zero means 5 s.
	BusyTimeout time.Duration
	// Reserve overrides DefaultReserve; negative disables it.
	Reserve int64
}

// pragmas are applied by the driver to every new connection.
func pragmas(busy time.Duration) []string {
	return []string{
		fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()),
		"journal_mode(WAL)",
		"foreign_keys(1)",
		// FULL, not NORMAL: with WAL, NORMAL can lose the last commits on power loss, and an
		// acknowledged change or audit row must never be lost.
		"synchronous(FULL)",
		// Temporary files in memory: the sub-journal of each group-commit savepoint (a copy
		// of every page a job changes, to roll that job back alone) was a temp file opened,
		// written and closed per transaction. It only protects the open transaction: the WAL,
		// fsynced at commit, is what makes a commit durable.
		"temp_store(MEMORY)",
	}
}

// DSN builds the modernc.org/sqlite data source name for path.
func DSN(path string, readOnly bool) string { return dsn(path, readOnly, 5*time.Second) }

func dsn(path string, readOnly bool, busy time.Duration) string {
	q := url.Values{}
	for _, p := range pragmas(busy) {
		q.Add("_pragma", p)
	}
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

// Open opens both pools with production options and checks that the file answers.
func Open(ctx context.Context, path string) (*DB, error) { return OpenWith(ctx, path, Options{}) }

// OpenWith opens both pools and checks that the file answers. It does not migrate.
func OpenWith(ctx context.Context, path string, o Options) (*DB, error) {
	if path == "" {
		return nil, errors.New("db: empty path")
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 5 * time.Second
	}
	switch {
	case o.Reserve == 0:
		o.Reserve = DefaultReserve
	case o.Reserve < 0:
		o.Reserve = 0
	}
	w, err := sql.Open("sqlite", dsn(path, false, o.BusyTimeout))
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
	r, err := sql.Open("sqlite", dsn(path, true, o.BusyTimeout))
	if err != nil {
		w.Close()
		return nil, err
	}
	// Statistics for the planner, kept current: at open (analysing only what needs it, with a
	// bounded effort; best effort — a read-only file still opens) and then periodically.
	optimize(ctx, w, `PRAGMA optimize=0x10002`)
	n := max(4, runtime.NumCPU()*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(5 * time.Minute)
	d := &DB{W: w, R: r, Path: path, Reserve: o.Reserve, free: func() (int64, bool) { return freeBytes(path) },
		jobs: make(chan *job, maxBatch), closed: make(chan struct{}), stopped: make(chan struct{})}
	go d.writer()
	return d, nil
}

// OpenReadOnly opens path for reading only (no writer, nothing created beside a file that
// is not in WAL mode), for checking a backup copy.
func OpenReadOnly(ctx context.Context, path string) (*sql.DB, error) {
	return openRO(ctx, path, "&_pragma=query_only(1)")
}

// OpenForCopy opens path read-only (the file is never created or written) for VACUUM INTO,
// which writes only its target.
func OpenForCopy(ctx context.Context, path string) (*sql.DB, error) {
	return openRO(ctx, path, "")
}

func openRO(ctx context.Context, path, extra string) (*sql.DB, error) {
	r, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)"+extra)
	if err != nil {
		return nil, err
	}
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return r, nil
}

// Close stops the group-commit writer and closes both pools; the writer last so that it
// checkpoints the WAL.
func (d *DB) Close() error {
	select {
	case <-d.closed:
	default:
		close(d.closed)
		<-d.stopped
	}
	return errors.Join(d.R.Close(), d.W.Close())
}

// Ping reports whether the file answers a query.
func (d *DB) Ping(ctx context.Context) error {
	var one int
	return d.R.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Optimize refreshes the planner's statistics where they are stale (cheap when nothing is).
func (d *DB) Optimize(ctx context.Context) error { return optimize(ctx, d.W, `PRAGMA optimize`) }

// optimize runs pragma (PRAGMA optimize, which runs ANALYZE where statistics are stale) and
// keeps only the per-index averages it gathers (sqlite_stat1), dropping the sampled values
// ANALYZE also writes (sqlite_stat4) in the same transaction, so no connection loads them.
//
// Why: a prepared statement whose parameter the planner looked up in those samples is
// compiled again on the first step after every new binding (SQLite's prepare documentation,
// "the statement will be automatically recompiled"). With samples present, nearly every
// query on the request path (user_id = ? on a non-unique index) was parsed and planned on
// every call despite being prepared: a third of the CPU of the customer home page. The
// averages choose the same indexes for ChargeDesk's queries, which the EXPLAIN QUERY PLAN
// tests and the bench on a 10 M-row database check.
func optimize(ctx context.Context, w *sql.DB, pragma string) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, pragma); err != nil {
		return err
	}
	var stat4 int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'`).Scan(&stat4); err != nil {
		return err
	}
	if stat4 > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sqlite_stat4`); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// SetFreeSpace replaces how free disk space is measured (tests).
func (d *DB) SetFreeSpace(f func() (int64, bool)) { d.free = f }

// LowOnSpace reports whether free disk space is below the reserve.
func (d *DB) LowOnSpace() bool {
	if d.Reserve <= 0 || d.free == nil {
		return false
	}
	n, ok := d.free()
	return ok && n < d.Reserve
}

// Tx runs fn as one all-or-nothing write (a savepoint of a group commit, batch.go) and
// returns once it is durable. It is for ordinary writes: when free disk space is below the
// reserve it refuses with ErrLowSpace and changes nothing.
func (d *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if d.LowOnSpace() {
		return ErrLowSpace
	}
	return d.CriticalTx(ctx, fn)
}

// CriticalTx is Tx for the writes the reserve is kept for: audit rows and impersonation
// ends. It may use the reserve. fn runs inside a savepoint of a transaction it may share with
// other writes (group commit, batch.go); it is all or nothing, and CriticalTx returns once
// the commit that holds it is durable.
func (d *DB) CriticalTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return d.submit(ctx, fn)
}
