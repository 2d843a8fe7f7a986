package limits_test

import (
	"testing"
	"time"

	"chargedesk/audit"
	"chargedesk/limits"
)

var t0 = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// A customer's writes: a burst, then one per interval; a write that changed nothing gives its
// token back; customers do not share a budget.
func TestWrites(t *testing.T) {
	t.Parallel()
	type step struct {
		customer int64
		at       time.Duration // after t0
		undo     bool          // the write changed nothing
		want     bool          // taken
		wait     time.Duration // when refused: how long until the next
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"the burst, then refused with the wait", []step{
			{1, 0, false, true, 0}, {1, 0, false, true, 0}, {1, 0, false, true, 0}, {1, 0, false, false, 3 * time.Second}}},
		{"one more after the interval", []step{
			{1, 0, false, true, 0}, {1, 0, false, true, 0}, {1, 0, false, true, 0}, {1, 3 * time.Second, false, true, 0}, {1, 3 * time.Second, false, false, 3 * time.Second}}},
		{"a write that changed nothing does not count", []step{
			{1, 0, true, true, 0}, {1, 0, true, true, 0}, {1, 0, true, true, 0}, {1, 0, true, true, 0}, {1, 0, false, true, 0}}},
		{"customers have their own budget", []step{
			{1, 0, false, true, 0}, {1, 0, false, true, 0}, {1, 0, false, true, 0}, {2, 0, false, true, 0}, {1, 0, false, false, 3 * time.Second}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := limits.NewWrites(3, 3*time.Second)
			for i, s := range tt.steps {
				undo, wait := w.Take(s.customer, t0.Add(s.at))
				if got := undo != nil; got != s.want || wait != s.wait {
					t.Fatalf("step %d: taken %v, wait %s; want %v, %s", i, got, wait, s.want, s.wait)
				}
				if undo != nil && s.undo {
					undo()
				}
			}
		})
	}
}

// Password guesses: 5 per address and account, then one every 3 minutes; 20 per account from
// anywhere; a success gives its tokens back.
func TestLogins(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		guesses        func(l *limits.Logins) (undo func(), wait time.Duration, perAccount bool)
		wantTaken      bool
		wantPerAccount bool
		wantWait       time.Duration
	}{
		{"the sixth guess from one address is refused", func(l *limits.Logins) (func(), time.Duration, bool) {
			for range 5 {
				l.Take("10.0.0.1", "jane@example.com", t0)
			}
			return l.Take("10.0.0.1", "jane@example.com", t0)
		}, false, false, 3 * time.Minute},
		{"another address still may", func(l *limits.Logins) (func(), time.Duration, bool) {
			for range 5 {
				l.Take("10.0.0.1", "jane@example.com", t0)
			}
			return l.Take("10.0.0.2", "jane@example.com", t0)
		}, true, false, 0},
		{"the 21st guess at an account from many addresses is refused per account", func(l *limits.Logins) (func(), time.Duration, bool) {
			for i := range 20 {
				l.Take(string(rune('a'+i)), "jane@example.com", t0)
			}
			return l.Take("z", "jane@example.com", t0)
		}, false, true, 30 * time.Second},
		{"successes give their tokens back", func(l *limits.Logins) (func(), time.Duration, bool) {
			for range 10 {
				if undo, _, _ := l.Take("10.0.0.1", "jane@example.com", t0); undo != nil {
					undo()
				}
			}
			return l.Take("10.0.0.1", "jane@example.com", t0)
		}, true, false, 0},
		{"three minutes later one more guess", func(l *limits.Logins) (func(), time.Duration, bool) {
			for range 5 {
				l.Take("10.0.0.1", "jane@example.com", t0)
			}
			return l.Take("10.0.0.1", "jane@example.com", t0.Add(3*time.Minute))
		}, true, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			undo, wait, perAccount := tt.guesses(limits.NewLogins())
			if got := undo != nil; got != tt.wantTaken || perAccount != tt.wantPerAccount || wait != tt.wantWait {
				t.Errorf("taken %v, per account %v, wait %s; want %v, %v, %s", got, perAccount, wait, tt.wantTaken, tt.wantPerAccount, tt.wantWait)
			}
		})
	}
}

// Forget drops only full buckets: a customer who used their burst is still limited after it.
func TestForgetKeepsWhatIsStillLimited(t *testing.T) {
	t.Parallel()
	l := limits.New(1, time.Minute)
	l.Writes.Take(1, t0)
	l.Forget(t0.Add(time.Second))
	if undo, _ := l.Writes.Take(1, t0.Add(2*time.Second)); undo != nil {
		t.Error("Forget dropped a bucket that was not full: the limit reset")
	}
	l.Forget(t0.Add(2 * time.Minute))
	if undo, _ := l.Writes.Take(1, t0.Add(2*time.Minute)); undo == nil {
		t.Error("a full bucket refused")
	}
}

// A flood of violations: the first is written at once, the repeats of its minute become one
// row when the minute is over, carrying the count and the last one's details.
func TestViolations(t *testing.T) {
	t.Parallel()
	entry := func(actor int64, ip, path string) audit.Entry {
		return audit.Entry{Tag: audit.TagPrivilegeViolation, Actor: actor, IP: ip, Metadata: map[string]any{"path": path}}
	}
	tests := []struct {
		name      string
		notes     []audit.Entry
		at        []time.Duration
		wantFirst []bool
		dueAt     time.Duration
		all       bool
		wantDue   []int // repeats of each due window
	}{
		{"one violation: written at once, nothing due", []audit.Entry{entry(7, "1.2.3.4", "/admin")}, []time.Duration{0},
			[]bool{true}, 2 * time.Minute, false, nil},
		{"a flood: one row now, one summary a minute later", []audit.Entry{entry(7, "1.2.3.4", "/a"), entry(7, "1.2.3.4", "/b"), entry(7, "1.2.3.4", "/c")},
			[]time.Duration{0, time.Second, 2 * time.Second}, []bool{true, false, false}, time.Minute, false, []int{2}},
		{"not due before the minute is over", []audit.Entry{entry(7, "1.2.3.4", "/a"), entry(7, "1.2.3.4", "/b")},
			[]time.Duration{0, time.Second}, []bool{true, false}, 30 * time.Second, false, nil},
		{"at shutdown every window is due", []audit.Entry{entry(7, "1.2.3.4", "/a"), entry(7, "1.2.3.4", "/b")},
			[]time.Duration{0, time.Second}, []bool{true, false}, 2 * time.Second, true, []int{1}},
		{"another address is another window", []audit.Entry{entry(7, "1.2.3.4", "/a"), entry(7, "5.6.7.8", "/a")},
			[]time.Duration{0, 0}, []bool{true, true}, time.Minute, false, nil},
		{"after the minute the next violation opens a new window", []audit.Entry{entry(7, "1.2.3.4", "/a"), entry(7, "1.2.3.4", "/b"), entry(7, "1.2.3.4", "/c")},
			[]time.Duration{0, time.Second, 61 * time.Second}, []bool{true, false, true}, 62 * time.Second, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := limits.NewViolations()
			for i, e := range tt.notes {
				first, _ := v.Note(e, t0.Add(tt.at[i]))
				if first != tt.wantFirst[i] {
					t.Errorf("note %d: first %v, want %v", i, first, tt.wantFirst[i])
				}
			}
			due := v.Due(t0.Add(tt.dueAt), tt.all)
			if len(due) != len(tt.wantDue) {
				t.Fatalf("%d windows due, want %d", len(due), len(tt.wantDue))
			}
			for i, w := range due {
				s := w.Summary()
				if w.Repeats() != tt.wantDue[i] || s.Metadata["count"] != tt.wantDue[i] || s.Metadata["aggregated"] != true {
					t.Errorf("window %d: %d repeats, summary %v; want %d", i, w.Repeats(), s.Metadata, tt.wantDue[i])
				}
				if s.Metadata["last_path"] != tt.notes[len(tt.notes)-1].Metadata["path"] {
					t.Errorf("summary's last path %v, want the last violation's", s.Metadata["last_path"])
				}
			}
		})
	}
}

// A window that closed is handed back by the next violation of its source, to be written
// before it.
func TestViolationHandsBackTheClosedWindow(t *testing.T) {
	t.Parallel()
	v := limits.NewViolations()
	e := audit.Entry{Tag: audit.TagPrivilegeViolation, Actor: 7, IP: "1.2.3.4"}
	v.Note(e, t0)
	v.Note(e, t0.Add(time.Second))
	first, closed := v.Note(e, t0.Add(2*time.Minute))
	if !first || closed == nil || closed.Repeats() != 1 {
		t.Errorf("first %v, closed %v; want a new window and the old one with 1 repeat", first, closed)
	}
}
