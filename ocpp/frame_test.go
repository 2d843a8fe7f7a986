package ocpp_test

import (
	"strings"
	"testing"

	"chargedesk/ocpp"
)

// OCPP-J frames (OCPP-J 1.6 §4): what parses, and the FormationViolation for what does not,
// with the unique id kept when it could be read (the answer names it).
func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		frame      string
		wantType   int
		wantAction string
		wantID     string
		wantErr    string // in the FormationViolation's description; "" parses
	}{
		{"a CALL", `[2,"19223201","BootNotification",{"chargePointVendor":"VendorX"}]`, ocpp.TypeCall, "BootNotification", "19223201", ""},
		{"a CALLRESULT", `[3,"19223201",{"status":"Accepted"}]`, ocpp.TypeCallResult, "", "19223201", ""},
		{"a CALLERROR", `[4,"19223201","NotImplemented","no",{}]`, ocpp.TypeCallError, "", "19223201", ""},
		{"not JSON", `BootNotification`, 0, "", "", "not a JSON array"},
		{"an object, not an array", `{"a":1}`, 0, "", "", "not a JSON array"},
		{"too short", `[2,"1"]`, 0, "", "", "at least 3 elements"},
		{"a string type", `["2","1","Heartbeat",{}]`, 0, "", "", "message type is not a number"},
		{"an empty id", `[2,"","Heartbeat",{}]`, 0, "", "", "unique id"},
		{"an id past 36 characters", `[2,"` + strings.Repeat("x", 37) + `","Heartbeat",{}]`, 0, "", "", "unique id"},
		{"a CALL without its payload", `[2,"1","Heartbeat"]`, ocpp.TypeCall, "", "1", "a CALL has 4 elements"},
		{"a CALL whose payload is an array", `[2,"1","Heartbeat",[]]`, ocpp.TypeCall, "Heartbeat", "1", "not a JSON object"},
		{"a CALL whose action is a number", `[2,"1",7,{}]`, ocpp.TypeCall, "", "1", "action is not a string"},
		{"an unknown type", `[5,"1",{},{}]`, 5, "", "1", "unknown message type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := ocpp.Parse([]byte(tt.frame))
			if tt.wantErr == "" {
				if err != nil || f.Type != tt.wantType || f.Action != tt.wantAction || f.ID != tt.wantID {
					t.Fatalf("Parse: %+v, %v; want type %d, action %q, id %q", f, err, tt.wantType, tt.wantAction, tt.wantID)
				}
				return
			}
			if err == nil || err.Code != ocpp.FormationViolation || !strings.Contains(err.Description, tt.wantErr) {
				t.Fatalf("Parse: %v, want a FormationViolation with %q", err, tt.wantErr)
			}
			if f.ID != tt.wantID {
				t.Errorf("id %q, want %q (the answer names it)", f.ID, tt.wantID)
			}
		})
	}
}
