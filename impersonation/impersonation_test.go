package impersonation_test

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"testing"
	"time"

	"chargedesk/access"
	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/db/dbtest"
	"chargedesk/demo"
	"chargedesk/errs"
	"chargedesk/impersonation"
	"chargedesk/queries"
)

var ctx = context.Background()

var startAsked = impersonation.Asked{Method: "POST", Route: "/api/customer/impersonation/start", Status: 303}

type world struct {
	d                          *db.DB
	trail                      *audit.Trail
	admin, support, jane, omar int64
	now                        time.Time
}

func newWorld(t *testing.T) *world {
	t.Helper()
	d := dbtest.Seeded(t)
	id := func(email string) int64 { return dbtest.UserID(t, d, email) }
	return &world{d: d, trail: audit.NewTrail(audit.NewKey()), admin: id(demo.AdminEmail), support: id(demo.SupportEmail),
		jane: id(demo.JaneEmail), omar: id(demo.OmarEmail), now: time.Now()}
}

func (w *world) start(admin, customer int64, allow bool) (queries.Impersonation, error) {
	return impersonation.Start(ctx, w.d, w.trail, impersonation.Request{Admin: admin, Customer: customer, Ticket: "SUP-7", Reason: "repro",
		AllowChanges: allow, TTL: 30 * time.Minute, Asked: startAsked}, w.now)
}

// mustStart starts the admin's read-only impersonation of Jane.
func (w *world) mustStart(t *testing.T) queries.Impersonation {
	t.Helper()
	imp, err := w.start(w.admin, w.jane, false)
	if err != nil {
		t.Fatal(err)
	}
	return imp
}

func (w *world) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := w.d.R.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Who may start what: every refusal has its code and starts nothing.
func TestStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		start    func(w *world) (queries.Impersonation, error)
		wantCode errs.Code // -1: started
		wantErr  error
	}{
		{"an admin, read-only", func(w *world) (queries.Impersonation, error) { return w.start(w.admin, w.jane, false) }, -1, nil},
		{"an admin, with changes", func(w *world) (queries.Impersonation, error) { return w.start(w.admin, w.jane, true) }, -1, nil},
		{"support, read-only", func(w *world) (queries.Impersonation, error) { return w.start(w.support, w.jane, false) }, -1, nil},
		{"support may not allow changes", func(w *world) (queries.Impersonation, error) { return w.start(w.support, w.jane, true) }, errs.Forbidden, nil},
		{"a customer may not impersonate", func(w *world) (queries.Impersonation, error) { return w.start(w.omar, w.jane, false) }, errs.Forbidden, nil},
		{"nobody by that id", func(w *world) (queries.Impersonation, error) { return w.start(w.admin, 999999, false) }, errs.NotFound, nil},
		{"not yourself", func(w *world) (queries.Impersonation, error) { return w.start(w.admin, w.admin, false) }, errs.Invalid, nil},
		{"not another staff member", func(w *world) (queries.Impersonation, error) { return w.start(w.admin, w.support, false) }, errs.Invalid, nil},
		{"a ticket is required", func(w *world) (queries.Impersonation, error) {
			return impersonation.Start(ctx, w.d, w.trail, impersonation.Request{Admin: w.admin, Customer: w.jane, Reason: "r", TTL: time.Minute, Asked: startAsked}, w.now)
		}, errs.Invalid, nil},
		{"a second one while one is active", func(w *world) (queries.Impersonation, error) {
			w.start(w.admin, w.omar, false)
			return w.start(w.admin, w.jane, false)
		}, -1, impersonation.ErrAlreadyActive},
		{"an expired one on record ends first", func(w *world) (queries.Impersonation, error) {
			w.start(w.admin, w.omar, false)
			w.now = w.now.Add(time.Hour)
			return w.start(w.admin, w.jane, false)
		}, -1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			starts := w.count(t, `SELECT count(*) FROM auth_audit WHERE tag = 'impersonation.start'`)
			imp, err := tt.start(w)
			switch {
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("start: %v, want %v", err, tt.wantErr)
				}
			case tt.wantCode >= 0:
				if e, ok := errs.As(err); !ok || e.Code != tt.wantCode {
					t.Fatalf("start: %v, want code %d", err, tt.wantCode)
				}
				if w.count(t, `SELECT count(*) FROM auth_audit WHERE tag = 'impersonation.start'`) != starts {
					t.Error("a refused start wrote an impersonation.start row")
				}
			default:
				if err != nil || imp.ID == 0 {
					t.Fatalf("start: %v", err)
				}
				// Its start row and its first page row are in the same transaction.
				if w.count(t, `SELECT count(*) FROM impersonation_audit WHERE impersonation_id = ? AND route = ?`, imp.ID, startAsked.Route) != 1 {
					t.Error("the start has no impersonation_audit row")
				}
			}
		})
	}
}

// Two racing starts by one admin: one succeeds, the other is ErrAlreadyActive.
func TestRacingStartsGiveOne(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, already := 0, 0
	for _, cust := range []int64{w.jane, w.omar, w.jane, w.omar, w.jane, w.omar, w.jane, w.omar} {
		wg.Go(func() {
			_, err := w.start(w.admin, cust, false)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, impersonation.ErrAlreadyActive):
				already++
			default:
				t.Errorf("start: %v", err)
			}
		})
	}
	wg.Wait()
	if ok != 1 || already != 7 {
		t.Errorf("%d started, %d already active; want 1 and 7", ok, already)
	}
}

// Every end has its row, once: an end of an ended impersonation changes nothing.
func TestEnd(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	imp := w.mustStart(t)
	for i, want := range []bool{true, false} {
		ended, auditErr, err := impersonation.End(ctx, w.d, w.trail, imp, access.ViaExit, w.now, "", "")
		if ended != want || auditErr != nil || err != nil {
			t.Errorf("end %d: ended %v (%v, %v), want %v", i+1, ended, auditErr, err, want)
		}
	}
	if n := w.count(t, `SELECT count(*) FROM auth_audit WHERE tag = 'impersonation.end' AND impersonation_id = ?`, imp.ID); n != 1 {
		t.Errorf("%d end rows, want 1", n)
	}
}

// Extend: the end moves by a step, never past the maximum after the start; an ended or
// missing impersonation cannot be extended.
func TestExtend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		after    time.Duration // since the start
		max      time.Duration
		wantCode errs.Code // -1: extended
		wantEnd  time.Duration
	}{
		{"by a step", 25 * time.Minute, 2 * time.Hour, -1, 60 * time.Minute},
		{"capped at the maximum", 25 * time.Minute, 45 * time.Minute, -1, 45 * time.Minute},
		{"already at the maximum", 25 * time.Minute, 30 * time.Minute, errs.Conflict, 0},
		{"expired: ended, not extended", 31 * time.Minute, 2 * time.Hour, errs.Conflict, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			imp := w.mustStart(t)
			got, err := impersonation.Extend(ctx, w.d, w.trail, impersonation.ExtendRequest{Admin: w.admin, Step: 30 * time.Minute, Max: tt.max,
				Idle: time.Hour, Asked: impersonation.Asked{Method: "POST", Route: "/api/customer/impersonation/extend", Status: 303}}, w.now.Add(tt.after))
			if tt.wantCode >= 0 {
				if errs.CodeOf(err) != tt.wantCode {
					t.Fatalf("extend: %v, want code %d", err, tt.wantCode)
				}
				return
			}
			if err != nil || got.ExpiresAt != imp.StartedAt+int64(tt.wantEnd/time.Second) {
				t.Errorf("extend: %v, ends %ds after the start; want %s", err, got.ExpiresAt-imp.StartedAt, tt.wantEnd)
			}
		})
	}
	w := newWorld(t)
	if _, err := impersonation.Extend(ctx, w.d, w.trail, impersonation.ExtendRequest{Admin: w.admin, Step: time.Minute, Max: time.Hour}, w.now); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("extend without an impersonation: %v, want NotFound", err)
	}
}

// The sweep ends what must end, each with its row: expired (server_restart at start-up),
// idle, and leaves the rest.
func TestSweep(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		after     time.Duration
		idle      time.Duration
		atStartup bool
		wantVia   string // "" stays active
	}{
		{"active and recent stays", time.Minute, 10 * time.Minute, false, ""},
		{"expired", 31 * time.Minute, time.Hour, false, access.ViaExpired},
		{"expired, found at start-up", 31 * time.Minute, time.Hour, true, access.ViaServerRestart},
		{"idle", 11 * time.Minute, 10 * time.Minute, false, "idle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			imp := w.mustStart(t)
			g := impersonation.NewGuard(impersonation.GuardConfig{DB: w.d, Trail: w.trail, Now: func() time.Time { return w.now.Add(tt.after) }, Idle: tt.idle})
			g.Sweep(ctx, tt.atStartup)
			var via string
			w.d.R.QueryRow(`SELECT coalesce(end_via, '') FROM impersonations WHERE id = ?`, imp.ID).Scan(&via)
			if via != tt.wantVia {
				t.Errorf("end_via %q, want %q", via, tt.wantVia)
			}
			if rows := w.count(t, `SELECT count(*) FROM auth_audit WHERE tag = 'impersonation.end' AND impersonation_id = ?`, imp.ID); (rows == 1) != (tt.wantVia != "") {
				t.Errorf("%d end rows for end_via %q", rows, via)
			}
		})
	}
}

// The guard records a page read once a minute, a write every time, and a read again after
// the minute; concurrent first views share one row.
func TestGuardRecordsPages(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	imp := w.mustStart(t)
	now := w.now
	g := impersonation.NewGuard(impersonation.GuardConfig{DB: w.d, Trail: w.trail, Now: func() time.Time { return now }, Idle: time.Hour})
	page := func(method, addr string) impersonation.Page {
		u, _ := url.Parse(addr)
		return impersonation.Page{Method: method, Route: u.Path, URL: u, Status: 200, Outcome: audit.Viewed}
	}
	rows := func() int {
		return w.count(t, `SELECT count(*) FROM impersonation_audit WHERE impersonation_id = ? AND route != ?`, imp.ID, startAsked.Route)
	}
	steps := []struct {
		name     string
		advance  time.Duration
		method   string
		addr     string
		write    bool
		wantRows int
		wantSeen bool // Seen before recording
	}{
		{"a first view is recorded", 0, "GET", "/sessions?as=3", false, 1, false},
		{"its reload within the minute is not", 10 * time.Second, "GET", "/sessions?as=3", false, 1, true},
		{"another address is", 0, "GET", "/sessions/12?as=3", false, 2, false},
		{"a write always is", 0, "POST", "/cards?as=3", true, 3, false},
		{"the same write again is too", 0, "POST", "/cards?as=3", true, 4, false},
		{"the first page after the minute is again", 61 * time.Second, "GET", "/sessions?as=3", false, 5, false},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		p := page(s.method, s.addr)
		if seen := !s.write && g.Seen(imp.ID, s.method, p.URL); seen != s.wantSeen {
			t.Errorf("%s: Seen %v, want %v", s.name, seen, s.wantSeen)
		}
		if err := g.Record(ctx, imp, p, s.write); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := rows(); got != s.wantRows {
			t.Errorf("%s: %d rows, want %d", s.name, got, s.wantRows)
		}
	}
	// 50 concurrent first views of a new page: one row.
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { g.Record(ctx, imp, page("GET", "/cards?as=3"), false) })
	}
	wg.Wait()
	if n := w.count(t, `SELECT count(*) FROM impersonation_audit WHERE impersonation_id = ? AND path = '/cards?as=3' AND method = 'GET'`, imp.ID); n != 1 {
		t.Errorf("50 racing first views wrote %d rows, want 1", n)
	}
}

// A second pair of eyes is independent only if the requester has not made the approver's
// account or password link lately: 7 days after the link, the approval counts again.
func TestApprovalNeedsAnIndependentColleague(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		linkAgo  time.Duration // the requester issued the approver's link this long ago; 0: never
		byOther  bool          // the link came from someone else
		wantCode errs.Code     // -1: approved
	}{
		{"a colleague the requester never touched", 0, false, -1},
		{"a link the requester issued yesterday", 24 * time.Hour, false, errs.Forbidden},
		{"a link the requester issued six days ago", 6 * 24 * time.Hour, false, errs.Forbidden},
		{"a link the requester issued eight days ago", 8 * 24 * time.Hour, false, -1},
		{"a link another admin issued yesterday", 24 * time.Hour, true, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			alex := dbtest.UserID(t, w.d, "alex@chargedesk.test")
			if _, err := w.d.W.Exec(`UPDATE users SET protected_reason = 'Legal hold' WHERE id = ?`, w.jane); err != nil {
				t.Fatal(err)
			}
			var need *impersonation.ApprovalNeeded
			if _, err := w.start(w.support, w.jane, false); !errors.As(err, &need) {
				t.Fatalf("start on a protected customer: %v, want a request", err)
			}
			if tt.linkAgo > 0 {
				issuer := w.support
				if tt.byOther {
					issuer = alex
				}
				if _, err := w.d.W.Exec(`INSERT INTO password_tokens (token_hash, user_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
					"h-"+tt.name, w.admin, issuer, w.now.Add(-tt.linkAgo).Unix(), w.now.Add(-tt.linkAgo+24*time.Hour).Unix()); err != nil {
					t.Fatal(err)
				}
			}
			_, err := impersonation.Approve(ctx, w.d, w.trail, w.admin, need.ApprovalID, "", "", w.now)
			if tt.wantCode < 0 && err != nil || tt.wantCode >= 0 && errs.CodeOf(err) != tt.wantCode {
				t.Errorf("approve: %v (code %d), want code %d", err, errs.CodeOf(err), tt.wantCode)
			}
		})
	}
}
