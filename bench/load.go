// Package bench measures pages under load: a closed loop of concurrent clients against a
// running server for a fixed time, reporting throughput and latency percentiles, side by side
// with a bare-page anchor measured the same way in the same run (`chargedesk bench`).
package bench

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Page is one address to measure, with the headers its client sends (a session cookie, an
// Accept).
type Page struct {
	Name   string
	URL    string
	Header http.Header
}

// Result is one page's figures.
type Result struct {
	Page           Page
	Requests, Errs int
	PerSecond      float64
	P50, P99, Max  time.Duration
	elapsed        time.Duration
	latencies      []time.Duration // sorted
}

// Merge combines the results of one page measured in several rounds: requests over the
// total time, percentiles over every answer.
func Merge(rs ...Result) Result {
	var m Result
	for _, r := range rs {
		m.Page, m.Requests, m.Errs, m.elapsed = r.Page, m.Requests+r.Requests, m.Errs+r.Errs, m.elapsed+r.elapsed
		m.latencies = append(m.latencies, r.latencies...)
	}
	return summarize(m)
}

// summarize sorts the latencies and fills in the rate and percentiles.
func summarize(r Result) Result {
	slices.Sort(r.latencies)
	r.Requests = len(r.latencies)
	if r.elapsed > 0 {
		r.PerSecond = float64(r.Requests) / r.elapsed.Seconds()
	}
	if n := len(r.latencies); n > 0 {
		r.P50, r.P99, r.Max = r.latencies[n/2], r.latencies[min(n-1, n*99/100)], r.latencies[n-1]
	}
	return r
}

// Run keeps conns requests in flight against p for d and measures every answer. A non-2xx
// answer counts as an error.
func Run(ctx context.Context, p Page, conns int, d time.Duration) Result {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r := Loop(ctx, conns, d, func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL, nil)
		req.Header = p.Header.Clone()
		res, err := hc.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode >= 300 {
			return errors.New(res.Status)
		}
		return nil
	})
	r.Page = p
	return r
}

// Loop calls f from n workers, each again as soon as its last call returned, for d, and
// measures every call; an error counts as one (unless the run's time was up).
func Loop(ctx context.Context, n int, d time.Duration, f func(context.Context) error) Result {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var all []time.Duration
	errs := 0
	var wg sync.WaitGroup
	start := time.Now()
	for range n {
		wg.Go(func() {
			var mine []time.Duration
			bad := 0
			for ctx.Err() == nil {
				t0 := time.Now()
				if err := f(ctx); err != nil {
					if ctx.Err() == nil {
						bad++
					}
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			errs += bad
			mu.Unlock()
		})
	}
	wg.Wait()
	return summarize(Result{Errs: errs, elapsed: time.Since(start), latencies: all})
}
