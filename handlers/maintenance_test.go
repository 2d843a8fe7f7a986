package handlers_test

import (
	"context"
	"testing"
	"time"
)

// Meter readings come only from charge points: maintenance writes none (there is no
// database-writing simulator), and a connected charge point's MeterValues add them.
func TestMeterReadingsComeOnlyFromChargePoints(t *testing.T) {
	t.Parallel()
	ta := newTestAppWith(t, appOptions{every: 20 * time.Millisecond})
	readings := func() int { return ta.count(`SELECT count(*) FROM meter_readings`) }
	before := readings()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { ta.svc.Tasks.Run(ctx, ta.every); close(done) }()
	for range 10 {
		ta.advance(time.Minute)
		time.Sleep(30 * time.Millisecond)
	}
	cancel()
	<-done
	if n := readings(); n != before {
		t.Fatalf("without charge points, maintenance changed the readings: %d → %d", before, n)
	}
	ta.connectChargePoints()
	deadline := time.Now().Add(5 * time.Second)
	for readings() == before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if readings() == before {
		t.Error("the charging session's charge point sent no meter values that reached the database")
	}
}
