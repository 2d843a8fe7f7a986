package db

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"chargedesk/queries"
)

// prober remembers when the probe write last succeeded, so that a busy monitor costs at most
// one write a second.
type prober struct {
	mu      sync.Mutex
	wroteAt time.Time
}

// Check reports whether the database answers reads, has free disk space above the reserve
// (ErrLowSpace) and takes writes: a one-row probe write, at most once a second (which also
// finds a read-only or full file). A *CheckError says whether reads or writes failed.
func (d *DB) Check(ctx context.Context) error {
	if err := d.Ping(ctx); err != nil {
		return &CheckError{Reads: true, Err: err}
	}
	if d.LowOnSpace() {
		return ErrLowSpace
	}
	d.probe.mu.Lock()
	defer d.probe.mu.Unlock()
	if time.Since(d.probe.wroteAt) < time.Second {
		return nil
	}
	err := d.CriticalTx(ctx, func(tx *sql.Tx) error {
		return queries.New(tx).TouchHealthProbe(ctx, time.Now().Unix())
	})
	if err != nil {
		return &CheckError{Err: err}
	}
	d.probe.wroteAt = time.Now()
	return nil
}

// CheckError is a failed Check: reads (the file does not answer) or writes.
type CheckError struct {
	Reads bool
	Err   error
}

func (e *CheckError) Error() string {
	if e.Reads {
		return "the database does not answer: " + e.Err.Error()
	}
	return "the database refuses writes: " + e.Err.Error()
}

func (e *CheckError) Unwrap() error { return e.Err }
