package ocpp

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Subprotocol is the WebSocket subprotocol of OCPP 1.6J.
const Subprotocol = "ocpp1.6"

// MaxMessage bounds one frame. The largest message a 1.6 charge point sends in practice is a
// MeterValues with a few dozen sampled values (a few KB); a bigger frame closes the
// connection (WebSocket status 1009, message too big).
const MaxMessage = 64 << 10

// Charger is a charge point that passed authentication.
type Charger struct {
	ID        int64  // chargers.id
	OCPPID    string // chargeBoxId, the last part of the connection's path
	Heartbeat time.Duration
}

// Authenticator checks a charge point's id and password (HTTP Basic auth, security profile
// 1). It returns ErrUnknown or ErrBadPassword to refuse, any other error for a fault.
type Authenticator func(ctx context.Context, ocppID, password string) (Charger, error)

// Refusals of Authenticator.
var (
	ErrUnknown     = errors.New("ocpp: unknown charge point")
	ErrBadPassword = errors.New("ocpp: wrong password")
)

// Handler answers one CALL from a charge point: the CALLRESULT's payload, or an error (an
// *Error is sent as it is; any other error as an InternalError, and logged).
type Handler func(ctx context.Context, cp *Conn, action string, payload json.RawMessage) (any, error)

// Server accepts charge points' connections and keeps them, one per charge point: a new
// connection from the same charge point replaces the old one (which is closed).
type Server struct {
	Auth   Authenticator
	Handle Handler
	// Malformed is told of a frame that was answered with a CALLERROR before any handler ran
	// (for the charge point's protocol log); may be nil.
	Malformed func(cp *Conn, raw []byte, e *Error)
	// Connected and Disconnected are told when a connection starts and ends; may be nil.
	Connected, Disconnected func(cp *Conn)
	Log                     *slog.Logger
	// CallTimeout bounds how long a call to a charge point waits for its answer (default 15s).
	CallTimeout time.Duration
	// CountChanged is told how many charge points are connected whenever that changes (the
	// process sizes its memory limit by it); may be nil.
	CountChanged func(n int)

	mu    sync.Mutex
	conns map[string]*Conn
}

// Get is the open connection of a charge point, or nil when it is not connected.
func (s *Server) Get(ocppID string) *Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns[ocppID]
}

// Count reports how many charge points are connected.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Serve authenticates the charge point ocppID, upgrades the request to a WebSocket and runs
// the connection until it ends. Refusals happen before the upgrade, as plain HTTP answers.
func (s *Server) Serve(w http.ResponseWriter, r *http.Request, ocppID string) {
	if !containsToken(r.Header.Values("Upgrade"), "websocket") {
		http.Error(w, "This is the OCPP 1.6J endpoint: connect with a WebSocket and the subprotocol ocpp1.6.", http.StatusBadRequest)
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(ocppID)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="ChargeDesk OCPP"`)
		http.Error(w, "Send the charge point's id and password with HTTP Basic authentication.", http.StatusUnauthorized)
		return
	}
	cp, err := s.Auth(r.Context(), ocppID, pass)
	switch {
	case errors.Is(err, ErrUnknown), errors.Is(err, ErrBadPassword):
		// One answer for both, so that the endpoint does not tell which ids exist.
		s.Log.Warn("ocpp: connection refused", "charge_point", ocppID, "remote", r.RemoteAddr, "why", err.Error())
		w.Header().Set("WWW-Authenticate", `Basic realm="ChargeDesk OCPP"`)
		http.Error(w, "Unknown charge point or wrong password.", http.StatusUnauthorized)
		return
	case err != nil:
		s.Log.Error("ocpp: authenticate", "charge_point", ocppID, "err", err)
		http.Error(w, "The server could not check the charge point now; try again.", http.StatusServiceUnavailable)
		return
	}
	// The HTTP server's read and write deadlines are for requests, not for a connection that
	// lives for days: the connection keeps its own (a read waits at most three heartbeats).
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	if !containsToken(r.Header.Values("Sec-WebSocket-Protocol"), Subprotocol) {
		// OCPP-J 1.6 section 3.1.2: complete the handshake without agreeing a subprotocol,
		// then close, saying why.
		ws, err := websocket.Accept(w, r, nil)
		if err == nil {
			s.Log.Warn("ocpp: no supported subprotocol offered", "charge_point", ocppID, "offered", r.Header.Values("Sec-WebSocket-Protocol"))
			closeSoon(ws, websocket.StatusProtocolError, "ChargeDesk speaks OCPP 1.6J only: connect with the subprotocol ocpp1.6")
		}
		return
	}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{Subprotocol}})
	if err != nil {
		return // Accept has answered
	}
	ws.SetReadLimit(MaxMessage)
	c := &Conn{Charger: cp, ws: ws, s: s, pending: map[string]chan Frame{}, calls: make(chan struct{}, 1), done: make(chan struct{})}
	s.mu.Lock()
	if s.conns == nil {
		s.conns = map[string]*Conn{}
	}
	old := s.conns[ocppID]
	s.conns[ocppID] = c
	n := len(s.conns)
	s.mu.Unlock()
	if s.CountChanged != nil {
		s.CountChanged(n)
	}
	if old != nil {
		// The old connection is told why it ends (a close frame, 1008), in the background: a
		// charge point that connects again has usually lost it (a reboot, a dead link), and
		// the new one must not wait for an answer that may never come.
		old.replaced.Store(true)
		old.mu.Lock()
		if old.closing == nil {
			old.closing = make(chan struct{})
			go func(ch chan struct{}) {
				closeSoon(old.ws, websocket.StatusPolicyViolation, "replaced by a newer connection")
				close(ch)
			}(old.closing)
		}
		old.mu.Unlock()
	}
	if s.Connected != nil {
		s.Connected(c)
	}
	// The connection lives on in a goroutine of its own, and the request's handler returns:
	// a connection is then one shallow goroutine stack instead of the HTTP server's deep
	// one, which matters to the garbage collector with thousands connected.
	go s.run(c, context.WithoutCancel(r.Context()))
}

// replacedWait is how long a replaced connection may take to answer its close frame (the
// frame is written at once; a live peer answers in a round trip, a dead one never).
const replacedWait = 200 * time.Millisecond

// closeSoon closes ws with code and reason, waiting replacedWait at most for the answer.
func closeSoon(ws *websocket.Conn, code websocket.StatusCode, reason string) {
	done := make(chan struct{})
	go func() { ws.Close(code, reason); close(done) }()
	select {
	case <-done:
	case <-time.After(replacedWait):
		ws.CloseNow()
	}
}

func (s *Server) run(c *Conn, ctx context.Context) {
	c.run(ctx)
	s.mu.Lock()
	if s.conns[c.OCPPID] == c {
		delete(s.conns, c.OCPPID)
	}
	n := len(s.conns)
	s.mu.Unlock()
	if s.CountChanged != nil {
		s.CountChanged(n)
	}
	if s.Disconnected != nil {
		s.Disconnected(c)
	}
	close(c.done)
}

// Close closes every connection (at shutdown) and returns when each has ended.
func (s *Server) Close() {
	s.mu.Lock()
	conns := make([]*Conn, 0, len(s.conns))
	for _, c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.ws.CloseNow() // a thousand closing handshakes, one after the other, would take minutes
	}
	for _, c := range conns {
		<-c.done
	}
}

// containsToken reports whether a comma-separated header (Sec-WebSocket-Protocol) lists want.
func containsToken(values []string, want string) bool {
	for _, v := range values {
		for p := range strings.SplitSeq(v, ",") {
			if strings.TrimSpace(p) == want {
				return true
			}
		}
	}
	return false
}
