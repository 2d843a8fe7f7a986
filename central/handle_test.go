package central_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"chargedesk/central"
	"chargedesk/db/dbtest"
	"chargedesk/ocpp"
)

// One message from a charge point: its effect commits with its protocol-log rows before
// the answer, and malformed input is the CALLERROR the spec names, with nothing done.
func TestHandle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		action   string
		payload  func(card string) string
		wantCode string // a CALLERROR's code, or ""
		wantConf string // in the answer's JSON
		wantLog  int    // protocol-log rows added
	}{
		{"a heartbeat is answered with the time", "Heartbeat", func(string) string { return `{}` }, "", `"currentTime"`, 2},
		{"a boot is accepted with the heartbeat interval", "BootNotification",
			func(string) string { return `{"chargePointVendor":"Mennekes","chargePointModel":"Amtron"}` }, "", `"interval":30`, 2},
		{"a boot without a vendor", "BootNotification", func(string) string { return `{"chargePointModel":"Amtron"}` }, ocpp.OccurenceConstraintViolation, "", 0},
		{"a boot with a too long model", "BootNotification",
			func(string) string {
				return `{"chargePointVendor":"M","chargePointModel":"` + strings.Repeat("x", 21) + `"}`
			}, ocpp.PropertyConstraintViolation, "", 0},
		{"a number where a string belongs", "BootNotification", func(string) string { return `{"chargePointVendor":7,"chargePointModel":"A"}` }, ocpp.TypeConstraintViolation, "", 0},
		{"an active card is accepted", "Authorize", func(card string) string { return `{"idTag":"` + card + `"}` }, "", `"Accepted"`, 2},
		{"an unknown card is invalid", "Authorize", func(string) string { return `{"idTag":"FFFFFFFFFFFFFF"}` }, "", `"Invalid"`, 3},
		{"a start without a connector", "StartTransaction", func(card string) string {
			return `{"idTag":"` + card + `","meterStart":0,"timestamp":"2026-12-06T12:00:00Z"}`
		}, ocpp.OccurenceConstraintViolation, "", 0},
		{"a vendor's data transfer", "DataTransfer", func(string) string { return `{"vendorId":"acme"}` }, "", `"UnknownVendorId"`, 3},
		{"an action ChargeDesk does not implement", "FirmwareStatusNotification", func(string) string { return `{"status":"Idle"}` }, ocpp.NotImplemented, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := dbtest.Seeded(t)
			var cp ocpp.Charger
			var card string
			if err := d.R.QueryRow(`SELECT id, ocpp_id FROM chargers ORDER BY id LIMIT 1`).Scan(&cp.ID, &cp.OCPPID); err != nil {
				t.Fatal(err)
			}
			cp.Heartbeat = 30 * time.Second
			d.R.QueryRow(`SELECT uid FROM ev_cards WHERE status = 'active' ORDER BY id LIMIT 1`).Scan(&card)
			c := central.New(d, time.Now, slog.New(slog.DiscardHandler))
			logRows := func() (n int) {
				d.R.QueryRow(`SELECT count(*) FROM ocpp_log WHERE charger_id = ?`, cp.ID).Scan(&n)
				return n
			}
			before := logRows()
			res, err := c.Handle(context.Background(), &ocpp.Conn{Charger: cp}, tt.action, json.RawMessage(tt.payload(card)))
			if tt.wantCode != "" {
				var oerr *ocpp.Error
				if !errors.As(err, &oerr) || oerr.Code != tt.wantCode {
					t.Fatalf("%v, want CALLERROR %s", err, tt.wantCode)
				}
			} else {
				b, _ := json.Marshal(res)
				if err != nil || !strings.Contains(string(b), tt.wantConf) {
					t.Fatalf("answer %s (%v), want it to contain %s", b, err, tt.wantConf)
				}
			}
			if got := logRows() - before; tt.wantCode == "" && got != tt.wantLog {
				t.Errorf("%d protocol-log rows, want %d (in, notes, out)", got, tt.wantLog)
			}
		})
	}
}

// A connection's "Connected" row is written with its first message (not in a commit of its
// own, which every charge point waited for in a reconnect storm), and still comes first in
// the protocol log; a connection that said nothing gets it with its "Disconnected" row.
func TestConnectionRowsComeFirst(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		then func(c *central.Central, conn *ocpp.Conn)
		want string // the actions of the rows written, in order
	}{
		{"a heartbeat, then gone", func(c *central.Central, conn *ocpp.Conn) {
			if _, err := c.Handle(context.Background(), conn, "Heartbeat", json.RawMessage(`{}`)); err != nil {
				t.Fatal(err)
			}
			c.Disconnected(conn)
		}, "Connected Heartbeat Heartbeat Disconnected"},
		{"a malformed boot first", func(c *central.Central, conn *ocpp.Conn) {
			c.Handle(context.Background(), conn, "BootNotification", json.RawMessage(`{"chargePointModel":"A"}`))
			c.Disconnected(conn)
		}, "Connected BootNotification Disconnected"},
		{"silent, then gone", func(c *central.Central, conn *ocpp.Conn) { c.Disconnected(conn) }, "Connected Disconnected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := dbtest.Seeded(t)
			var cp ocpp.Charger
			if err := d.R.QueryRow(`SELECT id, ocpp_id FROM chargers ORDER BY id LIMIT 1`).Scan(&cp.ID, &cp.OCPPID); err != nil {
				t.Fatal(err)
			}
			var last int64
			d.R.QueryRow(`SELECT coalesce(max(id), 0) FROM ocpp_log`).Scan(&last)
			c := central.New(d, time.Now, slog.New(slog.DiscardHandler))
			conn := &ocpp.Conn{Charger: cp}
			c.Connected(conn)
			var n int
			d.R.QueryRow(`SELECT count(*) FROM ocpp_log WHERE id > ?`, last).Scan(&n)
			if n != 0 {
				t.Errorf("%d rows written at connection time, want none (a commit every charge point waits for)", n)
			}
			tt.then(c, conn)
			var got string
			d.R.QueryRow(`SELECT coalesce(group_concat(action, ' '), '') FROM (SELECT action FROM ocpp_log WHERE charger_id = ? AND id > ? ORDER BY id)`, cp.ID, last).Scan(&got)
			if got != tt.want {
				t.Errorf("protocol log %q, want %q", got, tt.want)
			}
		})
	}
}
