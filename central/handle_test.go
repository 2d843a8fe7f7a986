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
