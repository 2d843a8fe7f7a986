package handlers_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"chargedesk/demo"
)

// sessionCookie is the Set-Cookie of a login answer.
func sessionCookie(t *testing.T, r response) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if strings.HasSuffix(c.Name, "chargedesk_session") {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", r.header)
	return nil
}

// How a deployment is reached decides the cookie and the address recorded: over ChargeDesk's
// own TLS, the cookie is __Host- and Secure and HSTS is sent; behind a trusted proxy that
// says https, the same, and the audit records the client's address from X-Forwarded-For;
// from a peer that is not a trusted proxy, neither header is believed; an https public URL
// makes cookies Secure whatever the proxy says.
func TestTLSAndProxies(t *testing.T) {
	t.Parallel()
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	elsewhere := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tc := range []struct {
		name         string
		opts         appOptions
		headers      []string
		secure, hsts bool
		recordedIP   string
	}{
		{"plain HTTP", appOptions{}, nil, false, false, "127.0.0.1"},
		{"ChargeDesk's own TLS", appOptions{tls: true}, nil, true, true, "127.0.0.1"},
		{"a trusted proxy ending TLS", appOptions{proxies: loopback}, []string{"X-Forwarded-For", "203.0.113.9", "X-Forwarded-Proto", "https"}, true, true, "203.0.113.9"},
		{"a peer that is not a trusted proxy", appOptions{proxies: elsewhere}, []string{"X-Forwarded-For", "203.0.113.9", "X-Forwarded-Proto", "https"}, false, false, "127.0.0.1"},
		{"no proxy trusted (the default)", appOptions{}, []string{"X-Forwarded-For", "203.0.113.9", "X-Forwarded-Proto", "https"}, false, false, "127.0.0.1"},
		{"an https public URL", appOptions{publicURL: "https://127.0.0.1"}, nil, true, true, "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ta := newTestAppWith(t, tc.opts)
			c := ta.client()
			r := c.post("/login", url.Values{"email": {demo.AdminEmail}, "password": {demo.DefaultPassword}}, tc.headers...)
			if r.status != http.StatusSeeOther {
				t.Fatalf("login: %d", r.status)
			}
			ck := sessionCookie(t, r)
			if ck.Secure != tc.secure || strings.HasPrefix(ck.Name, "__Host-") != tc.secure {
				t.Errorf("cookie %s Secure=%v, want Secure and __Host- = %v", ck.Name, ck.Secure, tc.secure)
			}
			if got := r.header.Get("Strict-Transport-Security") != ""; got != tc.hsts {
				t.Errorf("HSTS sent: %v, want %v", got, tc.hsts)
			}
			var ip string
			ta.db.R.QueryRow(`SELECT ip FROM auth_audit WHERE tag = 'login.success' ORDER BY id DESC LIMIT 1`).Scan(&ip)
			if ip != tc.recordedIP {
				t.Errorf("the audit recorded %q, want %q", ip, tc.recordedIP)
			}
		})
	}
}
