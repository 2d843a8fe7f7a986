package charging_test

import (
	"strings"
	"testing"

	"chargedesk/charging"
	"chargedesk/queries"
)

// When charging ended: the first instant after which the register stays flat until the stop,
// or the car's SuspendedEV/Finishing with no energy after it.
func TestChargingEnded(t *testing.T) {
	t.Parallel()
	r := func(at, wh int64) queries.ListReadingsRow { return queries.ListReadingsRow{At: at, EnergyWh: wh} }
	flat := []queries.ListReadingsRow{r(0, 0), r(60, 1000), r(120, 2000), r(180, 2000), r(240, 2000)}
	for _, tc := range []struct {
		name             string
		readings         []queries.ListReadingsRow
		meterStop, stop  int64
		status           string
		statusAt, wantAt int64
	}{
		{"no samples: charging until the stop", []queries.ListReadingsRow{r(0, 0)}, 20000, 7200, "", 0, 7200},
		{"register flat from 120 s", flat, 2000, 300, "", 0, 120},
		{"the stop says more than the last sample: charging until the stop", flat, 2500, 300, "", 0, 300},
		{"SuspendedEV with energy after it is not believed", flat, 2000, 300, "SuspendedEV", 50, 120},
		{"SuspendedEV between two samples, none lower after it", flat, 2000, 300, "SuspendedEV", 90, 90},
		{"SuspendedEV with sparse samples", []queries.ListReadingsRow{r(0, 0), r(60, 1000), r(300, 2000)}, 2000, 300, "SuspendedEV", 150, 150},
		{"Finishing at the stop changes nothing", flat, 2000, 300, "Finishing", 300, 120},
		{"another status is ignored", []queries.ListReadingsRow{r(0, 0), r(300, 2000)}, 2000, 300, "Charging", 150, 300},
	} {
		if got := charging.ChargingEnded(0, tc.stop, tc.meterStop, tc.readings, tc.status, tc.statusAt); got != tc.wantAt {
			t.Errorf("%s: charging ended at %d s, want %d s", tc.name, got, tc.wantAt)
		}
	}
}

// Energy a connector cannot deliver in the time is implausible (with a margin and a minimum).
func TestImplausible(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		maxW, secs, wh int64
		held           bool
	}{
		{"22 kW for an hour: 22 kWh", 22000, 3600, 22000, false},
		{"a quarter more: meters round", 22000, 3600, 27000, false},
		{"twice the connector", 22000, 3600, 44000, true},
		{"a minute's slack for a short session", 22000, 5, 1200, false},
		{"2^63-1 Wh in five minutes", 22000, 300, 1<<63 - 1, true},
	} {
		why := charging.Implausible(tc.maxW, 0, tc.secs, tc.wh)
		if (why != "") != tc.held || (tc.held && !strings.Contains(why, "more than its connector")) {
			t.Errorf("%s: %q, want held %v", tc.name, why, tc.held)
		}
	}
}
