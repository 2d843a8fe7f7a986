package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"chargedesk/audit"
	"chargedesk/demo"
)

// cmdDemoScale is `chargedesk demo --scale customers=N,sessions=N,audit=N`: the demo, grown to
// benchmark size with realistic shapes and a valid keyed audit chain.
func cmdDemoScale(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dbPath := newFlags("demo --scale customers=N,sessions=N,audit=N", "Seeds the demo (when the database is empty) and grows it for benchmarks: customers (a few fleets among them),\ncompleted sessions with receipts and readings over two years, and audit rows in a valid keyed chain.", stdout)
	scale := fs.String("scale", "", "sizes, e.g. customers=100000,sessions=5000000,audit=10000000")
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return fmt.Errorf("unexpected argument %q", pos[0])
	}
	if *scale == "" {
		fs.Usage()
		return errors.New("demo needs --scale")
	}
	sc, err := demo.ParseScale(*scale, demo.Scale{})
	if err != nil {
		return err
	}
	started := time.Now()
	d, keyless, err := openMigrated(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := demo.SeedIfEmpty(ctx, d, demo.DefaultPassword, time.Now()); err != nil {
		return err
	}
	trail, _, err := openTrail(ctx, d, auditKeyFile("", *dbPath), audit.CheckpointFileFor(*dbPath), keyless)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Growing %s by %d customers, %d sessions, %d audit rows…\n", *dbPath, sc.Customers, sc.Sessions, sc.Audit)
	if err := demo.Grow(ctx, d, trail, sc, time.Now(), stdout); err != nil {
		return err
	}
	if _, err := trail.Checkpoint(ctx, d, audit.CheckpointFileFor(*dbPath), time.Now(), false); err != nil {
		return err
	}
	if _, err := d.W.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Done in %s. The biggest fleet logs in as %s (password %q); support agents support01@chargedesk.test … support10.\n",
		time.Since(started).Round(time.Second), demo.FleetEmail(1), demo.DefaultPassword)
	return nil
}
