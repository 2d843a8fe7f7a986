package handlers

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"chargedesk/audit"
	"chargedesk/errs"
	"chargedesk/queries"
)

// buckets is a token bucket per key (in memory), taken and given back under one lock: the
// write limits per customer and the login limits per address and account are both made of it.
type buckets[K comparable] struct {
	mu    *sync.Mutex
	burst int
	every time.Duration
	m     map[K]*rate.Limiter
}

func newBuckets[K comparable](mu *sync.Mutex, burst int, every time.Duration) *buckets[K] {
	return &buckets[K]{mu: mu, burst: burst, every: every, m: map[K]*rate.Limiter{}}
}

// reserve takes one token for k at now (the caller holds mu), or says how long until one is
// free, taking nothing.
func (b *buckets[K]) reserve(k K, now time.Time) (*rate.Reservation, time.Duration) {
	l := b.m[k]
	if l == nil {
		l = rate.NewLimiter(rate.Every(b.every), b.burst)
		b.m[k] = l
	}
	r := l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return nil, d
	}
	return r, 0
}

// forget drops the buckets that are full again, so the map holds only recent keys.
func (b *buckets[K]) forget(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k, l := range b.m {
		if l.TokensAt(now) >= float64(b.burst) {
			delete(b.m, k)
		}
	}
}

// giveBack returns the tokens of reservations made at now.
func giveBack(mu *sync.Mutex, now time.Time, rs ...*rate.Reservation) func() {
	return func() {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range rs {
			r.CancelAt(now)
		}
	}
}

// writeLimits bounds each customer's customer-surface writes: one account cannot fill the
// disk with cards and reservations.
type writeLimits struct {
	mu       sync.Mutex
	customer *buckets[int64]
}

func newWriteLimits(burst int, every time.Duration) *writeLimits {
	w := &writeLimits{}
	w.customer = newBuckets[int64](&w.mu, burst, every)
	return w
}

// take takes one write for customer at now, or says how long until the next one. The write
// that took it gives it back (undo) when it changed nothing: only changes count.
func (w *writeLimits) take(customer int64, now time.Time) (undo func(), wait time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r, wait := w.customer.reserve(customer, now)
	if r == nil {
		return nil, wait
	}
	return giveBack(&w.mu, now, r), 0
}

// limitWrite runs the rest of a customer-surface write if the customer has a write left, and
// gives it back when the write changed nothing (an error status). It reports whether the
// write ran.
func (a *App) limitWrite(c *gin.Context, customer int64) bool {
	undo, wait := a.writes.take(customer, a.now())
	if undo == nil {
		a.tooManyWrites(c, wait)
		return false
	}
	c.Next()
	if c.Writer.Status() >= 400 {
		undo()
	}
	return true
}

// tooManyWrites answers 429 with Retry-After; nothing is changed.
func (a *App) tooManyWrites(c *gin.Context, wait time.Duration) {
	secs := int(math.Ceil(wait.Seconds()))
	c.Header("Retry-After", fmt.Sprint(secs))
	a.fail(c, &errs.Error{Code: errs.TooMany, Title: "Too many changes",
		Message: fmt.Sprintf("Too many changes to this account in a short time, so this one was not made. Wait %d seconds and try again.", secs)})
}

// violations aggregates privilege violations: the first from a user and address in a minute
// is written at once; the rest of that minute are counted and written as one row when the
// minute is over (flush), so a flood costs one row a minute, and none is dropped.
type violations struct {
	mu   sync.Mutex
	open map[violationKey]*violationWindow
}

type violationKey struct {
	actor int64
	ip    string
}

type violationWindow struct {
	start time.Time
	more  int
	last  audit.Entry
}

const violationWindowLen = time.Minute

// note counts e and says whether it opens a window (write it now); a window of the same
// source that is over is handed back to be written first.
func (v *violations) note(e audit.Entry, now time.Time) (first bool, closed *violationWindow) {
	v.mu.Lock()
	defer v.mu.Unlock()
	k := violationKey{e.Actor, e.IP}
	w := v.open[k]
	if w != nil && now.Sub(w.start) < violationWindowLen {
		w.more++
		w.last = e
		return false, nil
	}
	if w != nil && w.more > 0 {
		closed = w
	}
	v.open[k] = &violationWindow{start: now, last: e}
	return true, closed
}

// due takes the windows that are over (all of them when all is set).
func (v *violations) due(now time.Time, all bool) []*violationWindow {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []*violationWindow
	for k, w := range v.open {
		if all || now.Sub(w.start) >= violationWindowLen {
			delete(v.open, k)
			if w.more > 0 {
				out = append(out, w)
			}
		}
	}
	return out
}

// summary is the row that stands for the repeats of a window.
func (w *violationWindow) summary() audit.Entry {
	e := w.last
	meta := map[string]any{"count": w.more, "window_start": w.start.Unix(), "window_s": int(violationWindowLen.Seconds()), "aggregated": true}
	for k, v := range w.last.Metadata {
		meta["last_"+k] = v
	}
	e.Metadata = meta
	return e
}

// flushViolations writes the rows of the windows that are over.
func (a *App) flushViolations(all bool) {
	for _, w := range a.violations.due(a.now(), all) {
		if _, err := a.trail.Log(context.Background(), a.db, a.now(), w.summary()); err != nil {
			a.Log.Error("AUDIT WRITE FAILED: aggregated privilege_violation", "count", w.more, "err", err)
		}
	}
}

// pendingEnds holds the impersonations whose end could not be committed (the database
// refused the write). No customer page is shown for them; maintenance retries the end.
type pendingEnds struct {
	mu sync.Mutex
	m  map[int64]pendingEnd
}

type pendingEnd struct {
	imp queries.Impersonation
	via string
}

func (p *pendingEnds) add(imp queries.Impersonation, via string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m[imp.ID] = pendingEnd{imp, via}
}

func (p *pendingEnds) has(id int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.m[id]
	return ok
}

func (p *pendingEnds) remove(id int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, id)
}

func (p *pendingEnds) list() []pendingEnd {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]pendingEnd, 0, len(p.m))
	for _, e := range p.m {
		out = append(out, e)
	}
	return out
}

// loginLimits bounds password guesses, checked and counted in one step before the password
// is compared (so 100 parallel guesses cannot all be checked): per address and account, 5,
// then one every 3 minutes; per account from anywhere, 20, then one every 30 seconds — an
// account under attack is slowed down, never locked out for its owner. A successful login
// gives its tokens back.
type loginLimits struct {
	mu      sync.Mutex
	pair    *buckets[[2]string]
	account *buckets[string]
}

func newLoginLimits() *loginLimits {
	l := &loginLimits{}
	l.pair = newBuckets[[2]string](&l.mu, 5, 3*time.Minute)
	l.account = newBuckets[string](&l.mu, 20, 30*time.Second)
	return l
}

// take reserves one attempt for ip and email at now; undo gives it back (a success).
func (l *loginLimits) take(ip, email string, now time.Time) (undo func(), wait time.Duration, perAccount bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rp, wait := l.pair.reserve([2]string{ip, email}, now)
	if rp == nil {
		return nil, wait, false
	}
	ra, wait := l.account.reserve(email, now)
	if ra == nil {
		rp.CancelAt(now)
		return nil, wait, true
	}
	return giveBack(&l.mu, now, rp, ra), 0, false
}

// forget drops full buckets.
func (l *loginLimits) forget(now time.Time) {
	l.pair.forget(now)
	l.account.forget(now)
}
