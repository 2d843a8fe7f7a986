package limits

import (
	"sync"
	"time"

	"chargedesk/audit"
)

// Violations aggregates privilege violations: the first from a user and address in a minute
// is written at once; the rest of that minute are counted and written as one row when the
// minute is over (Due), so a flood costs one row a minute, and none is dropped.
type Violations struct {
	mu   sync.Mutex
	open map[violationKey]*Window
}

type violationKey struct {
	actor int64
	ip    string
}

// Window is the violations of one user and address in one minute after the first.
type Window struct {
	start time.Time
	more  int
	last  audit.Entry
}

// WindowLen is how long a window counts repeats.
const WindowLen = time.Minute

// NewViolations makes an empty set of windows.
func NewViolations() *Violations { return &Violations{open: map[violationKey]*Window{}} }

// Note counts e at now and says whether it opens a window (write it now); a window of the
// same source that is over is handed back to be written first.
func (v *Violations) Note(e audit.Entry, now time.Time) (first bool, closed *Window) {
	v.mu.Lock()
	defer v.mu.Unlock()
	k := violationKey{e.Actor, e.IP}
	w := v.open[k]
	if w != nil && now.Sub(w.start) < WindowLen {
		w.more++
		w.last = e
		return false, nil
	}
	if w != nil && w.more > 0 {
		closed = w
	}
	v.open[k] = &Window{start: now, last: e}
	return true, closed
}

// Due takes the windows that are over at now (all of them when all is set) and that counted
// repeats: each is written as its Summary.
func (v *Violations) Due(now time.Time, all bool) []*Window {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []*Window
	for k, w := range v.open {
		if all || now.Sub(w.start) >= WindowLen {
			delete(v.open, k)
			if w.more > 0 {
				out = append(out, w)
			}
		}
	}
	return out
}

// Repeats is how many violations the window counted after its first.
func (w *Window) Repeats() int { return w.more }

// Summary is the row that stands for the repeats of a window.
func (w *Window) Summary() audit.Entry {
	e := w.last
	meta := map[string]any{"count": w.more, "window_start": w.start.Unix(), "window_s": int(WindowLen.Seconds()), "aggregated": true}
	for k, v := range w.last.Metadata {
		meta["last_"+k] = v
	}
	e.Metadata = meta
	return e
}
