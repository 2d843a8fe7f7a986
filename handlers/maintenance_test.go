package handlers_test

import (
	"context"
	"testing"
	"time"
)

// The meter simulator runs only in the demo: a real deployment never gets made-up readings.
func TestMeterSimulatorRunsOnlyInTheDemo(t *testing.T) {
	for _, demo := range []bool{false, true} {
		ta := newTestAppWith(t, appOptions{simulate: demo, every: 20 * time.Millisecond})
		readings := func() int { return ta.count(`SELECT count(*) FROM meter_readings`) }
		before := readings()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { ta.app.RunMaintenance(ctx); close(done) }()
		deadline := time.Now().Add(2 * time.Second)
		for readings() == before && time.Now().Before(deadline) {
			ta.advance(time.Minute) // the feed adds a reading when time has passed
			time.Sleep(30 * time.Millisecond)
		}
		cancel()
		<-done
		if grew := readings() > before; grew != demo {
			t.Errorf("simulate=%v: readings %d → %d", demo, before, readings())
		}
	}
}
