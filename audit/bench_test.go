package audit_test

import (
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/db/dbtest"
)

// Audited writes, one transaction each with synchronous(FULL): the chain of before the key
// (plain SHA-256) beside the keyed one, to show what the key costs.
//
//	go test ./audit -run '^$' -bench AuditLog
func BenchmarkAuditLog(b *testing.B) {
	for _, tc := range []struct {
		name  string
		trail *audit.Trail
	}{{"unkeyed-before", audit.UnkeyedTrail()}, {"keyed", audit.NewTrail(audit.NewKey())}} {
		b.Run(tc.name, func(b *testing.B) {
			d := dbtest.Open(b)
			e := audit.Entry{Tag: audit.TagLoginSuccess, Actor: 1, IP: "127.0.0.1", Metadata: map[string]any{"email": "a@b.test"}}
			for b.Loop() {
				if _, err := tc.trail.Log(ctx, d, time.Now(), e); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
		})
	}
}

// audit verify over a large chain: CHARGEDESK_VERIFY_ROWS rows (default 1 000 000) of
// auth_audit, built with the keyed writer, then verified from a read-only connection.
//
//	go test ./audit -run '^$' -bench VerifyLarge -benchtime 1x
func BenchmarkVerifyLarge(b *testing.B) {
	rows := 1_000_000
	if n, err := strconv.Atoi(os.Getenv("CHARGEDESK_VERIFY_ROWS")); err == nil && n > 0 {
		rows = n
	}
	d := dbtest.Open(b)
	tr := audit.NewTrail(audit.NewKey())
	start := time.Now()
	err := d.CriticalTx(ctx, func(tx *sql.Tx) error {
		at := time.Now().Add(-365 * 24 * time.Hour)
		for i := range rows {
			e := audit.Entry{Tag: audit.TagLoginSuccess, Actor: int64(i%5000 + 1), IP: "10.0.0.1", Metadata: map[string]any{"email": fmt.Sprintf("u%d@example.com", i%5000)}}
			if _, err := tr.Write(ctx, tx, at.Add(time.Duration(i)*time.Second), e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := tr.Checkpoint(ctx, d, "", time.Now(), false); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d keyed rows in %s", rows, time.Since(start).Round(time.Second))
	r, err := db.OpenReadOnly(ctx, d.Path)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	for b.Loop() {
		rep, err := tr.Verify(ctx, r, "", time.Now())
		if err != nil || rep.AuthRows != int64(rows) {
			b.Fatalf("verify: %+v %v", rep, err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/verify")
}

// Audited writes from 16 concurrent callers, one transaction each as the callers see it,
// synchronous(FULL): group commit shares the fsyncs.
//
//	go test ./audit -run '^$' -bench AuditLogConcurrent -benchtime 20s
func BenchmarkAuditLogConcurrent(b *testing.B) {
	d := dbtest.Open(b)
	tr := audit.NewTrail(audit.NewKey())
	e := audit.Entry{Tag: audit.TagLoginSuccess, Actor: 1, IP: "127.0.0.1", Metadata: map[string]any{"email": "a@b.test"}}
	before := d.Batches()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := tr.Log(ctx, d, time.Now(), e); err != nil {
				b.Error(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
	b.ReportMetric(float64(b.N)/float64(max(1, d.Batches()-before)), "writes/commit")
}
