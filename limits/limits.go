// Package limits keeps ChargeDesk's in-memory limits: how many changes one customer's account
// takes in a short time, how many password guesses an address and an account get, and the
// windows that fold a flood of privilege violations into one audit row a minute.
//
// It holds no clock and no database: every call takes the moment it is about, so the rules
// are tested alone with a table of instants (limits_test.go). The HTTP layer asks, and the
// maintenance loop calls Forget and Violations.Due.
package limits

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits are every limit of one server.
type Limits struct {
	Writes     *Writes
	Logins     *Logins
	Violations *Violations
}

// New makes the limits: a customer's account takes writeBurst changes at once, then one per
// writeEvery (zero means 20 and 3 s).
func New(writeBurst int, writeEvery time.Duration) *Limits {
	if writeBurst <= 0 {
		writeBurst = 20
	}
	if writeEvery <= 0 {
		writeEvery = 3 * time.Second
	}
	return &Limits{Writes: NewWrites(writeBurst, writeEvery), Logins: NewLogins(), Violations: NewViolations()}
}

// Forget drops the buckets that are full again, so memory holds only recent keys.
func (l *Limits) Forget(now time.Time) {
	l.Writes.customer.forget(now)
	l.Logins.forget(now)
}

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

// forget drops the buckets that are full again.
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

// Writes bounds each customer's customer-surface writes: one account cannot fill the disk
// with cards and reservations.
type Writes struct {
	mu       sync.Mutex
	customer *buckets[int64]
}

// NewWrites allows burst writes per customer at once, then one per every.
func NewWrites(burst int, every time.Duration) *Writes {
	w := &Writes{}
	w.customer = newBuckets[int64](&w.mu, burst, every)
	return w
}

// Take takes one write for customer at now, or says how long until the next one. The write
// that took it gives it back (undo) when it changed nothing: only changes count.
func (w *Writes) Take(customer int64, now time.Time) (undo func(), wait time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r, wait := w.customer.reserve(customer, now)
	if r == nil {
		return nil, wait
	}
	return giveBack(&w.mu, now, r), 0
}

// Logins bounds password guesses, checked and counted in one step before the password is
// compared (so 100 parallel guesses cannot all be checked): per address and account, 5, then
// one every 3 minutes; per account from anywhere, 20, then one every 30 seconds — an account
// under attack is slowed down, never locked out for its owner. A successful login gives its
// tokens back.
type Logins struct {
	mu      sync.Mutex
	pair    *buckets[[2]string]
	account *buckets[string]
}

// NewLogins makes the login limits.
func NewLogins() *Logins {
	l := &Logins{}
	l.pair = newBuckets[[2]string](&l.mu, 5, 3*time.Minute)
	l.account = newBuckets[string](&l.mu, 20, 30*time.Second)
	return l
}

// Take reserves one attempt for ip and email at now; undo gives it back (a success).
// perAccount says which limit refused: the account's (from anywhere) or the address's.
func (l *Logins) Take(ip, email string, now time.Time) (undo func(), wait time.Duration, perAccount bool) {
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

func (l *Logins) forget(now time.Time) {
	l.pair.forget(now)
	l.account.forget(now)
}
