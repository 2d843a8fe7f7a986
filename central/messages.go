package central

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"chargedesk/charging"
	"chargedesk/ocpp"
	"chargedesk/queries"
)

// boot accepts a BootNotification: its firmware and time are kept (vendor and model stay as
// registered; the log has the boot's), and it is told its heartbeat interval.
func (c *Central) boot(cp *ocpp.Conn, payload json.RawMessage) (effect, error) {
	var req ocpp.BootNotificationReq
	if err := decode(payload, &req); err != nil {
		return nil, err
	}
	switch {
	case req.ChargePointVendor == "":
		return nil, required("chargePointVendor")
	case req.ChargePointModel == "":
		return nil, required("chargePointModel")
	}
	for _, e := range []error{maxLen("chargePointVendor", req.ChargePointVendor, 20), maxLen("chargePointModel", req.ChargePointModel, 20),
		maxLen("firmwareVersion", req.FirmwareVersion, 50)} {
		if e != nil {
			return nil, e
		}
	}
	return func(ctx context.Context, _ *sql.Tx, q *queries.Queries, now time.Time) (any, []string, error) {
		err := q.ChargerBooted(ctx, queries.ChargerBootedParams{ID: cp.ID, Firmware: req.FirmwareVersion, At: sql.NullInt64{Int64: now.Unix(), Valid: true}})
		return ocpp.BootNotificationConf{Status: "Accepted", CurrentTime: now.UTC(), Interval: int(cp.Heartbeat / time.Second)}, nil, err
	}, nil
}

var connectorStatuses = map[string]bool{"Available": true, "Preparing": true, "Charging": true, "SuspendedEVSE": true,
	"SuspendedEV": true, "Finishing": true, "Reserved": true, "Unavailable": true, "Faulted": true}

var errorCodes = map[string]bool{"ConnectorLockFailure": true, "EVCommunicationError": true, "GroundFailure": true,
	"HighTemperature": true, "InternalError": true, "LocalListConflict": true, "NoError": true, "OtherError": true,
	"OverCurrentFailure": true, "PowerMeterFailure": true, "PowerSwitchFailure": true, "ReaderFailure": true,
	"ResetFailure": true, "UnderVoltage": true, "OverVoltage": true, "WeakSignal": true}

// status records a StatusNotification: a connector's status and error code (connector 0 is
// the charge point itself: logged only). A connector that reports Available while a session
// is still open on it is noted: that session is stuck.
func (c *Central) status(cp *ocpp.Conn, payload json.RawMessage) (effect, error) {
	var req ocpp.StatusNotificationReq
	if err := decode(payload, &req); err != nil {
		return nil, err
	}
	switch {
	case req.ConnectorID == nil:
		return nil, required("connectorId")
	case *req.ConnectorID < 0:
		return nil, ocpp.Errorf(ocpp.PropertyConstraintViolation, "connectorId is 0 or more")
	case !connectorStatuses[req.Status]:
		return nil, ocpp.Errorf(ocpp.PropertyConstraintViolation, "status %q is not a ChargePointStatus", req.Status)
	case !errorCodes[req.ErrorCode]:
		return nil, ocpp.Errorf(ocpp.PropertyConstraintViolation, "errorCode %q is not a ChargePointErrorCode", req.ErrorCode)
	}
	return func(ctx context.Context, _ *sql.Tx, q *queries.Queries, now time.Time) (any, []string, error) {
		if err := touch(ctx, q, cp.ID, now); err != nil {
			return nil, nil, err
		}
		if *req.ConnectorID == 0 {
			return ocpp.Empty{}, []string{"the charge point as a whole is " + req.Status + " (" + req.ErrorCode + ")"}, nil
		}
		conn, err := q.ChargerConnectorByNumber(ctx, queries.ChargerConnectorByNumberParams{ChargerID: cp.ID, Number: int64(*req.ConnectorID)})
		if errors.Is(err, sql.ErrNoRows) {
			return ocpp.Empty{}, []string{"connector " + strconv.Itoa(*req.ConnectorID) + " is not registered for this charge point; ignored"}, nil
		} else if err != nil {
			return nil, nil, err
		}
		if err := q.SetConnectorOCPPStatus(ctx, queries.SetConnectorOCPPStatusParams{ID: conn.ID, Status: req.Status, ErrorCode: req.ErrorCode,
			At: sql.NullInt64{Int64: now.Unix(), Valid: true}}); err != nil {
			return nil, nil, err
		}
		var notes []string
		if req.Status == "Available" || req.Status == "Faulted" || req.Status == "Unavailable" {
			if s, err := q.ActiveSessionOnConnector(ctx, conn.ID); err == nil {
				notes = append(notes, "session #"+itoa(s.ID)+" is still open on this connector, which now reports "+req.Status+
					": the charge point never sent its StopTransaction, so the session is stuck")
			} else if !errors.Is(err, sql.ErrNoRows) {
				return nil, nil, err
			}
		}
		return ocpp.Empty{}, notes, nil
	}, nil
}

func checkIDTag(idTag string) error {
	if idTag == "" {
		return required("idTag")
	}
	return maxLen("idTag", idTag, 20)
}

// authorize answers whether a card may charge here, by the same rule as StartTransaction
// (charging.CardAt): so a charger never lets a car plug in that the start then refuses.
func (c *Central) authorize(cp *ocpp.Conn, payload json.RawMessage) (effect, error) {
	var req ocpp.AuthorizeReq
	if err := decode(payload, &req); err != nil {
		return nil, err
	}
	if err := checkIDTag(req.IDTag); err != nil {
		return nil, err
	}
	return func(ctx context.Context, _ *sql.Tx, q *queries.Queries, now time.Time) (any, []string, error) {
		if err := touch(ctx, q, cp.ID, now); err != nil {
			return nil, nil, err
		}
		_, refusal, err := charging.CardAt(ctx, q, cp.ID, req.IDTag)
		if err != nil {
			return nil, nil, err
		}
		if refusal != nil {
			return ocpp.AuthorizeConf{IDTagInfo: ocpp.IDTagInfo{Status: refusal.Status}}, []string{"refused: " + refusal.Why}, nil
		}
		return ocpp.AuthorizeConf{IDTagInfo: ocpp.IDTagInfo{Status: "Accepted"}}, nil, nil
	}, nil
}

// startTransaction records a session the charge point started: the transactionId it gets
// is the session's id. A refused card gets transactionId 0 and its status (the charge point
// then stops at once, and no session exists). A start stamped in the future, or long before
// the charger booted, is dated when it arrived, and the charger's clock is noted as wrong.
func (c *Central) startTransaction(cp *ocpp.Conn, payload json.RawMessage) (effect, error) {
	var req ocpp.StartTransactionReq
	if err := decode(payload, &req); err != nil {
		return nil, err
	}
	switch {
	case req.ConnectorID == nil:
		return nil, required("connectorId")
	case req.MeterStart == nil:
		return nil, required("meterStart")
	case req.Timestamp == nil:
		return nil, required("timestamp")
	case *req.ConnectorID < 1:
		return nil, ocpp.Errorf(ocpp.PropertyConstraintViolation, "a transaction starts on connector 1 or above")
	case *req.MeterStart < 0:
		return nil, ocpp.Errorf(ocpp.PropertyConstraintViolation, "meterStart is 0 Wh or more")
	}
	if err := checkIDTag(req.IDTag); err != nil {
		return nil, err
	}
	return func(ctx context.Context, tx *sql.Tx, q *queries.Queries, now time.Time) (any, []string, error) {
		if err := touch(ctx, q, cp.ID, now); err != nil {
			return nil, nil, err
		}
		conn, err := q.ChargerConnectorByNumber(ctx, queries.ChargerConnectorByNumberParams{ChargerID: cp.ID, Number: int64(*req.ConnectorID)})
		if errors.Is(err, sql.ErrNoRows) {
			return ocpp.StartTransactionConf{IDTagInfo: ocpp.IDTagInfo{Status: "Invalid"}},
				[]string{"refused: connector " + strconv.Itoa(*req.ConnectorID) + " is not registered for this charge point"}, nil
		} else if err != nil {
			return nil, nil, err
		}
		card, refusal, err := charging.CardAt(ctx, q, cp.ID, req.IDTag)
		if err != nil {
			return nil, nil, err
		}
		if refusal != nil {
			return ocpp.StartTransactionConf{IDTagInfo: ocpp.IDTagInfo{Status: refusal.Status}}, []string{"refused: " + refusal.Why}, nil
		}
		booted, err := q.ChargerBootedAt(ctx, cp.ID)
		if err != nil {
			return nil, nil, err
		}
		floor := now.Add(-24 * time.Hour)
		if b := time.Unix(booted, 0).Add(-24 * time.Hour); booted > 0 && b.Before(floor) {
			floor = b
		}
		at, clock := chargerTime(req.Timestamp, floor, now, "StartTransaction")
		id, refusal, err := charging.StartAtCharger(ctx, tx, charging.AtCharger{Connector: conn.ID, Card: card, MeterStart: *req.MeterStart, At: at})
		if err != nil {
			return nil, nil, err
		}
		if refusal != nil {
			return ocpp.StartTransactionConf{IDTagInfo: ocpp.IDTagInfo{Status: refusal.Status}}, []string{"refused: " + refusal.Why}, nil
		}
		if req.ReservationID != nil {
			if err := q.UseReservation(ctx, queries.UseReservationParams{ID: *req.ReservationID, ActingAs: card.UserID, CardID: card.ID}); err != nil {
				return nil, nil, err
			}
		}
		notes := []string{"session #" + itoa(id) + " started with card " + card.VisualNumber}
		if clock != "" {
			if err := noteClock(ctx, q, cp.ID, id, card.UserID, clock); err != nil {
				return nil, nil, err
			}
			notes = append(notes, "charger clock wrong: "+clock)
		}
		return ocpp.StartTransactionConf{IDTagInfo: ocpp.IDTagInfo{Status: "Accepted"}, TransactionID: id}, notes, nil
	}, nil
}

// reading is one meter reading from a MeterValues sample.
type reading struct {
	at        time.Time
	energyWh  int64
	powerW    int64
	soc       sql.NullInt64
	currentMA sql.NullInt64 // per phase: the highest phase's when phases are given
	hasEnergy bool
	hasPower  bool
	has       bool
}

// maxMeasurand bounds what a sampledValue may say: 10^12 Wh (a terawatt hour) on a meter, or
// 10^9 W or A, is a broken charger, not a reading.
const maxMeasurand = 1e12

// readSample reads the measurands ChargeDesk keeps from one meterValue: the energy register
// (the default measurand), power, current per phase and state of charge. A value that is not
// a finite, non-negative number gets the CALLERROR that names it, and the whole message
// changes nothing.
func readSample(mv ocpp.MeterValue) (reading, error) {
	var r reading
	if mv.Timestamp == nil {
		return r, required("meterValue.timestamp")
	}
	if len(mv.SampledValue) == 0 {
		return r, required("meterValue.sampledValue")
	}
	r.at = *mv.Timestamp
	var phaseMA int64 = -1
	for _, sv := range mv.SampledValue {
		if sv.Format == "SignedData" {
			continue
		}
		raw := strings.TrimSpace(sv.Value)
		v, err := strconv.ParseFloat(raw, 64)
		switch {
		case err != nil || math.IsNaN(v) || math.IsInf(v, 0):
			return r, ocpp.Errorf(ocpp.FormationViolation, "sampledValue.value %q (%s) is not a number", raw, measurand(sv.Measurand))
		case v < 0:
			return r, ocpp.Errorf(ocpp.PropertyConstraintViolation, "sampledValue.value %s (%s) is negative", raw, measurand(sv.Measurand))
		case v > maxMeasurand:
			return r, ocpp.Errorf(ocpp.PropertyConstraintViolation, "sampledValue.value %s (%s) is beyond any meter", raw, measurand(sv.Measurand))
		}
		scale := 1.0
		if strings.HasPrefix(sv.Unit, "k") {
			scale = 1000
		}
		switch sv.Measurand {
		case "", "Energy.Active.Import.Register":
			if sv.Phase == "" {
				r.energyWh, r.hasEnergy, r.has = int64(v*scale+0.5), true, true
			}
		case "Power.Active.Import":
			if sv.Phase == "" {
				r.powerW, r.hasPower, r.has = int64(v*scale+0.5), true, true
			}
		case "Current.Import":
			ma := int64(v*1000 + 0.5)
			if sv.Phase == "" {
				r.currentMA, r.has = sql.NullInt64{Int64: ma, Valid: true}, true
			} else if strings.HasPrefix(sv.Phase, "L") && !strings.HasPrefix(sv.Phase, "L1-L") && !strings.HasPrefix(sv.Phase, "L2-L") && !strings.HasPrefix(sv.Phase, "L3-L") {
				phaseMA = max(phaseMA, ma) // L1, L2, L3 (or L1-N …): the highest phase
			}
		case "SoC":
			if sv.Phase == "" {
				r.soc, r.has = sql.NullInt64{Int64: min(100, int64(v+0.5)), Valid: true}, true
			}
		}
	}
	if !r.currentMA.Valid && phaseMA >= 0 {
		r.currentMA, r.has = sql.NullInt64{Int64: phaseMA, Valid: true}, true
	}
	return r, nil
}

func measurand(m string) string {
	if m == "" {
		return "Energy.Active.Import.Register"
	}
	return m
}

// meterValues records the readings of a transaction (they feed the session's chart and
// its price). Readings for no transaction, or one that has ended, are only logged. A sample
// stamped before the session's start or ahead of ChargeDesk's clock is dated when it arrived,
// and the charger's clock is noted as wrong.
func (c *Central) meterValues(cp *ocpp.Conn, payload json.RawMessage) (effect, error) {
	var req ocpp.MeterValuesReq
	if err := decode(payload, &req); err != nil {
		return nil, err
	}
	if req.ConnectorID == nil {
		return nil, required("connectorId")
	}
	if len(req.MeterValue) == 0 {
		return nil, required("meterValue")
	}
	samples := make([]reading, 0, len(req.MeterValue))
	for _, mv := range req.MeterValue {
		r, err := readSample(mv)
		if err != nil {
			return nil, err
		}
		samples = append(samples, r)
	}
	return func(ctx context.Context, _ *sql.Tx, q *queries.Queries, now time.Time) (any, []string, error) {
		if err := touch(ctx, q, cp.ID, now); err != nil {
			return nil, nil, err
		}
		if req.TransactionID == nil {
			return ocpp.Empty{}, nil, nil
		}
		s, err := q.SessionOnCharger(ctx, queries.SessionOnChargerParams{ID: *req.TransactionID, ChargerID: cp.ID})
		if errors.Is(err, sql.ErrNoRows) {
			return ocpp.Empty{}, []string{"transaction " + itoa(*req.TransactionID) + " is not one of this charge point's; readings ignored"}, nil
		} else if err != nil {
			return nil, nil, err
		}
		if s.Status != "ACTIVE" {
			return ocpp.Empty{}, []string{"session #" + itoa(s.ID) + " has ended; readings kept in this log only"}, nil
		}
		last, err := q.LastReading(ctx, queries.LastReadingParams{SessionID: s.ID, ActingAs: s.UserID})
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, nil, err
		}
		var notes []string
		for _, r := range samples {
			if !r.has {
				continue
			}
			energy := r.energyWh
			if !r.hasEnergy {
				energy = last.EnergyWh
			}
			at, clock := chargerTime(&r.at, time.Unix(s.StartedAt, 0), now, "a MeterValues sample")
			if clock != "" {
				if err := noteClock(ctx, q, cp.ID, s.ID, s.UserID, clock); err != nil {
					return nil, nil, err
				}
				notes = append(notes, "charger clock wrong: "+clock)
			}
			if at.Unix() < last.At {
				at = time.Unix(last.At, 0) // readings stay in order
			}
			if at.Unix() == last.At && energy == last.EnergyWh {
				continue // the same sample again (resent after a lost answer)
			}
			known := int64(0)
			if r.hasPower {
				known = 1
			}
			if err := q.InsertMeterReading(ctx, queries.InsertMeterReadingParams{SessionID: s.ID, ActingAs: s.UserID, At: at.Unix(),
				EnergyWh: energy, PowerW: r.powerW, SocPct: r.soc, CurrentMa: r.currentMA, PowerKnown: known}); err != nil {
				return nil, nil, err
			}
			last.EnergyWh, last.At = energy, at.Unix()
		}
		return ocpp.Empty{}, notes, nil
	}, nil
}

// stopTransaction completes a session as the charge point reports it (its receipt is
// priced from the tariff frozen at its start). A stop for a session support force-closed
// is kept as the station reported it; when the station's figures come to less than the
// receipt, a credit note refunds the difference. A stop seen before is answered again.
func (c *Central) stopTransaction(cp *ocpp.Conn, payload json.RawMessage) (effect, error) {
	var req ocpp.StopTransactionReq
	if err := decode(payload, &req); err != nil {
		return nil, err
	}
	switch {
	case req.TransactionID == nil:
		return nil, required("transactionId")
	case req.MeterStop == nil:
		return nil, required("meterStop")
	case req.Timestamp == nil:
		return nil, required("timestamp")
	case *req.MeterStop < 0:
		return nil, ocpp.Errorf(ocpp.PropertyConstraintViolation, "meterStop is 0 Wh or more")
	}
	if req.IDTag != "" {
		if err := checkIDTag(req.IDTag); err != nil {
			return nil, err
		}
	}
	return func(ctx context.Context, tx *sql.Tx, q *queries.Queries, now time.Time) (any, []string, error) {
		if err := touch(ctx, q, cp.ID, now); err != nil {
			return nil, nil, err
		}
		accepted := ocpp.StopTransactionConf{IDTagInfo: &ocpp.IDTagInfo{Status: "Accepted"}}
		s, err := q.SessionOnCharger(ctx, queries.SessionOnChargerParams{ID: *req.TransactionID, ChargerID: cp.ID})
		if errors.Is(err, sql.ErrNoRows) {
			return ocpp.StopTransactionConf{}, []string{"transaction " + itoa(*req.TransactionID) + " is not one of this charge point's; nothing to stop"}, nil
		} else if err != nil {
			return nil, nil, err
		}
		at, clock := chargerTime(req.Timestamp, time.Unix(s.StartedAt, 0), now, "StopTransaction")
		var clockNotes []string
		if clock != "" {
			if err := noteClock(ctx, q, cp.ID, 0, 0, clock); err != nil {
				return nil, nil, err
			}
			clockNotes = append(clockNotes, "charger clock wrong: "+clock)
		}
		clockNote := clock
		switch {
		case s.Status == "ACTIVE":
			endedBy := charging.EndedByStation
			reason := "Stopped at the charger"
			if req.Reason != "" && req.Reason != "Local" {
				reason = "Stopped at the charger (" + req.Reason + ")"
			}
			if req.Reason == "Remote" {
				endedBy, reason = charging.EndedByRemote, "Stopped from ChargeDesk"
			}
			meter := *req.MeterStop
			stopped, err := charging.Stop(ctx, tx, charging.StopRequest{SessionID: s.ID, ActingAs: s.UserID, At: at, MeterStopWh: &meter,
				EndedBy: endedBy, Reason: reason, ClockNote: clockNote})
			if errors.Is(err, charging.ErrMeterBelowStart) {
				return ocpp.StopTransactionConf{}, nil, ocpp.Errorf(ocpp.PropertyConstraintViolation, "meterStop %d Wh is below the transaction's meterStart", meter)
			} else if err != nil {
				return nil, nil, err
			}
			notes := clockNotes
			if stopped.Held != "" {
				// Accepted all the same: a charger whose stop is refused sends it again forever.
				return accepted, append(notes, "session #"+itoa(s.ID)+" completed and held for review, no receipt: "+stopped.Held), nil
			}
			return accepted, append(notes, "session #"+itoa(s.ID)+" completed; receipt #"+itoa(stopped.Receipt)+" issued"), nil
		case s.EndedBy.String == charging.EndedByAdmin && !s.StationStoppedAt.Valid:
			note, err := charging.LateStop(ctx, tx, s.ID, s.UserID, at, *req.MeterStop)
			if err != nil {
				return nil, nil, err
			}
			return accepted, []string{note}, nil
		default:
			return accepted, []string{"session #" + itoa(s.ID) + " had already ended; stop acknowledged again"}, nil
		}
	}, nil
}
