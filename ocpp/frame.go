// Package ocpp is the transport of OCPP 1.6J: JSON frames over a WebSocket with the
// subprotocol ocpp1.6, one connection per charge point. It knows frames, calls and errors;
// what a message means for ChargeDesk is the central package's business.
package ocpp

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Message types of OCPP-J (OCPP-J 1.6 §4.1.3).
const (
	TypeCall       = 2
	TypeCallResult = 3
	TypeCallError  = 4
)

// Error codes of a CALLERROR (OCPP-J 1.6 §4.2.3).
const (
	NotImplemented               = "NotImplemented"
	NotSupported                 = "NotSupported"
	InternalError                = "InternalError"
	ProtocolError                = "ProtocolError"
	SecurityError                = "SecurityError"
	FormationViolation           = "FormationViolation"
	PropertyConstraintViolation  = "PropertyConstraintViolation"
	OccurenceConstraintViolation = "OccurenceConstraintViolation" // sic, as the spec spells it
	TypeConstraintViolation      = "TypeConstraintViolation"
	GenericError                 = "GenericError"
)

// Error is a CALLERROR: what a handler returns to refuse a call with a code, and what a call
// to the charge point returns when the charge point refuses it.
type Error struct {
	Code, Description string
}

func (e *Error) Error() string { return "ocpp: " + e.Code + ": " + e.Description }

// Errorf is an *Error with a formatted description.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Description: fmt.Sprintf(format, args...)}
}

// Frame is one OCPP-J message.
type Frame struct {
	Type    int
	ID      string          // the unique id that pairs a CALL with its answer
	Action  string          // CALL only
	Payload json.RawMessage // CALL and CALLRESULT
	Err     *Error          // CALLERROR only
}

// maxIDLength is the longest unique id the spec allows (CiString36).
const maxIDLength = 36

// Parse reads one frame. A frame that is not an OCPP-J array of the right shape is a
// FormationViolation; its unique id is returned when it could be read, so that the answer
// can name it.
func Parse(b []byte) (Frame, *Error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil {
		return Frame{}, Errorf(FormationViolation, "not a JSON array: %v", err)
	}
	if len(parts) < 3 {
		return Frame{}, Errorf(FormationViolation, "a frame has at least 3 elements, this one %d", len(parts))
	}
	var f Frame
	if err := json.Unmarshal(parts[0], &f.Type); err != nil {
		return Frame{}, Errorf(FormationViolation, "the message type is not a number")
	}
	if err := json.Unmarshal(parts[1], &f.ID); err != nil || f.ID == "" || len(f.ID) > maxIDLength {
		return Frame{}, Errorf(FormationViolation, "the unique id is not a string of 1 to %d characters", maxIDLength)
	}
	switch f.Type {
	case TypeCall:
		if len(parts) != 4 {
			return f, Errorf(FormationViolation, "a CALL has 4 elements, this one %d", len(parts))
		}
		if err := json.Unmarshal(parts[2], &f.Action); err != nil || f.Action == "" {
			return f, Errorf(FormationViolation, "the action is not a string")
		}
		if !isObject(parts[3]) {
			return f, Errorf(FormationViolation, "the payload of %s is not a JSON object", f.Action)
		}
		f.Payload = parts[3]
	case TypeCallResult:
		if len(parts) != 3 || !isObject(parts[2]) {
			return f, Errorf(FormationViolation, "a CALLRESULT is [3, id, {payload}]")
		}
		f.Payload = parts[2]
	case TypeCallError:
		if len(parts) != 5 {
			return f, Errorf(FormationViolation, "a CALLERROR has 5 elements, this one %d", len(parts))
		}
		f.Err = &Error{}
		if json.Unmarshal(parts[2], &f.Err.Code) != nil || json.Unmarshal(parts[3], &f.Err.Description) != nil {
			return f, Errorf(FormationViolation, "a CALLERROR's code and description are strings")
		}
	default:
		return f, Errorf(FormationViolation, "unknown message type %d", f.Type)
	}
	return f, nil
}

func isObject(b json.RawMessage) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 1 && b[0] == '{'
}

// encodeCall, encodeResult and encodeError write the three frames.
func encodeCall(id, action string, payload any) ([]byte, error) {
	return json.Marshal([]any{TypeCall, id, action, payload})
}

func encodeResult(id string, payload any) ([]byte, error) {
	return json.Marshal([]any{TypeCallResult, id, payload})
}

func encodeError(id string, e *Error) ([]byte, error) {
	if id == "" {
		id = "-1" // the spec's answer to a frame whose id could not be read
	}
	return json.Marshal([]any{TypeCallError, id, e.Code, e.Description, struct{}{}})
}
