// Package sso is single sign-on for staff with OpenID Connect (coreos/go-oidc and
// x/oauth2): the authorization code flow with PKCE, state and nonce. It proves who a person
// is — a verified email at the identity provider, and whether the provider says it checked a
// second factor — and nothing more: the handlers match the email to an existing staff
// account (SSO creates none) and sign in.
package sso

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"chargedesk/errs"
)

// Config is a team's identity provider.
type Config struct {
	Issuer, ClientID, ClientSecret string
	// TrustMFA counts the provider's word (amr or acr) that it checked a second factor as
	// ChargeDesk's second factor.
	TrustMFA bool
	// HTTP talks to the provider (nil: http.DefaultClient).
	HTTP *http.Client
	Now  func() time.Time
}

// Provider is the identity provider, discovered on first use (a provider down at start-up
// does not stop ChargeDesk; the next sign-in tries again).
type Provider struct {
	cfg      Config
	mu       sync.Mutex
	provider *oidc.Provider
}

// New returns the provider of cfg; it contacts nothing yet.
func New(cfg Config) (*Provider, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("single sign-on needs --oidc-issuer, --oidc-client-id and --oidc-client-secret")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTP == nil {
		cfg.HTTP = http.DefaultClient
	}
	return &Provider{cfg: cfg}, nil
}

// Issuer is the provider's address, as configured.
func (p *Provider) Issuer() string { return p.cfg.Issuer }

func (p *Provider) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, p.cfg.HTTP)
}

func (p *Provider) discover(ctx context.Context) (*oidc.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.provider != nil {
		return p.provider, nil
	}
	op, err := oidc.NewProvider(p.ctx(ctx), p.cfg.Issuer)
	if err != nil {
		return nil, &errs.Error{Code: errs.Unavailable, Message: "The identity provider could not be reached, so single sign-on is not available now. Try again in a moment.", Err: err}
	}
	p.provider = op
	return op, nil
}

func (p *Provider) oauth(op *oidc.Provider, redirect string) oauth2.Config {
	return oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, Endpoint: op.Endpoint(),
		RedirectURL: redirect, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// Flow is one sign-in in progress: kept by the browser (in a signed, encrypted cookie) between
// leaving for the provider and coming back.
type Flow struct {
	State, Nonce, Verifier, Redirect string
}

// Begin starts a sign-in: where to send the browser, and the flow to keep. redirect is this
// site's callback address, as registered at the provider. reauth asks the provider to check
// the person again even if they are signed in there (a step-up: prompt=login, max_age=0).
func (p *Provider) Begin(ctx context.Context, redirect string, reauth bool) (string, Flow, error) {
	op, err := p.discover(ctx)
	if err != nil {
		return "", Flow{}, err
	}
	f := Flow{State: oauth2.GenerateVerifier(), Nonce: oauth2.GenerateVerifier(), Verifier: oauth2.GenerateVerifier(), Redirect: redirect}
	cfg := p.oauth(op, redirect)
	opts := []oauth2.AuthCodeOption{oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)}
	if reauth {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "login"), oauth2.SetAuthURLParam("max_age", "0"))
	}
	return cfg.AuthCodeURL(f.State, opts...), f, nil
}

// Identity is who the provider says signed in.
type Identity struct {
	Email, Subject string
	// MFA: the provider says it checked a second factor and the team trusts it (TrustMFA).
	MFA bool
	// Methods are the provider's amr values, as it sent them (for the audit row).
	Methods []string
}

// refuse is a sign-in the provider's answer does not prove: msg for the person, why (its
// Err) for the audit row.
func refuse(why, msg string) *errs.Error {
	return &errs.Error{Code: errs.Unauthenticated, Message: msg, Err: errors.New(why)}
}

// Finish completes flow f with what the provider sent back (state and code): the code is
// exchanged with the PKCE verifier, the ID token's signature, issuer, audience and expiry are
// checked, then its nonce, then that the email is verified.
func (p *Provider) Finish(ctx context.Context, f Flow, state, code string) (Identity, error) {
	if f.State == "" || subtle.ConstantTimeCompare([]byte(f.State), []byte(state)) != 1 {
		return Identity{}, refuse("state mismatch", "This sign-in did not start here, or it was started again in another tab. Start again from the login page.")
	}
	op, err := p.discover(ctx)
	if err != nil {
		return Identity{}, err
	}
	cfg := p.oauth(op, f.Redirect)
	tok, err := cfg.Exchange(p.ctx(ctx), code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return Identity{}, refuse("code exchange failed: "+trim(err.Error()), "The identity provider did not confirm this sign-in (the code was refused). Start again from the login page.")
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, refuse("no id_token", "The identity provider sent no identity. Start again from the login page.")
	}
	v := op.Verifier(&oidc.Config{ClientID: p.cfg.ClientID, Now: p.cfg.Now})
	idt, err := v.Verify(p.ctx(ctx), raw)
	if err != nil {
		var expired *oidc.TokenExpiredError
		switch {
		case errors.As(err, &expired):
			return Identity{}, refuse("token expired", "The identity provider's answer had expired (is this machine's clock right?). Start again from the login page.")
		case strings.Contains(err.Error(), "audience"):
			return Identity{}, refuse("wrong audience", "The identity provider's answer was meant for another application, so it was refused.")
		}
		return Identity{}, refuse("invalid token: "+trim(err.Error()), "The identity provider's answer could not be verified, so it was refused.")
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return Identity{}, refuse("nonce mismatch", "The identity provider's answer belongs to another sign-in (its nonce does not match), so it was refused.")
	}
	var claims struct {
		Email         string   `json:"email"`
		EmailVerified any      `json:"email_verified"` // some providers send "true"
		AMR           []string `json:"amr"`
		ACR           string   `json:"acr"`
	}
	if err := idt.Claims(&claims); err != nil {
		return Identity{}, refuse("unreadable claims", "The identity provider's answer could not be read.")
	}
	if claims.Email == "" {
		// Many providers put the email in the UserInfo answer only (OIDC Core §5.4): ask,
		// for the same subject.
		info, err := op.UserInfo(p.ctx(ctx), oauth2.StaticTokenSource(tok))
		if err != nil || info.Subject != idt.Subject {
			return Identity{}, refuse("userinfo unavailable", "The identity provider did not say which email signed in, so it was refused.")
		}
		claims.Email, claims.EmailVerified = info.Email, info.EmailVerified
	}
	if claims.Email == "" || fmt.Sprint(claims.EmailVerified) != "true" {
		return Identity{}, refuse("email not verified", "The identity provider has not verified this account's email address, so it cannot sign in to ChargeDesk.")
	}
	return Identity{Email: claims.Email, Subject: idt.Subject, Methods: claims.AMR,
		MFA: p.cfg.TrustMFA && secondFactor(claims.AMR, claims.ACR)}, nil
}

// mfaMethods are the amr values (RFC 8176) that name more than a password, or say that
// several factors were used.
var mfaMethods = []string{"mfa", "otp", "hwk", "swk", "sc", "fpt", "face", "iris", "retina", "vbm", "pin", "sms", "tel", "user", "pop"}

func secondFactor(amr []string, acr string) bool {
	for _, m := range amr {
		if slices.Contains(mfaMethods, strings.ToLower(m)) {
			return true
		}
	}
	// An acr of a phishing-resistant or multi-factor policy (the common names).
	acr = strings.ToLower(acr)
	return strings.Contains(acr, "mfa") || strings.Contains(acr, "multifactor") || strings.Contains(acr, "phr")
}

func trim(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}
