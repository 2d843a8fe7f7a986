package handlers

import (
	"bytes"
	"html/template"
	"strconv"
	"sync"
)

// customerNavs holds the customer surface's navigation as html/template rendered it, per
// impersonation marker and current entry. The nav has no user data (constant paths and
// labels, and the marker, an integer), so a rendering can serve every request that has the
// same two: seven links escaped once instead of on every page. At most navCacheSize
// renderings are kept; when full the cache starts again.
type customerNavs struct {
	mu sync.RWMutex
	m  map[navKey]template.HTML
	t  *template.Template // a page set that has the "customer_nav" partial
}

type navKey struct {
	as  int64
	nav string
}

const navCacheSize = 1024

// html is the nav for marker as (0: the customer's own) with the entry nav current.
func (n *customerNavs) html(as int64, nav string) (template.HTML, error) {
	k := navKey{as, nav}
	n.mu.RLock()
	h, ok := n.m[k]
	n.mu.RUnlock()
	if ok {
		return h, nil
	}
	var buf bytes.Buffer
	q := ""
	if as != 0 {
		q = "?as=" + strconv.FormatInt(as, 10)
	}
	if err := n.t.ExecuteTemplate(&buf, "customer_nav", struct {
		AsQ     string
		Current map[string]bool
	}{q, map[string]bool{nav: true}}); err != nil {
		return "", err
	}
	h = template.HTML(buf.String()) // html/template's own output, escaped as it was written
	n.mu.Lock()
	if n.m == nil || len(n.m) >= navCacheSize {
		n.m = make(map[navKey]template.HTML)
	}
	n.m[k] = h
	n.mu.Unlock()
	return h, nil
}
