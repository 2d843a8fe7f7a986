package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"

	"chargedesk/db/dbtest"
)

// Concurrent writes share commits (group commit), yet each is all or nothing on its own: a
// write that fails or panics is rolled back alone, the others commit, and every caller is
// answered only after its commit.
func TestGroupCommitKeepsEachWriteAtomic(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	if _, err := d.W.Exec(`CREATE TABLE t (n INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	before := d.Batches()
	var wg sync.WaitGroup
	errs := make([]error, 200)
	for i := range 200 {
		wg.Go(func() {
			errs[i] = d.CriticalTx(context.Background(), func(tx *sql.Tx) error {
				if _, err := tx.Exec(`INSERT INTO t (n, v) VALUES (?, 'a')`, i); err != nil {
					return err
				}
				if _, err := tx.Exec(`INSERT INTO t (n, v) VALUES (?, 'b')`, 1000+i); err != nil {
					return err
				}
				switch i % 50 {
				case 7:
					return errors.New("refused")
				case 9:
					panic("a bug")
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		var n int
		d.R.QueryRow(`SELECT count(*) FROM t WHERE n IN (?, ?)`, i, 1000+i).Scan(&n)
		failed := i%50 == 7 || i%50 == 9
		if (err != nil) != failed || (failed && n != 0) || (!failed && n != 2) {
			t.Errorf("write %d: err %v, %d of its 2 rows", i, err, n)
		}
	}
	if b := d.Batches() - before; b >= 200 {
		t.Errorf("200 concurrent writes took %d commits; want fewer (group commit)", b)
	} else {
		t.Logf("200 concurrent writes in %d commits", b)
	}
}

// A caller that gave up before its turn changes nothing.
func TestGroupCommitSkipsCancelledWrites(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	d.W.Exec(`CREATE TABLE t (n INTEGER PRIMARY KEY)`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := d.CriticalTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO t (n) VALUES (1)`)
		return err
	})
	var n int
	d.R.QueryRow(`SELECT count(*) FROM t`).Scan(&n)
	if !errors.Is(err, context.Canceled) || n != 0 {
		t.Errorf("cancelled write: %v, %d rows", err, n)
	}
	if err := d.CriticalTx(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO t (n) VALUES (2)`)
		return err
	}); err != nil {
		t.Fatal(fmt.Errorf("the writer should go on: %w", err))
	}
}

// A write alone in its commit (no savepoint then) is all or nothing too: one that fails or
// panics after writing leaves nothing, and the writer goes on; a large one commits whole.
func TestALoneWriteIsAtomic(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	if _, err := d.W.Exec(`CREATE TABLE t (n INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	count := func() (n int) { d.R.QueryRow(`SELECT count(*) FROM t`).Scan(&n); return n }
	for _, fail := range []func() error{
		func() error { return errors.New("refused") },
		func() error { panic("a bug") },
	} {
		err := d.CriticalTx(context.Background(), func(tx *sql.Tx) error {
			for i := range 3 {
				if _, err := tx.Exec(`INSERT INTO t (n, v) VALUES (?, 'x')`, i); err != nil {
					return err
				}
			}
			return fail()
		})
		if err == nil || count() != 0 {
			t.Errorf("a failed lone write: %v, %d rows left", err, count())
		}
	}
	// A failing statement inside a lone write fails the write and keeps nothing of it.
	err := d.CriticalTx(context.Background(), func(tx *sql.Tx) error {
		tx.Exec(`INSERT INTO t (n, v) VALUES (1, 'a')`)
		_, err := tx.Exec(`INSERT INTO t (n, v) VALUES (1, 'dup')`)
		return err
	})
	if err == nil || count() != 0 {
		t.Errorf("a lone write with a failing statement: %v, %d rows", err, count())
	}
	if err := d.CriticalTx(context.Background(), func(tx *sql.Tx) error {
		st, err := tx.Prepare(`INSERT INTO t (n, v) VALUES (?, 'bulk')`)
		if err != nil {
			return err
		}
		defer st.Close()
		for i := range 50_000 {
			if _, err := st.Exec(i); err != nil {
				return err
			}
		}
		return nil
	}); err != nil || count() != 50_000 {
		t.Fatalf("a bulk lone write: %v, %d rows", err, count())
	}
}
