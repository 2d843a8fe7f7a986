package websession_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/securecookie"

	"chargedesk/db/dbtest"
	"chargedesk/demo"
	"chargedesk/queries"
	"chargedesk/websession"
)

const cookie = "chargedesk_session"

var testKey = []byte("test-key-test-key-test-key-test-key!")

// A login's cookie finds its caller until the login expires, sits idle, is revoked or its
// cookie is forged; a swept store keeps the live ones.
func TestCaller(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		then   func(s *websession.Store, c *http.Cookie, clock *time.Time) *http.Cookie
		wantIn bool
	}{
		{"just logged in", func(_ *websession.Store, c *http.Cookie, _ *time.Time) *http.Cookie { return c }, true},
		{"used within the idle time", func(_ *websession.Store, c *http.Cookie, clock *time.Time) *http.Cookie {
			*clock = clock.Add(29 * time.Minute)
			return c
		}, true},
		{"idle too long", func(_ *websession.Store, c *http.Cookie, clock *time.Time) *http.Cookie {
			*clock = clock.Add(31 * time.Minute)
			return c
		}, false},
		{"past its maximum age", func(s *websession.Store, c *http.Cookie, clock *time.Time) *http.Cookie {
			for range 30 { // used every 25 minutes: never idle, but 12 hours pass
				*clock = clock.Add(25 * time.Minute)
				s.Caller(request(c), cookie)
			}
			return c
		}, false},
		{"revoked", func(s *websession.Store, c *http.Cookie, _ *time.Time) *http.Cookie {
			row, _ := s.Caller(request(c), cookie)
			s.Revoke(t.Context(), row.SessionKey)
			return c
		}, false},
		{"a forged cookie", func(_ *websession.Store, c *http.Cookie, _ *time.Time) *http.Cookie {
			f := *c
			f.Value = c.Value[:len(c.Value)-2] + "xx"
			return &f
		}, false},
		{"a made-up cookie", func(_ *websession.Store, _ *http.Cookie, _ *time.Time) *http.Cookie {
			return &http.Cookie{Name: cookie, Value: "MTcwMDAwMDAwMHxmb3JnZWR8"}
		}, false},
		{"signed before ids were plain (gob-encoded)", func(_ *websession.Store, c *http.Cookie, _ *time.Time) *http.Cookie {
			var id []byte
			if err := securecookie.New(testKey, nil).SetSerializer(securecookie.NopEncoder{}).Decode(cookie, c.Value, &id); err != nil {
				t.Fatal(err)
			}
			v, err := securecookie.EncodeMulti(cookie, string(id), securecookie.CodecsFromPairs(testKey)...)
			if err != nil {
				t.Fatal(err)
			}
			return &http.Cookie{Name: cookie, Value: v}
		}, true},
		{"signed, but not a session id", func(_ *websession.Store, _ *http.Cookie, _ *time.Time) *http.Cookie {
			v, _ := securecookie.New(testKey, nil).SetSerializer(securecookie.NopEncoder{}).Encode(cookie, []byte("not-an-id"))
			return &http.Cookie{Name: cookie, Value: v}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := dbtest.Seeded(t)
			w, r := queries.New(d.W), queries.New(d.R)
			clock := time.Now()
			s := websession.New(w, r, testKey, 12*time.Hour)
			s.Now, s.Idle = func() time.Time { return clock }, 30*time.Minute
			jane := dbtest.UserID(t, d, demo.JaneEmail)
			sess := s.Fresh(cookie)
			sess.Values[websession.UserIDKey] = jane
			rec := httptest.NewRecorder()
			if err := s.Save(httptest.NewRequest("POST", "/login", nil), rec, sess); err != nil {
				t.Fatal(err)
			}
			c := rec.Result().Cookies()[0]
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
				t.Errorf("cookie options %+v, want HttpOnly, SameSite=Lax, Path=/", c)
			}
			c = tt.then(s, c, &clock)
			row, err := s.Caller(request(c), cookie)
			if err != nil {
				t.Fatal(err)
			}
			if got := row != nil && row.UserID == jane; got != tt.wantIn {
				t.Errorf("signed in %v, want %v", got, tt.wantIn)
			}
		})
	}
}

func request(c *http.Cookie) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(c)
	return r
}
