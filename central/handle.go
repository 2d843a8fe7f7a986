package central

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"chargedesk/ocpp"
	"chargedesk/queries"
)

// effect is what one message does, inside the transaction that also logs it: the answer's
// payload, notes for the protocol log (why a card was refused, say), or an error.
type effect func(ctx context.Context, tx *sql.Tx, q *queries.Queries, now time.Time) (any, []string, error)

// handle answers one CALL from a charge point. The message, its effect and the answer's log
// row commit together before the answer is sent: an answered message is never lost, and a
// message that could not be recorded is answered with InternalError (the charge point sends
// it again).
func (c *Central) handle(ctx context.Context, cp *ocpp.Conn, action string, payload json.RawMessage) (any, error) {
	var fx effect
	var err error
	switch action {
	case "BootNotification":
		fx, err = c.boot(cp, payload)
	case "Heartbeat":
		fx = func(ctx context.Context, _ *sql.Tx, q *queries.Queries, now time.Time) (any, []string, error) {
			return ocpp.HeartbeatConf{CurrentTime: now.UTC()}, nil, touch(ctx, q, cp.ID, now)
		}
	case "StatusNotification":
		fx, err = c.status(cp, payload)
	case "Authorize":
		fx, err = c.authorize(cp, payload)
	case "StartTransaction":
		fx, err = c.startTransaction(cp, payload)
	case "MeterValues":
		fx, err = c.meterValues(cp, payload)
	case "StopTransaction":
		fx, err = c.stopTransaction(cp, payload)
	case "DataTransfer":
		var req ocpp.DataTransferReq
		if err = decode(payload, &req); err == nil {
			fx = func(ctx context.Context, _ *sql.Tx, q *queries.Queries, now time.Time) (any, []string, error) {
				return ocpp.DataTransferConf{Status: "UnknownVendorId"}, []string{"ChargeDesk supports no vendor-specific data transfers"}, touch(ctx, q, cp.ID, now)
			}
		}
	default:
		err = ocpp.Errorf(ocpp.NotImplemented, "ChargeDesk does not implement %q", action)
	}
	counted := action
	var nie *ocpp.Error
	if errors.As(err, &nie) && nie.Code == ocpp.NotImplemented {
		counted = "other" // a charger's unknown actions do not each become a series
	}
	metrics.GetOrCreateCounter(`chargedesk_ocpp_calls_total{action="` + counted + `"}`).Inc()
	now := c.now()
	if err != nil {
		var oerr *ocpp.Error
		if errors.As(err, &oerr) {
			c.connLog(ctx, cp, note{direction: "in", action: action, message: compact(payload) + "  → CALLERROR " + oerr.Code + ": " + oerr.Description})
		}
		return nil, err
	}
	var res any
	err = c.db.Tx(ctx, func(tx *sql.Tx) error {
		q := c.inTx(tx)
		var notes []string
		var err error
		if res, notes, err = fx(ctx, tx, q, now); err != nil {
			return err
		}
		rows := append(c.openedNote(cp), note{direction: "in", action: action, message: compact(payload)})
		for _, n := range notes {
			rows = append(rows, note{direction: "note", action: action, message: n})
		}
		rows = append(rows, note{direction: "out", action: action, message: mustJSON(res)})
		return writeLog(ctx, q, cp.ID, now, rows...)
	})
	if err == nil {
		c.opened.Delete(cp) // written with this message
	}
	return res, err
}

// touch records that the charge point was heard from.
func touch(ctx context.Context, q *queries.Queries, charger int64, now time.Time) error {
	return q.TouchCharger(ctx, queries.TouchChargerParams{ID: charger, At: sql.NullInt64{Int64: now.Unix(), Valid: true}})
}

// decode reads a payload into v; a payload of the wrong shape is the CALLERROR the spec
// names for it.
func decode(payload json.RawMessage, v any) error {
	d := json.NewDecoder(bytes.NewReader(payload))
	if err := d.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return ocpp.Errorf(ocpp.TypeConstraintViolation, "%s must be %s, not %s", te.Field, kind(te.Type.String()), te.Value)
		}
		var pe *time.ParseError
		if errors.As(err, &pe) {
			return ocpp.Errorf(ocpp.TypeConstraintViolation, "a timestamp is not an RFC 3339 date-time: %q", pe.Value)
		}
		return ocpp.Errorf(ocpp.FormationViolation, "the payload cannot be read: %v", err)
	}
	return nil
}

func kind(goType string) string {
	switch goType {
	case "int", "int64", "*int", "*int64":
		return "an integer"
	case "string":
		return "a string"
	}
	return "of type " + goType
}

// required is the OccurenceConstraintViolation for a missing field.
func required(field string) error {
	return ocpp.Errorf(ocpp.OccurenceConstraintViolation, "%s is required", field)
}

// maxLen is the PropertyConstraintViolation for a string longer than the spec allows.
func maxLen(field, value string, n int) error {
	if len(value) > n {
		return ocpp.Errorf(ocpp.PropertyConstraintViolation, "%s is at most %d characters", field, n)
	}
	return nil
}

func compact(b []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return string(b)
	}
	return buf.String()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
