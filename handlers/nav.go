package handlers

import (
	"bytes"
	"html/template"
	"strconv"
	"sync"

	"chargedesk/queries"
)

// fragments holds pieces of the layout as html/template rendered them, keyed by everything
// they show, so that the pieces every page repeats are escaped once instead of on every
// request: the customer nav (per marker and current entry) and the audit page's rows (the
// impersonation banner has its own, bannerMemo). The values are html/template's own output,
// escaped as it was written; a key holds every input, so a cached piece is exactly what
// rendering again would give. At most fragmentCacheSize pieces are kept; when full the cache starts again.
type fragments[K comparable] struct {
	mu sync.RWMutex
	m  map[K]template.HTML
}

const fragmentCacheSize = 1024

// get is the piece for k, rendered by render the first time.
func (f *fragments[K]) get(k K, render func(*bytes.Buffer) error) (template.HTML, error) {
	f.mu.RLock()
	h, ok := f.m[k]
	f.mu.RUnlock()
	if ok {
		return h, nil
	}
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return "", err
	}
	h = template.HTML(buf.String()) // html/template's own output
	f.mu.Lock()
	if f.m == nil || len(f.m) >= fragmentCacheSize {
		f.m = make(map[K]template.HTML)
	}
	f.m[k] = h
	f.mu.Unlock()
	return h, nil
}

// layoutPieces renders the customer nav and the banner from the "customer_nav" and "banner"
// partials of t.
type layoutPieces struct {
	t       *template.Template
	navs    fragments[navKey]
	banners bannerMemo
}

type navKey struct {
	as  int64
	nav string
}

// nav is the customer surface's navigation for marker as (0: the customer's own) with the
// entry nav current. It has no user data: constant paths and labels, and the marker.
func (l *layoutPieces) nav(as int64, nav string) (template.HTML, error) {
	return l.navs.get(navKey{as, nav}, func(buf *bytes.Buffer) error {
		q := ""
		if as != 0 {
			q = "?as=" + strconv.FormatInt(as, 10)
		}
		return l.t.ExecuteTemplate(buf, "customer_nav", struct {
			AsQ     string
			Current map[string]bool
		}{q, map[string]bool{nav: true}})
	})
}

// banner is the ImpersonationBanner showing b, rendered.
func (l *layoutPieces) banner(b *bannerData) (template.HTML, error) {
	var buf bytes.Buffer
	if err := l.t.ExecuteTemplate(&buf, "banner", b); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil // html/template's own output
}

// bannerMemo holds each impersonation's banner as last built and rendered: every page of an
// impersonation shows the same one until its minutes left change, so it is built about once
// a minute rather than on every request. An entry is used only when everything it shows is
// what the request read (the impersonation row, the customer's name and public id, the
// minutes left), so it is exactly what building it again would give. At most
// fragmentCacheSize are kept; when full it starts again.
type bannerMemo struct {
	mu sync.Mutex
	m  map[int64]*bannerData
}

// get is the banner of imp showing (name, publicID, left), or nil.
func (m *bannerMemo) get(imp queries.Impersonation, name, publicID string, left int64) *bannerData {
	m.mu.Lock()
	b := m.m[imp.ID]
	m.mu.Unlock()
	if b != nil && b.Imp == imp && b.CustomerName == name && b.PublicID == publicID && b.MinutesLeft == left {
		return b
	}
	return nil
}

// put keeps b (which is never changed afterwards) as its impersonation's banner.
func (m *bannerMemo) put(b *bannerData) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil || len(m.m) >= fragmentCacheSize {
		m.m = make(map[int64]*bannerData)
	}
	m.m[b.Imp.ID] = b
}
