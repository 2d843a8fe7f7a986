package impersonation

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/queries"
)

// Guard keeps two promises of an impersonation across requests:
//
//   - Every start has its end, retried until committed. An end the database refused is held
//     (Ending reports it, and no customer page is shown for it) until Sweep commits it.
//   - Every customer page an impersonation shows is recorded: a read at most once per
//     (impersonation, method, address) per minute, a write always (Record). The minute's
//     memory is a cache of rows the database holds, set only after a commit or a lookup
//     that found the row; racing first views of one page share one lookup and one row.
//
// It takes plain values, never an HTTP request; main builds one and hands it to the HTTP
// layer and to the maintenance loop.
type Guard struct {
	db     *db.DB
	trail  *audit.Trail
	reader *queries.Queries
	log    *slog.Logger
	now    func() time.Time
	idle   time.Duration

	ending   pendingEnds
	routes   recentRoutes
	requests lastRequests
	viewing  singleflight.Group
}

// GuardConfig is what a Guard needs.
type GuardConfig struct {
	DB    *db.DB
	Trail *audit.Trail
	// Reader looks up recent route rows; nil means unprepared queries on DB's reader pool.
	Reader *queries.Queries
	Log    *slog.Logger
	Now    func() time.Time
	// Idle ends an impersonation with no request for this long (Sweep).
	Idle time.Duration
}

// NewGuard makes a Guard.
func NewGuard(c GuardConfig) *Guard {
	if c.Reader == nil {
		c.Reader = queries.New(c.DB.R)
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Guard{db: c.DB, trail: c.Trail, reader: c.Reader, log: c.Log, now: c.Now, idle: c.Idle,
		ending: pendingEnds{m: map[int64]pendingEnd{}}, requests: lastRequests{m: map[int64]int64{}}}
}

// From is who asked for an end: the request's address, browser and id (for the log). The
// sweep's ends come from ChargeDesk itself.
type From struct{ IP, UserAgent, RequestID string }

var fromChargeDesk = From{UserAgent: "chargedesk"}

// End ends imp with via, with its impersonation.end row in the same transaction. When only
// the row failed, the end stands (logged loudly; the row is written later by Sweep). err
// means the end itself was not committed: the impersonation is held as ending (Ending) and
// Sweep retries.
func (g *Guard) End(ctx context.Context, imp queries.Impersonation, via string, from From) (bool, error) {
	ended, auditErr, err := End(ctx, g.db, g.trail, imp, via, g.now(), from.IP, from.UserAgent)
	if auditErr != nil {
		g.log.Error("AUDIT WRITE FAILED: impersonation ended, its impersonation.end row is owed and will be written when the database takes it",
			"request_id", from.RequestID, "impersonation_id", imp.ID, "via", via, "err", auditErr)
	}
	if err != nil {
		g.ending.add(imp, via)
		g.log.Error("IMPERSONATION END NOT COMMITTED: no customer page is shown for it until it ends",
			"request_id", from.RequestID, "impersonation_id", imp.ID, "via", via, "err", err)
		return false, err
	}
	g.ending.remove(imp.ID)
	g.requests.forget(imp.ID)
	return ended, nil
}

// Ending reports an impersonation whose end was refused and is being retried.
func (g *Guard) Ending(id int64) bool { return g.ending.has(id) }

// Sweep keeps "every start has its end": it retries ends that could not be committed, ends
// every impersonation that must end, each with its impersonation.end row (at start-up,
// expired ones end as server_restart), and writes end rows still owed.
func (g *Guard) Sweep(ctx context.Context, atStartup bool) {
	for _, p := range g.ending.list() {
		ended, auditErr, err := End(ctx, g.db, g.trail, p.imp, p.via, g.now(), fromChargeDesk.IP, fromChargeDesk.UserAgent)
		if err != nil {
			continue // still refused; tried again next time
		}
		g.ending.remove(p.imp.ID)
		if auditErr != nil {
			g.log.Error("AUDIT WRITE FAILED: impersonation ended, its end row is owed", "impersonation_id", p.imp.ID, "err", auditErr)
		}
		if ended {
			g.log.Info("ended an impersonation whose end had been refused", "impersonation_id", p.imp.ID, "via", p.via)
		}
	}
	n, err := sweep(ctx, g.db, g.trail, g.now(), g.idle, atStartup, g.LastActive)
	if err != nil && ctx.Err() == nil {
		g.log.Error("AUDIT: impersonation sweep", "err", err)
	}
	if n > 0 {
		g.log.Info("ended stale impersonations", "count", n, "at_startup", atStartup)
	}
	owed, err := RecordOwedEnds(ctx, g.db, g.trail, g.now())
	if err != nil && ctx.Err() == nil {
		g.log.Error("AUDIT: owed impersonation.end rows", "err", err)
	}
	if owed > 0 {
		g.log.Warn("wrote impersonation.end rows that were owed", "count", owed)
	}
}

// Touch notes a request of impersonation imp answered at now. Idle is measured from the last
// request, not from the last recorded row: a reload within the minute is not recorded again
// (Record), yet it is the agent at work.
func (g *Guard) Touch(imp int64, now time.Time) { g.requests.note(imp, now.Unix()) }

// LastActive is the later of recorded (the impersonation's newest audit row, or its start)
// and its last request seen by this process. After a restart it is the recorded one, at most
// a minute (RouteDedupe) earlier than the truth: an impersonation can end a minute early
// then, never late.
func (g *Guard) LastActive(imp int64, recorded time.Time) time.Time {
	if at, ok := g.requests.get(imp); ok && at > recorded.Unix() {
		return time.Unix(at, 0)
	}
	return recorded
}

// lastRequests is the moment of each active impersonation's last request in this process.
type lastRequests struct {
	mu sync.Mutex
	m  map[int64]int64
}

func (l *lastRequests) note(imp, at int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.m) >= maxRecentRoutes {
		clear(l.m) // bounded: forgetting only makes an idle end come sooner (LastActive)
	}
	if at > l.m[imp] {
		l.m[imp] = at
	}
}

func (l *lastRequests) get(imp int64) (int64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	at, ok := l.m[imp]
	return at, ok
}

func (l *lastRequests) forget(imp int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, imp)
}

// Page is one customer-surface request of an impersonation, as its row records it.
type Page struct {
	Method  string   // GET, POST
	Route   string   // the route it matched: /sessions/:id
	URL     *url.URL // the address asked: /sessions/12?as=3
	Status  int      // its answer
	Outcome string   // audit.Viewed, Changed or Blocked
}

// RouteDedupe is how long a viewed page's row stands for its reloads.
const RouteDedupe = time.Minute

// Seen reports that a read of u by impersonation imp was recorded in the last minute: the
// page can be answered without waiting for a row (there is one, and a reload is not
// recorded twice).
func (g *Guard) Seen(imp int64, method string, u *url.URL) bool {
	return g.routes.seen(routeKey{imp, method, u.Path, u.RawQuery}, g.now().Add(-RouteDedupe).Unix())
}

// Record commits the impersonation_audit row of page p of imp: a read at most once per
// (impersonation, method, address) per minute — so the record says which receipt was seen,
// not only that a receipt was — a write always. The row uses the disk reserve, and a client
// that hangs up does not cancel it.
func (g *Guard) Record(ctx context.Context, imp queries.Impersonation, p Page, write bool) error {
	if write {
		return g.write(ctx, imp, p)
	}
	key := routeKey{imp.ID, p.Method, p.URL.Path, p.URL.RawQuery}
	// Concurrent first views of one page (a reload storm, a tab restored twice) share one
	// lookup and one row: the others wait for it and get its result.
	_, err, _ := g.viewing.Do(fmt.Sprint(key), func() (any, error) {
		since := g.now().Add(-RouteDedupe).Unix()
		if g.routes.seen(key, since) { // recorded by a flight that just ended
			return nil, nil
		}
		n, err := g.reader.RecentRouteAudit(ctx, queries.RecentRouteAuditParams{ImpersonationID: imp.ID, Method: p.Method,
			Path: audit.Truncate(p.URL.RequestURI(), audit.MaxPath), Since: since})
		if err == nil && n > 0 {
			g.routes.note(key, since+1) // its row is at least this recent
			return nil, nil
		}
		return nil, g.write(ctx, imp, p)
	})
	return err
}

// write commits the impersonation_audit row of p.
func (g *Guard) write(ctx context.Context, imp queries.Impersonation, p Page) error {
	now := g.now()
	ctx, cancel := audit.Detached(ctx)
	defer cancel()
	err := g.db.CriticalTx(ctx, func(tx *sql.Tx) error {
		_, err := g.trail.WriteRoute(ctx, tx, now.Unix(), audit.RouteEntry{
			ImpersonationID: imp.ID, Admin: imp.AdminUserID, Customer: imp.CustomerUserID,
			Method: p.Method, Route: p.Route, Path: p.URL.RequestURI(), Status: p.Status, Outcome: p.Outcome,
		})
		return err
	})
	if err == nil {
		g.routes.note(routeKey{imp.ID, p.Method, p.URL.Path, p.URL.RawQuery}, now.Unix())
	}
	return err
}

// pendingEnds holds the impersonations whose end could not be committed (the database
// refused the write).
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

// recentRoutes remembers, for the last minute, which pages of which impersonation this
// process has seen recorded, so that a page reloaded within the minute needs no lookup: a
// cache of a fact the database holds (route rows are never deleted), set only after a commit
// or a lookup that found the row, never instead of writing one.
type recentRoutes struct {
	mu sync.Mutex
	m  map[routeKey]int64 // the moment its row was recorded, or a lower bound of it
}

type routeKey struct {
	imp                 int64
	method, path, query string
}

// maxRecentRoutes bounds the memory: past it, the cache starts again empty.
const maxRecentRoutes = 10_000

// seen reports a row for k recorded after since.
func (r *recentRoutes) seen(k routeKey, since int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	at, ok := r.m[k]
	return ok && at > since
}

func (r *recentRoutes) note(k routeKey, at int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil || len(r.m) >= maxRecentRoutes {
		r.m = make(map[routeKey]int64)
	}
	r.m[k] = max(r.m[k], at)
}
