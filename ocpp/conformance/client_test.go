package conformance_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chargedesk/app"
	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/db/dbtest"
)

// server is ChargeDesk on a temp database with the demo seeded, served over HTTP.
type server struct {
	t    *testing.T
	db   *db.DB
	srv  *httptest.Server
	svc  *app.Services
	path string
	// lastForceStop is where the last forceStop was redirected (its result notice).
	lastForceStop string
}

func newServer(t *testing.T) *server { return newServerWith(t, db.Options{}) }

func newServerWith(t *testing.T, o db.Options) *server {
	return newServerConfig(t, o, app.Options{})
}

// newServerConfig is newServer with o for the database and cfg's settings for the app.
func newServerConfig(t *testing.T, o db.Options, cfg app.Options) *server {
	return newServerIn(t, t.TempDir(), o, cfg)
}

// newServerIn is newServerConfig with the database in dir.
func newServerIn(t *testing.T, dir string, o db.Options, cfg app.Options) *server {
	t.Helper()
	path := dbtest.SeededFile(t, dir) // the migrated demo, seeded once per test binary
	d, err := db.OpenWith(context.Background(), path, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	cfg.DB, cfg.SessionKey, cfg.Trail, cfg.Log = d, []byte("test-key-test-key-test-key-test-key!"), audit.NewTrail(audit.NewKey()), slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := app.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, db: d, svc: svc, srv: httptest.NewServer(svc.HTTP.Routes()), path: path}
	t.Cleanup(s.srv.Close)
	return s
}

// register gives the demo charger with OCPP id id the password pw (as an admin would) and
// returns its database id.
func (s *server) register(id, pw string) int64 {
	sum := sha256.Sum256([]byte(pw))
	if _, err := s.db.W.Exec(`UPDATE chargers SET ocpp_password_sha256 = ? WHERE ocpp_id = ?`, hex.EncodeToString(sum[:]), id); err != nil {
		s.t.Fatal(err)
	}
	return s.int(`SELECT id FROM chargers WHERE ocpp_id = ?`, id)
}

func (s *server) int(query string, args ...any) int64 {
	s.t.Helper()
	var n int64
	if err := s.db.R.QueryRow(query, args...).Scan(&n); err != nil {
		s.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (s *server) str(query string, args ...any) string {
	s.t.Helper()
	var v string
	if err := s.db.R.QueryRow(query, args...).Scan(&v); err != nil {
		s.t.Fatalf("%s: %v", query, err)
	}
	return v
}

// dial opens a charge point connection; header carries Basic auth unless pw is "".
func (s *server) dial(id, pw string, subprotocols ...string) (*websocket.Conn, *http.Response, error) {
	if subprotocols == nil {
		subprotocols = []string{"ocpp1.6"}
	}
	h := http.Header{}
	if pw != "" {
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(id+":"+pw)))
	}
	d := websocket.Dialer{Subprotocols: subprotocols, HandshakeTimeout: 5 * time.Second}
	return d.Dial("ws"+strings.TrimPrefix(s.srv.URL, "http")+"/ocpp/1.6/"+id, h)
}

// cp is a charge point speaking OCPP-J as the specification writes it.
type cp struct {
	t   *testing.T
	ws  *websocket.Conn
	seq int
	// calls are CALLs from the central system, in order, that the test answers.
	calls chan []any
	// results are CALLRESULTs and CALLERRORs to this charge point's own calls.
	results chan []any
	done    chan struct{}
	closed  error // why the connection ended (a *websocket.CloseError when the server said), once done is closed
}

func (s *server) connect(id, pw string) *cp {
	s.t.Helper()
	ws, res, err := s.dial(id, pw)
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		s.t.Fatalf("connect %s: %v (HTTP %d)", id, err, status)
	}
	if ws.Subprotocol() != "ocpp1.6" {
		s.t.Fatalf("subprotocol %q, want ocpp1.6", ws.Subprotocol())
	}
	c := &cp{t: s.t, ws: ws, calls: make(chan []any, 16), results: make(chan []any, 16), done: make(chan struct{})}
	go c.read()
	s.t.Cleanup(func() { ws.Close() })
	return c
}

func (c *cp) read() {
	defer close(c.done)
	for {
		_, b, err := c.ws.ReadMessage()
		if err != nil {
			c.closed = err
			return
		}
		var frame []any
		if err := json.Unmarshal(b, &frame); err != nil {
			c.t.Errorf("the central system sent a frame that is not JSON: %s", b)
			continue
		}
		if len(frame) > 0 && frame[0] == float64(2) {
			c.calls <- frame
		} else {
			c.results <- frame
		}
	}
}

// send writes raw text.
func (c *cp) send(raw string) {
	c.t.Helper()
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(raw)); err != nil {
		c.t.Fatal(err)
	}
}

// next waits for the next answer to one of our calls.
func (c *cp) next() []any {
	c.t.Helper()
	select {
	case f := <-c.results:
		return f
	case <-time.After(5 * time.Second):
		c.t.Fatal("no answer from the central system within 5 s")
	case <-c.done:
		c.t.Fatal("the connection closed")
	}
	return nil
}

// call sends [2, id, action, payload] and returns the CALLRESULT's payload; a CALLERROR
// fails the test.
func (c *cp) call(action string, payload map[string]any) map[string]any {
	c.t.Helper()
	f := c.callRaw(action, payload)
	if f[0] != float64(3) {
		c.t.Fatalf("%s: answered %v, want a CALLRESULT", action, f)
	}
	return f[2].(map[string]any)
}

func (c *cp) callRaw(action string, payload map[string]any) []any {
	c.t.Helper()
	c.seq++
	id := fmt.Sprintf("t-%d", c.seq)
	b, _ := json.Marshal([]any{2, id, action, payload})
	c.send(string(b))
	f := c.next()
	if f[1] != id {
		c.t.Fatalf("%s: the answer's unique id is %v, want %s", action, f[1], id)
	}
	return f
}

// callError expects a CALLERROR with code for a raw frame.
func (c *cp) callError(raw, code string) []any {
	c.t.Helper()
	c.send(raw)
	f := c.next()
	if len(f) != 5 || f[0] != float64(4) || f[2] != code {
		c.t.Fatalf("sent %s: answered %v, want CALLERROR %s", raw, f, code)
	}
	return f
}

// expectCall waits for a CALL of action from the central system.
func (c *cp) expectCall(action string) (string, map[string]any) {
	c.t.Helper()
	select {
	case f := <-c.calls:
		if f[2] != action {
			c.t.Fatalf("the central system called %v, want %s", f[2], action)
		}
		return f[1].(string), f[3].(map[string]any)
	case <-time.After(10 * time.Second):
		c.t.Fatalf("no %s from the central system within 10 s", action)
	}
	return "", nil
}

// reply answers a CALL from the central system.
func (c *cp) reply(id string, payload map[string]any) {
	c.t.Helper()
	b, _ := json.Marshal([]any{3, id, payload})
	c.send(string(b))
}

func now() string { return time.Now().UTC().Format(time.RFC3339) }

func (c *cp) boot() map[string]any {
	c.t.Helper()
	return c.call("BootNotification", map[string]any{"chargePointVendor": "Conformance", "chargePointModel": "Client-1", "firmwareVersion": "conf-1.0"})
}

func (c *cp) status(connector int, status, errorCode string) {
	c.t.Helper()
	c.call("StatusNotification", map[string]any{"connectorId": connector, "errorCode": errorCode, "status": status, "timestamp": now()})
}
