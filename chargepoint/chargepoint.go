// Package chargepoint is a simulated OCPP 1.6J charge point: it connects to a central
// system over a WebSocket as a real one does (Basic auth, subprotocol ocpp1.6), boots,
// reports its connectors, sends heartbeats, starts and stops transactions when asked,
// and sends meter values while it charges. The demo runs one per demo charger, and the
// load benchmark a thousand; it never touches the database.
package chargepoint

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"chargedesk/ocpp"
)

// Config describes one charge point.
type Config struct {
	URL      string // the central system's OCPP base, e.g. ws://127.0.0.1:8080/ocpp/1.6
	ID       string // chargeBoxId
	Password string
	Vendor   string
	Model    string
	// Connectors is how many connectors it has (numbered 1…).
	Connectors int
	// PowerW is what a connector delivers while charging.
	PowerW int64
	// MeterEvery is how often it sends MeterValues while charging (default 10 s); the
	// heartbeat interval is what the central system says at boot.
	MeterEvery time.Duration
	// Resume are transactions it was running before this process started.
	Resume []Transaction
	Log    *slog.Logger
	// Observe, when set, hears of every call it made: its action, how long the answer took
	// and the error (a CALLERROR, no answer, a lost connection); the load benchmark's figures.
	Observe func(action string, took time.Duration, err error)
	// Ready, when set, is called each time it is connected, booted and has reported its
	// connectors (a second time is a reconnect).
	Ready func()
}

// Transaction is a transaction the charge point runs.
type Transaction struct {
	ID        int64
	Connector int
	IDTag     string
	EnergyWh  int64 // the meter now
	SoC       int64 // percent, -1 unknown
}

// ChargePoint is one simulated charge point.
type ChargePoint struct {
	cfg Config

	mu        sync.Mutex
	tx        map[int]*Transaction // by connector
	meters    map[int]int64        // each connector's meter after its last transaction
	heartbeat time.Duration
	ws        *websocket.Conn
	wmu       sync.Mutex
	pending   map[string]chan frame
	lost      chan struct{} // closed when the connection's reader stops: no answer will come
	seq       atomic.Int64
	calls     chan struct{}
	online    atomic.Bool
	redial    atomic.Bool // Drop asked for a reconnect at once, without backing off
	// Sent counts the messages it sent, Boots its accepted boots (for the load benchmark: a
	// second boot is a reconnect).
	Sent, Boots atomic.Int64
}

// New makes a charge point; Run connects it.
func New(cfg Config) *ChargePoint {
	if cfg.MeterEvery == 0 {
		cfg.MeterEvery = 10 * time.Second
	}
	if cfg.Connectors == 0 {
		cfg.Connectors = 1
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	cp := &ChargePoint{cfg: cfg, tx: map[int]*Transaction{}, meters: map[int]int64{}, heartbeat: 5 * time.Minute, calls: make(chan struct{}, 1)}
	for _, t := range cfg.Resume {
		cp.tx[t.Connector] = &t
	}
	return cp
}

// Online reports whether it is connected and booted.
func (cp *ChargePoint) Online() bool { return cp.online.Load() }

// Charging is the transaction on connector n, if there is one.
func (cp *ChargePoint) Charging(n int) (Transaction, bool) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	t, ok := cp.tx[n]
	if !ok {
		return Transaction{}, false
	}
	return *t, true
}

// Run connects, and reconnects after a lost connection (backing off up to a minute), until
// ctx ends.
func (cp *ChargePoint) Run(ctx context.Context) {
	backoff := time.Second
	for ctx.Err() == nil {
		start := time.Now()
		err := cp.session(ctx)
		cp.online.Store(false)
		if ctx.Err() != nil {
			return
		}
		if time.Since(start) > time.Minute {
			backoff = time.Second
		}
		if cp.redial.Swap(false) {
			continue // dropped on purpose: back at once, as after a central system's restart
		}
		cp.cfg.Log.Debug("charge point: disconnected", "id", cp.cfg.ID, "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Minute)
	}
}

type frame struct {
	typ     int
	id      string
	action  string
	payload json.RawMessage
	errCode string
	errDesc string
}

// ErrConnectionLost: the connection dropped while a call waited for its answer.
var ErrConnectionLost = errors.New("the connection was lost before the answer")

// CallError is a CALLERROR the central system answered a call with.
type CallError struct {
	Action, Code, Description string
}

func (e *CallError) Error() string {
	return e.Action + " answered CALLERROR " + e.Code + ": " + e.Description
}

func parse(b []byte) (frame, error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil || len(parts) < 3 {
		return frame{}, errors.New("not an OCPP-J frame")
	}
	var f frame
	json.Unmarshal(parts[0], &f.typ)
	json.Unmarshal(parts[1], &f.id)
	switch {
	case f.typ == 2 && len(parts) == 4:
		json.Unmarshal(parts[2], &f.action)
		f.payload = parts[3]
	case f.typ == 3:
		f.payload = parts[2]
	case f.typ == 4:
		json.Unmarshal(parts[2], &f.errCode)
		if len(parts) > 3 {
			json.Unmarshal(parts[3], &f.errDesc)
		}
	}
	return f, nil
}

// session is one connection: dial, boot, report, then heartbeats and meter values until it
// drops.
func (cp *ChargePoint) session(ctx context.Context) error {
	auth := base64.StdEncoding.EncodeToString([]byte(cp.cfg.ID + ":" + cp.cfg.Password))
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	dialed := time.Now()
	ws, _, err := websocket.Dial(dctx, cp.cfg.URL+"/"+cp.cfg.ID, &websocket.DialOptions{
		Subprotocols: []string{ocpp.Subprotocol},
		HTTPHeader:   http.Header{"Authorization": {"Basic " + auth}},
	})
	cancel()
	if cp.cfg.Observe != nil {
		cp.cfg.Observe("(connect)", time.Since(dialed), err)
	}
	if err != nil {
		return err
	}
	ws.SetReadLimit(ocpp.MaxMessage)
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	cp.mu.Lock()
	cp.ws = ws
	cp.pending = map[string]chan frame{}
	lost := make(chan struct{})
	cp.lost = lost
	cp.mu.Unlock()
	defer ws.CloseNow()
	readErr := make(chan error, 1)
	go func() { err := cp.read(ctx, ws); close(lost); readErr <- err }()

	var boot ocpp.BootNotificationConf
	if err := cp.call(ctx, "BootNotification", ocpp.BootNotificationReq{ChargePointVendor: cp.cfg.Vendor, ChargePointModel: cp.cfg.Model,
		FirmwareVersion: "sim-1.6.0"}, &boot); err != nil {
		return err
	}
	if boot.Interval > 0 {
		cp.mu.Lock()
		cp.heartbeat = time.Duration(boot.Interval) * time.Second
		cp.mu.Unlock()
	}
	cp.online.Store(true)
	cp.Boots.Add(1)
	for n := 1; n <= cp.cfg.Connectors; n++ {
		status := "Available"
		if _, ok := cp.Charging(n); ok {
			status = "Charging"
		}
		if err := cp.status(ctx, n, status); err != nil {
			return err
		}
	}
	if cp.cfg.Ready != nil {
		cp.cfg.Ready()
	}
	cp.mu.Lock()
	hb := time.NewTicker(cp.heartbeat)
	cp.mu.Unlock()
	defer hb.Stop()
	meter := time.NewTicker(cp.cfg.MeterEvery)
	defer meter.Stop()
	for {
		select {
		case err := <-readErr:
			return err
		case <-ctx.Done():
			return ctx.Err()
		case <-hb.C:
			if err := cp.call(ctx, "Heartbeat", ocpp.Empty{}, nil); err != nil {
				return err
			}
		case <-meter.C:
			if err := cp.sendMeterValues(ctx); err != nil {
				return err
			}
		}
	}
}

// Drop closes its connection; Run connects again at once (the load benchmark's reconnect
// storm: every charge point back at the same moment, as after the central system restarts).
func (cp *ChargePoint) Drop() {
	cp.mu.Lock()
	ws := cp.ws
	cp.mu.Unlock()
	if ws != nil {
		cp.redial.Store(true)
		ws.CloseNow()
	}
}

// read delivers answers to waiting calls and answers the central system's calls.
func (cp *ChargePoint) read(ctx context.Context, ws *websocket.Conn) error {
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			return err
		}
		f, err := parse(b)
		if err != nil {
			continue
		}
		if f.typ == 2 {
			go cp.answer(ctx, f)
			continue
		}
		cp.mu.Lock()
		ch := cp.pending[f.id]
		cp.mu.Unlock()
		if ch != nil {
			ch <- f
		}
	}
}

func (cp *ChargePoint) write(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	cp.mu.Lock()
	ws := cp.ws
	cp.mu.Unlock()
	cp.wmu.Lock()
	defer cp.wmu.Unlock()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cp.Sent.Add(1)
	return ws.Write(wctx, websocket.MessageText, b)
}

// Call sends any CALL (req marshals to its payload) and decodes its answer into conf (nil:
// ignored); a CALLERROR is a *CallError. For tools and tests that play a charger's every
// message, whatever it says.
func (cp *ChargePoint) Call(ctx context.Context, action string, req, conf any) error {
	return cp.call(ctx, action, req, conf)
}

// call sends a CALL and waits for its answer (one at a time, as OCPP-J wants), and tells
// Observe how it went.
func (cp *ChargePoint) call(ctx context.Context, action string, req, conf any) error {
	took, err := cp.roundTrip(ctx, action, req, conf)
	if cp.cfg.Observe != nil {
		cp.cfg.Observe(action, took, err)
	}
	return err
}

// roundTrip is call's CALL and answer; took runs from the CALL's sending to its answer.
func (cp *ChargePoint) roundTrip(ctx context.Context, action string, req, conf any) (took time.Duration, err error) {
	select {
	case cp.calls <- struct{}{}:
		defer func() { <-cp.calls }()
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	id := cp.cfg.ID + "-" + strconv.FormatInt(cp.seq.Add(1), 10)
	if len(id) > 36 {
		id = id[len(id)-36:]
	}
	ch := make(chan frame, 1)
	cp.mu.Lock()
	cp.pending[id] = ch
	lost := cp.lost
	cp.mu.Unlock()
	defer func() {
		cp.mu.Lock()
		delete(cp.pending, id)
		cp.mu.Unlock()
	}()
	start := time.Now()
	if err := cp.write(ctx, []any{2, id, action, req}); err != nil {
		return time.Since(start), err
	}
	select {
	case f := <-ch:
		took = time.Since(start)
		if f.typ == 4 {
			return took, &CallError{Action: action, Code: f.errCode, Description: f.errDesc}
		}
		if conf != nil {
			return took, json.Unmarshal(f.payload, conf)
		}
		return took, nil
	case <-lost:
		return time.Since(start), fmt.Errorf("%s: %w", action, ErrConnectionLost)
	case <-time.After(30 * time.Second):
		return time.Since(start), fmt.Errorf("%s: no answer", action)
	case <-ctx.Done():
		return time.Since(start), ctx.Err()
	}
}

func (cp *ChargePoint) status(ctx context.Context, connector int, status string) error {
	n := connector
	now := time.Now().UTC()
	return cp.call(ctx, "StatusNotification", ocpp.StatusNotificationReq{ConnectorID: &n, ErrorCode: "NoError", Status: status, Timestamp: &now}, nil)
}
