package db

import (
	"context"
	"database/sql"
	"fmt"
)

// Group commit. Every write transaction goes through one goroutine that owns the writer
// connection: it takes the jobs queued while the previous commit was being made durable, runs
// each inside a savepoint of one transaction (a job that fails is rolled back alone), and
// commits them together — one fsync for the lot under synchronous(FULL). Each caller gets its
// answer only after the commit that holds its job, so nothing is acknowledged before it is
// durable. Under light load a batch is one job, as before.

// maxBatch bounds how many jobs share a commit.
const maxBatch = 256

type job struct {
	ctx  context.Context
	fn   func(*sql.Tx) error
	done chan error
}

// submit queues fn and waits for the commit that holds it. Once queued, it always waits for
// the answer: a job that may be running is never reported as failed before it is known.
func (d *DB) submit(ctx context.Context, fn func(*sql.Tx) error) error {
	j := &job{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case d.jobs <- j:
	case <-ctx.Done():
		return ctx.Err()
	case <-d.closed:
		return sql.ErrConnDone
	}
	return <-j.done
}

// writer runs batches until Close.
func (d *DB) writer() {
	defer close(d.stopped)
	for {
		var first *job
		select {
		case first = <-d.jobs:
		case <-d.closed:
			return
		}
		batch := []*job{first}
	more:
		for len(batch) < maxBatch {
			select {
			case j := <-d.jobs:
				batch = append(batch, j)
			default:
				break more
			}
		}
		d.runBatch(batch)
	}
}

// Batches is how many group commits the writer has made (tests and benchmarks).
func (d *DB) Batches() int64 { return d.batches.Load() }

// runBatch runs the jobs in one transaction, each in its own savepoint.
func (d *DB) runBatch(batch []*job) {
	d.batches.Add(1)
	tx, err := d.W.BeginTx(context.Background(), nil)
	if err != nil {
		for _, j := range batch {
			j.done <- err
		}
		return
	}
	if len(batch) == 1 {
		// One job (light load, a bulk load): no savepoint. Its failure rolls back the whole
		// transaction, which is the job. (Under a savepoint SQLite keeps a statement journal
		// of the job's every page and walks it at each statement's end: a job of many
		// thousand rows grew quadratically — 30 000 audit rows took 98 s, 91 % of it there.)
		j := batch[0]
		if err := j.ctx.Err(); err != nil {
			tx.Rollback()
			j.done <- err
			return
		}
		if err := call(j.fn, tx); err != nil {
			tx.Rollback()
			j.done <- err
			return
		}
		j.done <- tx.Commit()
		return
	}
	var committed []*job
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			j.done <- err // the caller gave up before it ran: nothing of it was written
			continue
		}
		if _, err := tx.Exec(`SAVEPOINT job`); err != nil {
			d.abort(tx, append(committed, batch[i:]...), err)
			return
		}
		if err := call(j.fn, tx); err != nil {
			// Roll this job back alone. If even that fails, SQLite has rolled back the whole
			// transaction (disk full, an interrupted statement): nothing in it is committed.
			if _, rerr := tx.Exec(`ROLLBACK TO job`); rerr != nil {
				d.abort(tx, append(committed, batch[i+1:]...), err)
				j.done <- err
				return
			}
			tx.Exec(`RELEASE job`)
			j.done <- err
			continue
		}
		if _, err := tx.Exec(`RELEASE job`); err != nil {
			d.abort(tx, append(committed, batch[i:]...), err)
			return
		}
		committed = append(committed, j)
	}
	err = tx.Commit()
	for _, j := range committed {
		j.done <- err
	}
}

// abort rolls back and tells every job in jobs that nothing of it was committed.
func (d *DB) abort(tx *sql.Tx, jobs []*job, err error) {
	tx.Rollback()
	for _, j := range jobs {
		j.done <- err
	}
}

// call runs fn, turning a panic into an error so one bad job cannot stop the writer.
func call(fn func(*sql.Tx) error, tx *sql.Tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("db: a write panicked: %v", v)
		}
	}()
	return fn(tx)
}
