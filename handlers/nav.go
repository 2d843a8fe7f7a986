package handlers

import (
	"bytes"
	"html/template"
	"strconv"
	"sync"
)

// fragments holds pieces of the layout as html/template rendered them, keyed by everything
// they show, so that the pieces every page repeats are escaped once instead of on every
// request: the customer nav (per marker and current entry) and the impersonation banner
// (per impersonation and minute). The values are html/template's own output, escaped as it
// was written; a key holds every input, so a cached piece is exactly what rendering again
// would give. At most fragmentCacheSize pieces are kept; when full the cache starts again.
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
	banners fragments[bannerData]
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

// banner is the ImpersonationBanner showing b (which changes once a minute, with its
// minutes left).
func (l *layoutPieces) banner(b *bannerData) (template.HTML, error) {
	return l.banners.get(*b, func(buf *bytes.Buffer) error { return l.t.ExecuteTemplate(buf, "banner", b) })
}
