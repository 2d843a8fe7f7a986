// Package websession is a gorilla/sessions Store kept in the SQLite file. The cookie carries
// only a signed random id; the values live in web_sessions, so deleting the row (logout,
// expiry, a disabled user) revokes the session at once and a replayed cookie finds nothing.
package websession

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"chargedesk/queries"
)

// UserIDKey is the session value holding the logged-in user's id (int64).
const UserIDKey = "user_id"

// Store implements sessions.Store over the web_sessions table.
type Store struct {
	w, r    *queries.Queries
	codecs  []securecookie.Codec
	Options sessions.Options
	Now     func() time.Time
}

// New returns a store that writes through w, reads through r and signs ids with hashKey.
func New(w, r *sql.DB, hashKey []byte, maxAge time.Duration) *Store {
	return &Store{
		w:      queries.New(w),
		r:      queries.New(r),
		codecs: securecookie.CodecsFromPairs(hashKey),
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

// New loads the session named by the request's cookie, or a fresh one when the cookie is
// missing, forged or names a row that no longer exists.
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := s.Fresh(name)
	c, err := r.Cookie(name)
	if err != nil {
		return sess, nil
	}
	var id string
	if err := securecookie.DecodeMulti(name, c.Value, &id, s.codecs...); err != nil {
		return sess, nil
	}
	row, err := s.r.GetWebSession(r.Context(), queries.GetWebSessionParams{ID: id, ExpiresAt: s.Now().Unix()})
	if errors.Is(err, sql.ErrNoRows) {
		return sess, nil
	} else if err != nil {
		return sess, err
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
	opts.Secure = opts.Secure || r.TLS != nil
	if opts.MaxAge < 0 {
		if sess.ID != "" {
			if err := s.w.DeleteWebSession(r.Context(), sess.ID); err != nil {
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
	now := s.Now()
	err = s.w.SaveWebSession(r.Context(), queries.SaveWebSessionParams{
		ID: sess.ID, UserID: uid, Data: data,
		CreatedAt: now.Unix(), ExpiresAt: now.Add(time.Duration(opts.MaxAge) * time.Second).Unix(),
	})
	if err != nil {
		return err
	}
	encoded, err := securecookie.EncodeMulti(sess.Name(), sess.ID, s.codecs...)
	if err != nil {
		return err
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), encoded, &opts))
	return nil
}

// Delete removes a session row by id.
func (s *Store) Delete(ctx context.Context, id string) error {
	return s.w.DeleteWebSession(ctx, id)
}

// Sweep deletes expired rows and reports how many.
func (s *Store) Sweep(ctx context.Context) (int64, error) {
	return s.w.DeleteExpiredWebSessions(ctx, s.Now().Unix())
}

func newID() string {
	b := make([]byte, 32)
	rand.Read(b) // never returns an error (crypto/rand, Go 1.24+)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}
