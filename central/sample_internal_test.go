package central

import (
	"errors"
	"testing"
	"time"

	"chargedesk/ocpp"
)

// What one meterValue may say, and what is kept of it: energy, power (and whether it was
// reported), current per phase (the highest phase when phases are given), and the CALLERROR
// that names a value that is not a finite, non-negative number.
func TestReadSample(t *testing.T) {
	t.Parallel()
	now := time.Now()
	sv := func(v, measurand, phase, unit string) ocpp.SampledValue {
		return ocpp.SampledValue{Value: v, Measurand: measurand, Phase: phase, Unit: unit}
	}
	for _, tc := range []struct {
		name    string
		values  []ocpp.SampledValue
		wh, w   int64
		power   bool
		ma      int64 // -1: no current
		errCode string
	}{
		{"register only", []ocpp.SampledValue{sv("1500", "", "", "Wh")}, 1500, 0, false, -1, ""},
		{"kWh and kW", []ocpp.SampledValue{sv("1.5", "Energy.Active.Import.Register", "", "kWh"), sv("7.4", "Power.Active.Import", "", "kW")}, 1500, 7400, true, -1, ""},
		{"current without phase", []ocpp.SampledValue{sv("10", "", "", "Wh"), sv("16", "Current.Import", "", "A")}, 10, 0, false, 16000, ""},
		{"current per phase: the highest", []ocpp.SampledValue{sv("10", "", "", "Wh"), sv("15.5", "Current.Import", "L1", "A"),
			sv("16.25", "Current.Import", "L2", "A"), sv("14", "Current.Import", "L3", "A")}, 10, 0, false, 16250, ""},
		{"zero power is reported power", []ocpp.SampledValue{sv("10", "", "", "Wh"), sv("0", "Power.Active.Import", "", "W")}, 10, 0, true, -1, ""},
		{"NaN", []ocpp.SampledValue{sv("NaN", "", "", "Wh")}, 0, 0, false, -1, ocpp.FormationViolation},
		{"infinity", []ocpp.SampledValue{sv("+Inf", "Power.Active.Import", "", "W")}, 0, 0, false, -1, ocpp.FormationViolation},
		{"a word", []ocpp.SampledValue{sv("full", "SoC", "", "Percent")}, 0, 0, false, -1, ocpp.FormationViolation},
		{"negative", []ocpp.SampledValue{sv("-1", "", "", "Wh")}, 0, 0, false, -1, ocpp.PropertyConstraintViolation},
		{"beyond any meter", []ocpp.SampledValue{sv("9.3e18", "", "", "Wh")}, 0, 0, false, -1, ocpp.PropertyConstraintViolation},
	} {
		r, err := readSample(ocpp.MeterValue{Timestamp: &now, SampledValue: tc.values})
		var oe *ocpp.Error
		switch {
		case tc.errCode != "":
			if !errors.As(err, &oe) || oe.Code != tc.errCode {
				t.Errorf("%s: %v, want CALLERROR %s", tc.name, err, tc.errCode)
			}
			continue
		case err != nil:
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		ma := int64(-1)
		if r.currentMA.Valid {
			ma = r.currentMA.Int64
		}
		if r.energyWh != tc.wh || r.powerW != tc.w || r.hasPower != tc.power || ma != tc.ma {
			t.Errorf("%s: %d Wh, %d W (reported %v), %d mA; want %d, %d (%v), %d", tc.name, r.energyWh, r.powerW, r.hasPower, ma, tc.wh, tc.w, tc.power, tc.ma)
		}
	}
}
