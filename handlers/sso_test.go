package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"

	"chargedesk/demo"
	"chargedesk/sso"
)

// idp is an OpenID provider in this process: zitadel/oidc's example provider (its login
// form, its token endpoint, its signing key), with a hook that rewrites the claims of the ID
// tokens it issues, re-signed with its own key — a provider that lies or is misconfigured.
type idp struct {
	issuer  string
	srv     *httptest.Server
	store   *storage.Storage
	mu      sync.Mutex
	rewrite func(claims map[string]any)
}

// idpUsers are the provider's accounts: a staff member with a verified email, the same with
// the email not verified, and someone ChargeDesk does not know.
const idpUsers = `{
 "u1": {"ID": "u1", "Username": "sam", "Password": "idp-pass", "FirstName": "Sam", "LastName": "S", "Email": "admin@chargedesk.test", "EmailVerified": true, "PreferredLanguage": "en"},
 "u2": {"ID": "u2", "Username": "unverified", "Password": "idp-pass", "FirstName": "Al", "LastName": "X", "Email": "alex@chargedesk.test", "EmailVerified": false, "PreferredLanguage": "en"},
 "u3": {"ID": "u3", "Username": "stranger", "Password": "idp-pass", "FirstName": "Str", "LastName": "Anger", "Email": "stranger@example.com", "EmailVerified": true, "PreferredLanguage": "en"},
 "u4": {"ID": "u4", "Username": "jane", "Password": "idp-pass", "FirstName": "Jane", "LastName": "Doe", "Email": "jane@example.com", "EmailVerified": true, "PreferredLanguage": "en"}
}`

// newIDP makes the provider (not serving yet: start it once ChargeDesk's address is known).
func newIDP(t *testing.T) *idp {
	p := &idp{srv: httptest.NewUnstartedServer(nil)}
	p.issuer = "http://" + p.srv.Listener.Addr().String()
	t.Cleanup(p.srv.Close)
	return p
}

// start registers ChargeDesk (client chargedesk, its callback at app) and serves.
func (p *idp) start(t *testing.T, app string) {
	file := filepath.Join(t.TempDir(), "users.json")
	os.WriteFile(file, []byte(idpUsers), 0o600)
	users, err := storage.StoreFromFile(file)
	if err != nil {
		t.Fatal(err)
	}
	p.store = storage.NewStorageWithClients(users, map[string]*storage.Client{
		"chargedesk": storage.WebClient("chargedesk", "chargedesk-secret", app+"/login/sso/callback"),
	})
	router := exampleop.SetupServer(p.issuer, p.store, nil, false)
	p.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		rewrite := p.rewrite
		p.mu.Unlock()
		if r.URL.Path != "/oauth/token" || rewrite == nil {
			router.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		router.ServeHTTP(rec, r)
		var body map[string]any
		json.Unmarshal(rec.Body.Bytes(), &body)
		if raw, ok := body["id_token"].(string); ok {
			body["id_token"] = p.resign(t, raw, rewrite)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		json.NewEncoder(w).Encode(body)
	})
	p.srv.Start()
}

func (p *idp) resign(t *testing.T, raw string, rewrite func(map[string]any)) string {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	tok.UnsafeClaimsWithoutVerification(&claims)
	rewrite(claims)
	key, err := p.store.SigningKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: key.SignatureAlgorithm(), Key: key.Key()},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", key.ID()))
	if err != nil {
		t.Fatal(err)
	}
	out, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (p *idp) setRewrite(f func(map[string]any)) {
	p.mu.Lock()
	p.rewrite = f
	p.mu.Unlock()
}

// ssoApp is ChargeDesk with single sign-on at a fresh provider.
func ssoApp(t *testing.T, trustMFA, noStaffPasswords bool) (*testApp, *idp) {
	p := newIDP(t)
	prov, err := sso.New(sso.Config{Issuer: p.issuer, ClientID: "chargedesk", ClientSecret: "chargedesk-secret", TrustMFA: trustMFA})
	if err != nil {
		t.Fatal(err)
	}
	ta := newTestAppWith(t, appOptions{requireMFA: true, sso: prov, noStaffPasswords: noStaffPasswords})
	p.start(t, ta.srv.URL)
	return ta, p
}

// ssoLogin signs in at the provider as username in a new browser that follows redirects,
// and returns that browser (as a client that no longer follows them) and the last answer.
func ssoLogin(t *testing.T, ta *testApp, p *idp, username string) (*client, *http.Response, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	res, err := hc.Get(ta.srv.URL + "/login/sso")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	id := res.Request.URL.Query().Get("authRequestID")
	if !strings.HasPrefix(res.Request.URL.String(), p.issuer+"/login/username") || id == "" {
		t.Fatalf("/login/sso did not lead to the provider's login: %d at %s", res.StatusCode, res.Request.URL)
	}
	res, err = hc.PostForm(p.issuer+"/login/username", url.Values{"username": {username}, "password": {"idp-pass"}, "id": {id}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &client{t: t, base: ta.srv.URL, http: hc}, res, string(body)
}

// A staff member signs in through the provider: matched by verified email, recorded with the
// provider's methods; a staff member with a factor still takes the second step when the
// provider's second factor is not trusted.
func TestSingleSignOnSignsStaffIn(t *testing.T) {
	t.Parallel()
	ta, p := ssoApp(t, false, false)
	secret, _ := ta.enrolTOTP(demo.AdminEmail)
	b, res, _ := ssoLogin(t, ta, p, "sam")
	if res.Request.URL.Path != "/login/verify" {
		t.Fatalf("after the provider, with an untrusted provider and a TOTP factor: at %s, want /login/verify", res.Request.URL)
	}
	if r := b.post("/login/verify", url.Values{"code": {ta.code(secret)}}); r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin" {
		t.Fatalf("second step after SSO: %d to %q", r.status, r.header.Get("Location"))
	}
	if r := b.get("/admin"); r.status != http.StatusOK {
		t.Fatalf("console after SSO and a code: %d", r.status)
	}
	// A verified email of no staff account (a customer's, a stranger's): no session.
	for _, who := range []string{"stranger", "jane"} {
		_, res, body := ssoLogin(t, ta, p, who)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "No active ChargeDesk staff account has the email") {
			t.Errorf("SSO as %s: %d %.200s", who, res.StatusCode, body)
		}
	}
	if m := ta.lastAudit("login.failure"); m["via"] != "sso" || m["why"] != "no active staff account" {
		t.Errorf("the refusal's row: %v", m)
	}
}

// With --oidc-trust-mfa, the provider's amr saying it checked a second factor signs in
// without ChargeDesk's own; the row names factor sso.
func TestSingleSignOnTrustsTheProvidersSecondFactor(t *testing.T) {
	t.Parallel()
	ta, p := ssoApp(t, true, true)
	p.setRewrite(func(c map[string]any) { c["amr"] = []string{"pwd", "otp"} })
	b, res, _ := ssoLogin(t, ta, p, "sam")
	if res.Request.URL.Path != "/admin" || res.StatusCode != http.StatusOK {
		t.Fatalf("trusted SSO with a second factor: %d at %s, want the console", res.StatusCode, res.Request.URL)
	}
	if m := ta.lastAudit("login.success"); m["factor"] != "sso" || m["via"] != "sso" {
		t.Errorf("login.success: %v", m)
	}
	// Its step-up counts for the window: an admin action proceeds.
	if r := b.post("/admin/settings/impersonation", url.Values{"enabled": {"false"}, "reason": {"Drill"}}); r.status == http.StatusUnauthorized {
		t.Errorf("kill switch right after a trusted SSO sign-in: %d", r.status)
	}
	// After the window, step-up sends a staff member whose only factor is the provider's
	// back to it.
	ta.advanceKeepingLogin(b, 16*time.Minute)
	if r := b.post("/admin/settings/impersonation", url.Values{"enabled": {"true"}, "reason": {"Drill over"}}); r.status != http.StatusUnauthorized || !strings.Contains(r.body, "/login/sso?reauth=1") {
		t.Errorf("kill switch 16 min after a trusted SSO sign-in: %d, want 401 offering to sign in again", r.status)
	}
	// The provider's password alone (amr pwd) is not a second factor: without one of
	// ChargeDesk's, the policy sends the staff member to enrol; with one, to the second step.
	p.setRewrite(func(c map[string]any) { c["amr"] = []string{"pwd"} })
	if _, res, _ := ssoLogin(t, ta, p, "sam"); res.Request.URL.Path != "/account/security" {
		t.Errorf("SSO with amr pwd only and no factor: at %s, want /account/security", res.Request.URL)
	}
	ta.enrolTOTP(demo.AdminEmail)
	if _, res, _ := ssoLogin(t, ta, p, "sam"); res.Request.URL.Path != "/login/verify" {
		t.Errorf("SSO with amr pwd only and a TOTP factor: at %s, want /login/verify", res.Request.URL)
	}
	// --staff-password-login off: a staff member's right password is refused.
	r := ta.client().post("/login", url.Values{"email": {demo.AdminEmail}, "password": {demo.DefaultPassword}})
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "single sign-on") {
		t.Errorf("staff password with password login off: %d %.200s", r.status, r.body)
	}
	j := ta.client()
	j.login(demo.JaneEmail) // customers keep their password
}

// Answers that must not sign anyone in, each refused with a sentence and a login.failure row:
// a token for another nonce, another audience, an expired one, an unverified email, a
// callback without the flow's state.
func TestSingleSignOnRefusesBadAnswers(t *testing.T) {
	t.Parallel()
	ta, p := ssoApp(t, false, false)
	now := func() float64 { return float64(time.Now().Unix()) }
	for _, tc := range []struct {
		name, user, why, says string
		rewrite               func(map[string]any)
	}{
		{"wrong nonce", "sam", "nonce mismatch", "nonce does not match", func(c map[string]any) { c["nonce"] = "someone-elses" }},
		{"wrong audience", "sam", "wrong audience", "meant for another application", func(c map[string]any) { c["aud"] = []string{"another-app"} }},
		{"expired", "sam", "token expired", "had expired", func(c map[string]any) { c["iat"], c["exp"] = now()-7200, now()-3600 }},
		{"unverified email", "unverified", "email not verified", "has not verified this account", nil},
	} {
		p.setRewrite(tc.rewrite)
		b, res, body := ssoLogin(t, ta, p, tc.user)
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, tc.says) {
			t.Errorf("%s: %d %s", tc.name, res.StatusCode, body[strings.Index(body, "<main"):])
		}
		if r := b.get("/admin"); r.status != http.StatusSeeOther || !toLogin(r.header.Get("Location")) {
			t.Errorf("%s: a session exists after the refusal (%d)", tc.name, r.status)
		}
		if m := ta.lastAudit("login.failure"); m["via"] != "sso" || m["why"] != tc.why {
			t.Errorf("%s: row %v, want why %q", tc.name, m, tc.why)
		}
	}
	p.setRewrite(nil)
	// A callback with a code but no flow of this browser (a link someone sent).
	r := ta.client().get("/login/sso/callback?state=x&code=y")
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "did not start here") {
		t.Errorf("callback without a flow: %d %.200s", r.status, r.body)
	}
	// The provider refusing (error=access_denied).
	if r := ta.client().get("/login/sso/callback?error=access_denied"); r.status != http.StatusUnauthorized || !bytes.Contains([]byte(r.body), []byte("did not sign you in")) {
		t.Errorf("provider error: %d", r.status)
	}
}
