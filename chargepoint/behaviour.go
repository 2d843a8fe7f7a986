package chargepoint

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"chargedesk/ocpp"
)

// batteryWh is the battery a simulated car has, for its state of charge.
const batteryWh = 75_000

// answer answers one call from the central system, and then does what it agreed to.
func (cp *ChargePoint) answer(ctx context.Context, f frame) {
	var res any
	var then func()
	switch f.action {
	case "RemoteStartTransaction":
		var req ocpp.RemoteStartTransactionReq
		json.Unmarshal(f.payload, &req)
		n := req.ConnectorID
		if n == 0 {
			n = 1
		}
		if _, busy := cp.Charging(n); busy || n > cp.cfg.Connectors || req.IDTag == "" {
			res = ocpp.StatusConf{Status: "Rejected"}
			break
		}
		res = ocpp.StatusConf{Status: "Accepted"}
		then = func() { cp.Start(ctx, n, req.IDTag) }
	case "RemoteStopTransaction":
		var req ocpp.RemoteStopTransactionReq
		json.Unmarshal(f.payload, &req)
		n := cp.connectorOf(req.TransactionID)
		if n == 0 {
			res = ocpp.StatusConf{Status: "Rejected"} // not a transaction this charge point runs
			break
		}
		res = ocpp.StatusConf{Status: "Accepted"}
		then = func() { cp.Stop(ctx, n, "Remote") }
	case "ReserveNow":
		var req ocpp.ReserveNowReq
		json.Unmarshal(f.payload, &req)
		if _, busy := cp.Charging(req.ConnectorID); busy {
			res = ocpp.StatusConf{Status: "Occupied"}
			break
		}
		res = ocpp.StatusConf{Status: "Accepted"}
	case "CancelReservation":
		res = ocpp.StatusConf{Status: "Accepted"}
	case "UnlockConnector":
		res = ocpp.StatusConf{Status: "Unlocked"}
	case "Reset":
		res = ocpp.StatusConf{Status: "Accepted"}
		then = func() {
			time.Sleep(200 * time.Millisecond)
			cp.mu.Lock()
			ws := cp.ws
			cp.mu.Unlock()
			ws.CloseNow() // reboots: Run connects again and boots
		}
	default:
		cp.write(ctx, []any{4, f.id, ocpp.NotImplemented, "the simulator does not implement " + f.action, struct{}{}})
		return
	}
	if cp.write(ctx, []any{3, f.id, res}) == nil && then != nil {
		then()
	}
}

func (cp *ChargePoint) connectorOf(tx int64) int {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	for n, t := range cp.tx {
		if t.ID == tx {
			return n
		}
	}
	return 0
}

// Start starts a transaction on connector n with idTag, as a driver presenting a card does:
// Preparing, StartTransaction, and Charging when the central system accepts it (Available
// again when it does not).
func (cp *ChargePoint) Start(ctx context.Context, n int, idTag string) (ocpp.StartTransactionConf, error) {
	var conf ocpp.StartTransactionConf
	if err := cp.status(ctx, n, "Preparing"); err != nil {
		return conf, err
	}
	now := time.Now().UTC()
	meter := cp.meterOf(n)
	if err := cp.call(ctx, "StartTransaction", ocpp.StartTransactionReq{ConnectorID: &n, IDTag: idTag, MeterStart: &meter, Timestamp: &now}, &conf); err != nil {
		return conf, err
	}
	if conf.IDTagInfo.Status != "Accepted" {
		return conf, cp.status(ctx, n, "Available")
	}
	cp.mu.Lock()
	cp.tx[n] = &Transaction{ID: conf.TransactionID, Connector: n, IDTag: idTag, EnergyWh: meter, SoC: 30}
	cp.mu.Unlock()
	return conf, cp.status(ctx, n, "Charging")
}

// Stop ends the transaction on connector n (reason as OCPP names it: Local, Remote, …).
func (cp *ChargePoint) Stop(ctx context.Context, n int, reason string) error {
	if _, ok := cp.Charging(n); !ok {
		return nil
	}
	if err := cp.status(ctx, n, "Finishing"); err != nil {
		return err
	}
	now := time.Now().UTC()
	t, ok := cp.Charging(n) // a copy taken under the lock: the meter loop keeps advancing the live one
	if !ok {
		return nil
	}
	meter, id := t.EnergyWh, t.ID
	if err := cp.call(ctx, "StopTransaction", ocpp.StopTransactionReq{IDTag: t.IDTag, MeterStop: &meter, Timestamp: &now, TransactionID: &id, Reason: reason}, nil); err != nil {
		return err
	}
	cp.mu.Lock()
	cp.meters[n] = meter
	delete(cp.tx, n)
	cp.mu.Unlock()
	return cp.status(ctx, n, "Available")
}

func (cp *ChargePoint) meterOf(n int) int64 {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if m, ok := cp.meters[n]; ok {
		return m
	}
	return 1_000_000 + int64(n)*100_000
}

// sendMeterValues advances every transaction's meter by what its connector delivered since
// the last time, tapering above 80 % state of charge, and reports it.
func (cp *ChargePoint) sendMeterValues(ctx context.Context) error {
	type sample struct {
		t      Transaction
		powerW int64
	}
	var batch []sample
	ms := cp.cfg.MeterEvery.Milliseconds()
	cp.mu.Lock()
	for _, t := range cp.tx {
		power := cp.cfg.PowerW * 85 / 100
		if t.SoC >= 80 {
			power = power * (100 - t.SoC) / 20
		}
		delta := (power*ms + 3_599_999) / 3_600_000 // Wh, rounded up: a charging car's meter always moves
		t.EnergyWh += delta
		if t.SoC >= 0 {
			t.SoC = min(100, t.SoC+(delta*100+batteryWh/2)/batteryWh)
		}
		batch = append(batch, sample{*t, power})
	}
	cp.mu.Unlock()
	for _, s := range batch {
		t, now := s.t, time.Now().UTC()
		id, n := t.ID, t.Connector
		values := []ocpp.SampledValue{
			{Value: strconv.FormatInt(t.EnergyWh, 10), Measurand: "Energy.Active.Import.Register", Unit: "Wh", Context: "Sample.Periodic"},
			{Value: strconv.FormatInt(s.powerW, 10), Measurand: "Power.Active.Import", Unit: "W", Context: "Sample.Periodic"},
		}
		if t.SoC >= 0 {
			values = append(values, ocpp.SampledValue{Value: strconv.FormatInt(t.SoC, 10), Measurand: "SoC", Unit: "Percent", Context: "Sample.Periodic"})
		}
		if err := cp.call(ctx, "MeterValues", ocpp.MeterValuesReq{ConnectorID: &n, TransactionID: &id,
			MeterValue: []ocpp.MeterValue{{Timestamp: &now, SampledValue: values}}}, nil); err != nil {
			return err
		}
	}
	return nil
}
