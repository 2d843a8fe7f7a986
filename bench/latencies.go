package bench

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// Latencies gathers the latencies of events measured elsewhere (a charge point's OCPP calls,
// its reconnections), safe for concurrent use.
type Latencies struct {
	mu    sync.Mutex
	took  []time.Duration
	errs  int
	first error
}

// Add records one event: how long it took, and whether it failed.
func (l *Latencies) Add(took time.Duration, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.errs++
		if l.first == nil {
			l.first = err
		}
		return
	}
	l.took = append(l.took, took)
}

// Reset forgets what was recorded.
func (l *Latencies) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.took, l.errs, l.first = nil, 0, nil
}

// Summary is what was recorded: "N p50 P p99 Q max M errors E" in milliseconds, with the
// first error's text when there was one.
func (l *Latencies) Summary() string {
	l.mu.Lock()
	took := slices.Clone(l.took)
	errs, first := l.errs, l.first
	l.mu.Unlock()
	r := summarize(Result{latencies: took})
	s := fmt.Sprintf("%d p50 %.1f p99 %.1f max %.1f errors %d", r.Requests, ms(r.P50), ms(r.P99), ms(r.Max), errs)
	if first != nil {
		s += " (first: " + first.Error() + ")"
	}
	return s
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
