package handlers

// Passkey ceremonies (WebAuthn, go-webauthn). The browser asks for options (a challenge kept
// in the session until it is answered), the person touches their authenticator, and the
// answer comes back in a form field named passkey (JSON) with the rest of the form: so the
// same forms work with a code or a passkey, and a passkey step-up keeps what was typed.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"chargedesk/errs"
	"chargedesk/mfa"
	"chargedesk/queries"
	"chargedesk/websession"
)

// relyingParty is the WebAuthn relying party for the host the request came to (allowedHost
// checked it): its id is that host name, its origin the scheme and host. A passkey is bound
// to a name, so an IP address (127.0.0.1) cannot have one: use localhost.
func (a *App) relyingParty(c *gin.Context) (*webauthn.WebAuthn, error) {
	host := hostOnly(c.Request.Host)
	if net.ParseIP(host) != nil {
		return nil, errs.Invalidf("Passkeys need this site's name, not an IP address: open ChargeDesk at http://localhost (or its name) to use one.")
	}
	return webauthn.New(&webauthn.Config{RPID: host, RPDisplayName: "ChargeDesk", RPOrigins: []string{a.origin(c)}})
}

// passkeyHost reports whether this request's host can use passkeys (a name, not an address).
func passkeyHost(c *gin.Context) bool { return net.ParseIP(hostOnly(c.Request.Host)) == nil }

// hasPasskey reports whether user has a passkey this request's host can use.
func (a *App) hasPasskey(c *gin.Context, user int64) bool {
	if !passkeyHost(c) {
		return false
	}
	fs, err := a.r.ConfirmedFactors(c.Request.Context(), queries.ConfirmedFactorsParams{UserID: user, Kind: mfa.Passkey})
	return err == nil && len(fs) > 0
}

// passkeyUser is whose passkey a ceremony is for: the person at the second step of signing in,
// or the signed-in user.
func (a *App) passkeyUser(c *gin.Context) (queries.User, bool) {
	id := int64(0)
	if p := pendingCaller(c); p != nil {
		id = p.UserID
	} else if u := currentUser(c); u != nil {
		id = u.ID
	}
	if id == 0 {
		return queries.User{}, false
	}
	u, err := a.r.GetUserForAuth(c.Request.Context(), id)
	return u, err == nil
}

// passkeyOptions is POST /login/passkey: a challenge for signing in or stepping up with one
// of the caller's passkeys (JSON, for navigator.credentials.get).
func (a *App) passkeyOptions(c *gin.Context) {
	a.ceremony(c, func(rp *webauthn.WebAuthn, h *mfa.Holder) (any, *webauthn.SessionData, error) {
		if len(h.Credentials) == 0 {
			return nil, nil, errs.Invalidf("This account has no passkey. Use a code from your authenticator app or a recovery code.")
		}
		return rp.BeginLogin(h, webauthn.WithUserVerification(protocol.VerificationPreferred))
	})
}

// passkeyNewOptions is POST /account/passkeys/options: a challenge for registering a new
// passkey (JSON, for navigator.credentials.create).
func (a *App) passkeyNewOptions(c *gin.Context) {
	a.ceremony(c, func(rp *webauthn.WebAuthn, h *mfa.Holder) (any, *webauthn.SessionData, error) {
		return rp.BeginRegistration(h,
			webauthn.WithExclusions(webauthn.Credentials(h.Credentials).CredentialDescriptors()),
			webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementPreferred))
	})
}

// ceremony begins a passkey ceremony for the caller: the options go to the browser, the
// challenge into the session (one at a time; answering uses it up).
func (a *App) ceremony(c *gin.Context, begin func(*webauthn.WebAuthn, *mfa.Holder) (any, *webauthn.SessionData, error)) {
	u, ok := a.passkeyUser(c)
	if !ok {
		a.fail(c, &errs.Error{Code: errs.Unauthenticated, Message: "Log in first."})
		return
	}
	rp, err := a.relyingParty(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	h, err := mfa.LoadHolder(c.Request.Context(), a.r, u)
	if err != nil {
		a.fail(c, err)
		return
	}
	opts, data, err := begin(rp, h)
	if err != nil {
		a.fail(c, err)
		return
	}
	sess, err := a.web.Get(c.Request, a.cookieName(c))
	if err != nil || sess.IsNew {
		a.fail(c, errors.Join(err, &errs.Error{Code: errs.Unauthenticated, Message: "Log in first."}))
		return
	}
	b, err := json.Marshal(data)
	if err != nil {
		a.fail(c, err)
		return
	}
	sess.Values[websession.CeremonyKey] = b
	if err := sess.Save(c.Request, c.Writer); err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, opts)
}

// takeCeremony returns the challenge the session holds and forgets it (one answer each).
func (a *App) takeCeremony(c *gin.Context) (webauthn.SessionData, bool) {
	var data webauthn.SessionData
	sess, err := a.web.Get(c.Request, a.cookieName(c))
	if err != nil || sess.IsNew {
		return data, false
	}
	b, ok := sess.Values[websession.CeremonyKey].([]byte)
	if !ok || json.Unmarshal(b, &data) != nil {
		return data, false
	}
	delete(sess.Values, websession.CeremonyKey)
	if err := sess.Save(c.Request, c.Writer); err != nil {
		return data, false
	}
	return data, true
}

// errPasskey is the answer to a passkey that did not prove the account.
var errPasskey = errs.Invalidf("The passkey did not confirm it is you (it was cancelled, is not one of this account's, or took too long). Try again, or use a code.")

// passkeyAnswer is a passkey's answer as the form carried it, with the challenge it answers
// (taken from the session before any transaction: the session is written on the same pool).
type passkeyAnswer struct {
	rp     *webauthn.WebAuthn
	data   webauthn.SessionData
	parsed *protocol.ParsedCredentialAssertionData
}

// readPasskey parses the passkey answer raw (the form's passkey field).
func (a *App) readPasskey(c *gin.Context, raw string) (*passkeyAnswer, error) {
	rp, err := a.relyingParty(c)
	if err != nil {
		return nil, err
	}
	data, ok := a.takeCeremony(c)
	if !ok {
		return nil, errPasskey
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes([]byte(raw))
	if err != nil {
		return nil, errPasskey
	}
	return &passkeyAnswer{rp: rp, data: data, parsed: parsed}, nil
}

// use validates the answer for u against their passkeys and records the use, in tx.
func (p *passkeyAnswer) use(ctx context.Context, tx *sql.Tx, u queries.User, now time.Time) (mfa.Used, error) {
	h, err := mfa.LoadHolder(ctx, queries.New(tx), u)
	if err != nil {
		return mfa.Used{}, err
	}
	cred, err := p.rp.ValidateLogin(h, p.data, p.parsed)
	if err != nil {
		return mfa.Used{}, errPasskey
	}
	return mfa.UsePasskey(ctx, tx, h, cred, now)
}

// newPasskey validates the registration answer raw for u (the signed-in user).
func (a *App) newPasskey(c *gin.Context, u queries.User, raw string) (*webauthn.Credential, error) {
	rp, err := a.relyingParty(c)
	if err != nil {
		return nil, err
	}
	data, ok := a.takeCeremony(c)
	if !ok {
		return nil, errs.Invalidf("The passkey was not created (cancelled, or it took too long). Try again.")
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes([]byte(raw))
	if err != nil {
		return nil, errs.Invalidf("The browser's answer was not a passkey. Try again.")
	}
	h, err := mfa.LoadHolder(c.Request.Context(), a.r, u)
	if err != nil {
		return nil, err
	}
	cred, err := rp.CreateCredential(h, data, parsed)
	if err != nil {
		return nil, errs.Invalidf("The passkey could not be checked, so it was not added. Try again.")
	}
	return cred, nil
}
