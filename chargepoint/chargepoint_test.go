package chargepoint_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"chargedesk/chargepoint"
)

// A call waiting for its answer when the connection drops ends with ErrConnectionLost at
// once, rather than waiting out its timeout with the session held (which made every charge
// point of a reconnect storm wait 30 s).
func TestACallEndsWhenItsConnectionDrops(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"ocpp1.6"}})
		if err != nil {
			return
		}
		ctx := r.Context()
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				return
			}
			var call []json.RawMessage
			json.Unmarshal(b, &call)
			var action string
			json.Unmarshal(call[2], &action)
			var id string
			json.Unmarshal(call[1], &id)
			switch action {
			case "BootNotification":
				ws.Write(ctx, websocket.MessageText, []byte(`[3,"`+id+`",{"status":"Accepted","currentTime":"2026-12-07T00:00:00Z","interval":300}]`))
			case "StatusNotification":
				ws.Write(ctx, websocket.MessageText, []byte(`[3,"`+id+`",{}]`))
			default: // the call under test: the connection drops instead of an answer
				ws.CloseNow()
				return
			}
		}
	}))
	defer srv.Close()
	ready := make(chan struct{}, 1)
	cp := chargepoint.New(chargepoint.Config{URL: "ws" + strings.TrimPrefix(srv.URL, "http"), ID: "CP-1", Password: "pw", Vendor: "V", Model: "M",
		Ready: func() { ready <- struct{}{} }})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go cp.Run(ctx)
	<-ready
	err := cp.Call(ctx, "Heartbeat", struct{}{}, nil)
	if !errors.Is(err, chargepoint.ErrConnectionLost) {
		t.Fatalf("the call ended with %v, want ErrConnectionLost", err)
	}
}
