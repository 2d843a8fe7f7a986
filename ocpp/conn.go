package ocpp

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Conn is one charge point's connection.
type Conn struct {
	Charger
	ws *websocket.Conn
	s  *Server

	wmu     sync.Mutex // one writer at a time
	mu      sync.Mutex
	pending map[string]chan Frame
	calls   chan struct{} // one call to the charge point at a time (OCPP-J §4.1.1)
	seq     atomic.Int64
	done    chan struct{}
	// closing is closed once a polite close (a close frame with a reason) has finished: run
	// waits for it before it drops the connection, so the frame is not cut off.
	closing chan struct{}
	// replaced: a newer connection of the same charge point took over; this one answers
	// nothing more while its close frame goes out.
	replaced atomic.Bool
}

// ErrOffline means the charge point disconnected before it answered.
var ErrOffline = errors.New("ocpp: the charge point is not connected")

// ErrTimeout means the charge point did not answer in time.
var ErrTimeout = errors.New("ocpp: the charge point did not answer in time")

// Call sends action to the charge point and waits for its answer: the CALLRESULT's payload,
// an *Error for a CALLERROR, ErrTimeout, or ErrOffline.
func (c *Conn) Call(ctx context.Context, action string, req any) (json.RawMessage, error) {
	timeout := c.s.CallTimeout
	if timeout == 0 {
		timeout = 15 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	select {
	case c.calls <- struct{}{}:
		defer func() { <-c.calls }()
	case <-c.done:
		return nil, ErrOffline
	case <-ctx.Done():
		return nil, ErrTimeout
	}
	id := "cs-" + strconv.FormatInt(c.seq.Add(1), 10)
	b, err := encodeCall(id, action, req)
	if err != nil {
		return nil, err
	}
	answer := make(chan Frame, 1)
	c.mu.Lock()
	c.pending[id] = answer
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}()
	if err := c.write(ctx, b); err != nil {
		return nil, ErrOffline
	}
	select {
	case f := <-answer:
		if f.Err != nil {
			return nil, f.Err
		}
		return f.Payload, nil
	case <-c.done:
		return nil, ErrOffline
	case <-ctx.Done():
		return nil, ErrTimeout
	}
}

// Close ends the connection.
func (c *Conn) Close(reason string) { c.ws.Close(websocket.StatusNormalClosure, reason) }

func (c *Conn) write(ctx context.Context, b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, b)
}

// run reads frames until the connection ends: a CALL is answered (in order, one at a time,
// as the charge point waits for each answer), an answer goes to the Call waiting for it. A
// frame that cannot be read is answered with a CALLERROR and the connection stays up; a
// silent charge point (nothing for three heartbeats) is disconnected.
func (c *Conn) run(ctx context.Context) {
	defer func() {
		c.mu.Lock()
		closing := c.closing
		c.mu.Unlock()
		if closing != nil {
			<-closing
		}
		c.ws.CloseNow()
	}()
	for {
		rctx, cancel := context.WithTimeout(ctx, 3*c.Heartbeat+30*time.Second)
		typ, b, err := c.ws.Read(rctx)
		cancel()
		if err == nil && c.replaced.Load() {
			return // a newer connection answers for this charge point now
		}
		if err != nil {
			if !errors.Is(err, context.Canceled) && websocket.CloseStatus(err) == -1 {
				c.s.Log.Info("ocpp: connection ended", "charge_point", c.OCPPID, "why", err.Error())
			}
			return
		}
		if typ != websocket.MessageText {
			c.malformed(b, "", Errorf(FormationViolation, "OCPP-J frames are text messages"))
			continue
		}
		f, perr := Parse(b)
		if perr != nil {
			c.malformed(b, f.ID, perr)
			continue
		}
		switch f.Type {
		case TypeCall:
			c.answer(ctx, f)
		default:
			c.mu.Lock()
			ch := c.pending[f.ID]
			c.mu.Unlock()
			if ch == nil {
				c.s.Log.Warn("ocpp: an answer to no call", "charge_point", c.OCPPID, "id", f.ID)
				continue
			}
			ch <- f
		}
	}
}

func (c *Conn) answer(ctx context.Context, f Frame) {
	res, err := c.s.Handle(ctx, c, f.Action, f.Payload)
	var out []byte
	var oerr *Error
	switch {
	case errors.As(err, &oerr):
		out, err = encodeError(f.ID, oerr)
	case err != nil:
		c.s.Log.Error("ocpp: handling a call", "charge_point", c.OCPPID, "action", f.Action, "err", err)
		out, err = encodeError(f.ID, Errorf(InternalError, "the central system could not handle %s now; try again", f.Action))
	default:
		out, err = encodeResult(f.ID, res)
	}
	if err == nil {
		err = c.write(ctx, out)
	}
	if err != nil {
		c.s.Log.Info("ocpp: could not answer", "charge_point", c.OCPPID, "action", f.Action, "err", err)
	}
}

func (c *Conn) malformed(raw []byte, id string, e *Error) {
	if c.s.Malformed != nil {
		c.s.Malformed(c, raw, e)
	}
	if b, err := encodeError(id, e); err == nil {
		c.write(context.Background(), b)
	}
}
