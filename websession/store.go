// Package websession is a gorilla/sessions Store kept in the SQLite file. The cookie carries
// only a signed random id; the values live in web_sessions under the SHA-256 of that id, so
// deleting the row (logout, expiry, a disabled user) revokes the session at once, a replayed
// cookie finds nothing, and a copy of the database holds no id a cookie could carry. A
// session ends after Idle without a request, and after its absolute lifetime in any case.
package websession

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"chargedesk/queries"
)

// Session values. UserIDKey holds the user's id (int64); PendingKey (bool) marks a session
// whose password was right but whose second step (/login/verify) is still due: it signs no
// one in. FactorKey (string) names the factor used at sign-in ("totp", "passkey",
// "recovery", "sso"), FactorAtKey (int64 unix seconds) when; SetFactor records later uses.
const (
	UserIDKey   = "user_id"
	PendingKey  = "pending"
	FactorKey   = "factor"
	FactorAtKey = "factor_at"
	// CeremonyKey holds a passkey ceremony's challenge (JSON) between its two requests.
	CeremonyKey = "webauthn"
)

// Store implements sessions.Store over the web_sessions table.
type Store struct {
	w, r *queries.Queries
	// ids signs session ids as they are (no serializer); legacy reads the cookies signed
	// before, whose id was gob-encoded (gob's decoder cost ~5 µs a request).
	ids     *securecookie.SecureCookie
	legacy  []securecookie.Codec
	flow    *securecookie.SecureCookie // signs and encrypts short-lived cookies (FlowCookie)
	Options sessions.Options
	Now     func() time.Time
	// Idle ends a session not used for this long; zero means never.
	Idle time.Duration
	// HTTPS reports whether the browser reached the server over HTTPS (a trusted proxy may
	// end TLS); nil means a TLS connection of the server's own. Cookies are then Secure.
	HTTPS func(*http.Request) bool
}

// touchEvery is how stale last_seen_at may get before a request writes it again: a session
// costs at most one write a minute.
const touchEvery = time.Minute

// key is how a session id is stored: its SHA-256, so the table alone cannot make a cookie.
func key(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

// New returns a store that writes through w, reads through r (prepared queries) and signs
// ids with hashKey.
func New(w, r *queries.Queries, hashKey []byte, maxAge time.Duration) *Store {
	return &Store{
		w:      w,
		r:      r,
		ids:    securecookie.New(hashKey, nil).SetSerializer(securecookie.NopEncoder{}),
		legacy: securecookie.CodecsFromPairs(hashKey),
		flow:   securecookie.New(hashKey, flowKey(hashKey)).MaxAge(int(FlowFor / time.Second)),
		// Explicit options: gorilla's defaults have changed between versions.
		Options: sessions.Options{
			Path:     "/",
			MaxAge:   int(maxAge / time.Second),
			HttpOnly: true,
			SameSite: http.SameSiteLaxMode,
		},
		Now: time.Now,
	}
}

// Get returns the session for name, cached for the request.
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// Caller is who sent the request: their session, user and open impersonation, read in one
// query (GetCaller) on every request. It is nil, with no error, when the cookie is missing,
// forged, expired, idle too long or names a row that no longer exists. An idle session is
// deleted here; a session last seen over a minute ago is touched.
func (s *Store) Caller(r *http.Request, name string) (*queries.GetCallerRow, error) {
	return s.caller(r, name, true)
}

// Polled is Caller for a page's background poll (a badge, a waiting page): it never touches
// the session, so an open tab does not keep an unused login from ending as idle.
func (s *Store) Polled(r *http.Request, name string) (*queries.GetCallerRow, error) {
	return s.caller(r, name, false)
}

func (s *Store) caller(r *http.Request, name string, touch bool) (*queries.GetCallerRow, error) {
	id, ok := s.cookieID(r, name)
	if !ok {
		return nil, nil
	}
	now := s.Now()
	row, err := s.r.GetCaller(r.Context(), queries.GetCallerParams{ID: key(id), Now: now.Unix()})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if !s.alive(r.Context(), row.SessionKey, row.SessionCreatedAt, row.SessionLastSeenAt, now, touch) {
		return nil, nil
	}
	return &row, nil
}

// cookieID is the session id the request's cookie carries, if its signature holds.
func (s *Store) cookieID(r *http.Request, name string) (string, bool) {
	c, err := r.Cookie(name)
	if err != nil {
		return "", false
	}
	var b []byte
	if err := s.ids.Decode(name, c.Value, &b); err == nil && isID(b) {
		return string(b), true
	}
	var id string // a cookie signed before the ids were plain: its value is gob's
	if err := securecookie.DecodeMulti(name, c.Value, &id, s.legacy...); err != nil || !isID([]byte(id)) {
		return "", false
	}
	return id, true
}

// isID reports whether b is a session id as newID makes them (base32 without padding); the
// signature already holds, so this only tells a plain id from a gob-encoded one.
func isID(b []byte) bool {
	if len(b) != idLen {
		return false
	}
	for _, c := range b {
		if (c < 'A' || c > 'Z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// encodeID is the signed cookie value carrying session id.
func (s *Store) encodeID(name, id string) (string, error) {
	return s.ids.Encode(name, []byte(id))
}

// alive ends a session idle too long and touches one last seen over a minute ago.
func (s *Store) alive(ctx context.Context, key string, created, lastSeen int64, now time.Time, touch bool) bool {
	seen := time.Unix(max(lastSeen, created), 0)
	if s.Idle > 0 && now.Sub(seen) >= s.Idle {
		s.w.DeleteWebSession(ctx, key) // idle too long: it ends here
		return false
	}
	if touch && now.Sub(seen) >= touchEvery {
		// Best effort: a refused write only makes the session look idle earlier.
		s.w.TouchWebSession(context.WithoutCancel(ctx), queries.TouchWebSessionParams{LastSeenAt: now.Unix(), ID: key})
	}
	return true
}

// New loads the session named by the request's cookie, or a fresh one when the cookie is
// missing, forged or names a row that no longer exists.
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := s.Fresh(name)
	id, ok := s.cookieID(r, name)
	if !ok {
		return sess, nil
	}
	now := s.Now()
	row, err := s.r.GetWebSession(r.Context(), queries.GetWebSessionParams{ID: key(id), ExpiresAt: now.Unix()})
	if errors.Is(err, sql.ErrNoRows) {
		return sess, nil
	} else if err != nil {
		return sess, err
	}
	if !s.alive(r.Context(), row.ID, row.CreatedAt, row.LastSeenAt, now, true) {
		return sess, nil
	}
	if err := (securecookie.GobEncoder{}).Deserialize(row.Data, &sess.Values); err != nil {
		return s.Fresh(name), nil
	}
	sess.ID = id
	sess.IsNew = false
	return sess, nil
}

// Fresh returns a new, unsaved session with no id: saving it mints a new id, which is how
// login changes the id (no session fixation).
func (s *Store) Fresh(name string) *sessions.Session {
	sess := sessions.NewSession(s, name)
	opts := s.Options
	sess.Options = &opts
	sess.IsNew = true
	return sess
}

// Save writes the session row and its cookie; a negative MaxAge deletes both.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	opts := *sess.Options
	opts.Secure = opts.Secure || s.https(r)
	if opts.MaxAge < 0 {
		if sess.ID != "" {
			if err := s.w.DeleteWebSession(r.Context(), key(sess.ID)); err != nil {
				return err
			}
		}
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", &opts))
		return nil
	}
	if sess.ID == "" {
		sess.ID = newID()
	}
	data, err := (securecookie.GobEncoder{}).Serialize(sess.Values)
	if err != nil {
		return err
	}
	var uid sql.NullInt64
	if v, ok := sess.Values[UserIDKey].(int64); ok {
		uid = sql.NullInt64{Int64: v, Valid: true}
	}
	var pending int64
	if p, _ := sess.Values[PendingKey].(bool); p {
		pending = 1
	}
	factor, _ := sess.Values[FactorKey].(string)
	factorAt, _ := sess.Values[FactorAtKey].(int64)
	now := s.Now()
	err = s.w.SaveWebSession(r.Context(), queries.SaveWebSessionParams{
		ID: key(sess.ID), UserID: uid, Data: data,
		CreatedAt: now.Unix(), ExpiresAt: now.Add(time.Duration(opts.MaxAge) * time.Second).Unix(),
		Pending: pending, Factor: factor, FactorAt: factorAt,
	})
	if err != nil {
		return err
	}
	encoded, err := s.encodeID(sess.Name(), sess.ID)
	if err != nil {
		return err
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), encoded, &opts))
	return nil
}

// Delete removes a session by its id.
func (s *Store) Delete(ctx context.Context, id string) error {
	return s.w.DeleteWebSession(ctx, key(id))
}

// Describe notes where the session with id was signed in from: the client's address and its
// browser's User-Agent (cut to 300 bytes on a character boundary), for the account's list of
// its sessions.
func (s *Store) Describe(ctx context.Context, id, ip, userAgent string) error {
	if len(userAgent) > 300 {
		userAgent = strings.ToValidUTF8(userAgent[:300], "")
	}
	return s.w.DescribeWebSession(ctx, queries.DescribeWebSessionParams{Ip: ip, UserAgent: userAgent, ID: key(id)})
}

// Revoke removes a session by the key Caller returned (the hash of its id).
func (s *Store) Revoke(ctx context.Context, sessionKey string) error {
	return s.w.DeleteWebSession(ctx, sessionKey)
}

// SetFactor records that the session (by the key Caller returned) just used factor: the
// step-up window counts from at.
func (s *Store) SetFactor(ctx context.Context, sessionKey, factor string, at time.Time) error {
	return s.w.SetSessionFactor(ctx, queries.SetSessionFactorParams{ID: sessionKey, Factor: factor, FactorAt: at.Unix()})
}

// Rotate gives the session (by the key Caller returned) a new id and sends its cookie,
// keeping everything else (its user, its start and expiry, its values): a re-authentication
// (step-up) ends the id that was used before it (ASVS 5.0 7.2.4).
// It returns the session's new key.
func (s *Store) Rotate(w http.ResponseWriter, r *http.Request, name, sessionKey string) (string, error) {
	id := newID()
	n, err := s.w.RotateWebSession(r.Context(), queries.RotateWebSessionParams{NewID: key(id), ID: sessionKey})
	if err != nil {
		return "", err
	}
	if n != 1 {
		return "", errors.New("websession: the session to rotate is gone")
	}
	encoded, err := s.encodeID(name, id)
	if err != nil {
		return "", err
	}
	opts := s.Options
	opts.Secure = opts.Secure || s.https(r)
	http.SetCookie(w, sessions.NewCookie(name, encoded, &opts))
	return key(id), nil
}

// FlowFor is how long a FlowCookie lasts: a sign-in at an identity provider in progress.
const FlowFor = 10 * time.Minute

// flowKey is the AES-256 key of flow cookies, derived from the signing key.
func flowKey(hashKey []byte) []byte {
	h := sha256.Sum256(append([]byte("chargedesk flow cookie\x00"), hashKey...))
	return h[:]
}

func (s *Store) https(r *http.Request) bool {
	if s.HTTPS != nil {
		return s.HTTPS(r)
	}
	return r.TLS != nil
}

// SetFlowCookie keeps v (gob-encoded, signed and encrypted) in the browser as cookie name on
// path, for FlowFor: state that must survive a trip to another site before any session.
func (s *Store) SetFlowCookie(w http.ResponseWriter, r *http.Request, name, path string, v any) error {
	enc, err := s.flow.Encode(name, v)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: enc, Path: path, MaxAge: int(FlowFor / time.Second), HttpOnly: true,
		Secure: s.https(r), SameSite: http.SameSiteLaxMode})
	return nil
}

// TakeFlowCookie reads cookie name into v (false if missing, forged or expired) and deletes it.
func (s *Store) TakeFlowCookie(w http.ResponseWriter, r *http.Request, name, path string, v any) bool {
	c, err := r.Cookie(name)
	http.SetCookie(w, &http.Cookie{Name: name, Path: path, MaxAge: -1, HttpOnly: true, Secure: s.https(r), SameSite: http.SameSiteLaxMode})
	return err == nil && s.flow.Decode(name, c.Value, v) == nil
}

// Sweep deletes expired rows and reports how many.
func (s *Store) Sweep(ctx context.Context) (int64, error) {
	return s.w.DeleteExpiredWebSessions(ctx, s.Now().Unix())
}

// idLen is the length of a session id: 32 random bytes in base32 without padding.
const idLen = 52

func newID() string {
	b := make([]byte, 32)
	rand.Read(b) // never returns an error (crypto/rand, Go 1.24+)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}
