package mfa

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"chargedesk/audit"
	"chargedesk/errs"
	"chargedesk/queries"
)

// Holder is an account as a WebAuthn relying party sees it: its user handle (the Public ID,
// stable and no personal data), its names and its passkeys.
type Holder struct {
	ID          int64
	Handle      []byte
	Email, Name string
	Credentials []webauthn.Credential
	factors     []int64 // the user_factors id of each credential, in order
}

func (h *Holder) WebAuthnID() []byte                         { return h.Handle }
func (h *Holder) WebAuthnName() string                       { return h.Email }
func (h *Holder) WebAuthnDisplayName() string                { return h.Name }
func (h *Holder) WebAuthnCredentials() []webauthn.Credential { return h.Credentials }

// LoadHolder reads user u's passkeys.
func LoadHolder(ctx context.Context, q *queries.Queries, u queries.User) (*Holder, error) {
	fs, err := q.ConfirmedFactors(ctx, queries.ConfirmedFactorsParams{UserID: u.ID, Kind: Passkey})
	if err != nil {
		return nil, err
	}
	h := &Holder{ID: u.ID, Handle: []byte(u.PublicID), Email: u.Email, Name: u.Name}
	for _, f := range fs {
		var c webauthn.Credential
		if json.Unmarshal(f.Credential, &c) != nil {
			continue // unreadable: it cannot sign anyone in
		}
		h.Credentials = append(h.Credentials, c)
		h.factors = append(h.factors, f.ID)
	}
	return h, nil
}

// PasskeyName is a passkey's name as typed, checked.
func PasskeyName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 100 {
		return "", errs.Invalidf("Name the passkey (1 to 100 characters), e.g. “Work laptop”, so you can tell your passkeys apart.")
	}
	return s, nil
}

// AddPasskey records a passkey the browser just registered for user. Recorded as mfa.add.
func AddPasskey(ctx context.Context, tx *sql.Tx, trail *audit.Trail, user int64, name string, cred *webauthn.Credential, by By) (int64, error) {
	q := queries.New(tx)
	name, err := PasskeyName(name)
	if err != nil {
		return 0, err
	}
	if err := roomForAnother(ctx, q, user); err != nil {
		return 0, err
	}
	b, err := json.Marshal(cred)
	if err != nil {
		return 0, err
	}
	now := sql.NullInt64{Int64: by.Now.Unix(), Valid: true}
	id, err := q.AddFactor(ctx, queries.AddFactorParams{UserID: user, Kind: Passkey, Name: name, CredentialID: cred.ID, Credential: b,
		CreatedAt: by.Now.Unix(), CreatedBy: by.Actor, ConfirmedAt: now})
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return 0, errs.Conflictf("This passkey is registered already.")
		}
		return 0, err
	}
	return id, write(ctx, tx, trail, by, "mfa.add", user, map[string]any{"factor_id": id, "kind": Passkey, "name": name})
}

// UsePasskey records that h's passkey cred (as the ceremony just validated it, with its new
// sign counter) was used. A counter that went backwards means a cloned authenticator: refused.
func UsePasskey(ctx context.Context, tx *sql.Tx, h *Holder, cred *webauthn.Credential, now time.Time) (Used, error) {
	if cred.Authenticator.CloneWarning {
		return Used{}, errs.Forbiddenf("This passkey's signature counter went backwards, which is what a copied passkey does. It was not accepted; remove it and add it again.")
	}
	for i, c := range h.Credentials {
		if !bytes.Equal(c.ID, cred.ID) {
			continue
		}
		b, err := json.Marshal(cred)
		if err != nil {
			return Used{}, err
		}
		if err := queries.New(tx).UsePasskey(ctx, queries.UsePasskeyParams{Now: sql.NullInt64{Int64: now.Unix(), Valid: true}, Credential: b, ID: h.factors[i]}); err != nil {
			return Used{}, err
		}
		return Used{Kind: Passkey, FactorID: h.factors[i]}, nil
	}
	return Used{}, ErrWrongCode
}
