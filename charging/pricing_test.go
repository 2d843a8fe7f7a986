package charging_test

import (
	"testing"
	"time"

	"chargedesk/charging"
	"chargedesk/queries"
	"chargedesk/tariff"
)

// A completed session reads as the engine needs it: the meter from its start value, readings
// only while energy flowed (never below the one before, never above the stop value), the
// stop value when charging ended, parking after it, and the location's own time zone.
func TestPricingSession(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 24, 16, 30, 0, 0, time.UTC).Unix()
	c := charging.Completed{StartedAt: start, StoppedAt: start + 3600, ChargingEndedAt: start + 2400,
		MeterStartWh: 1000, MeterStopWh: 9000, TimeZone: "America/New_York",
		Readings: []queries.ListReadingsRow{
			{At: start + 600, EnergyWh: 3000, PowerW: 12000},
			{At: start + 1200, EnergyWh: 2500, PowerW: 11000}, // a meter that stepped back: held at 3000
			{At: start + 1800, EnergyWh: 9500, PowerW: 10000}, // above the stop value: held at 9000
			{At: start + 3000, EnergyWh: 9000, PowerW: 0},     // while parked: left out
		}}
	s := charging.PricingSession(c)
	if s.Zone.String() != "America/New_York" || s.ChargingStopped == nil || s.ChargingStopped.Unix() != start+2400 {
		t.Fatalf("zone %v, charging stopped %v", s.Zone, s.ChargingStopped)
	}
	var got []int64
	for _, r := range s.Readings {
		got = append(got, r.At.Unix()-start, r.Wh.Num().Int64())
	}
	want := []int64{0, 1000, 600, 3000, 1200, 3000, 1800, 9000, 2400, 9000}
	if len(got) != len(want) {
		t.Fatalf("readings %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("readings %v, want %v", got, want)
		}
	}
	// 11:30 to 12:10 in New York: a tariff that changes at noon local splits there.
	noon := `{"country_code":"US","party_id":"CDK","id":"ny","currency":"USD","elements":[
		{"price_components":[{"type":"TIME","price":6.00,"step_size":1}],"restrictions":{"start_time":"12:00"}},
		{"price_components":[{"type":"TIME","price":3.00,"step_size":1}]}]}`
	tar, err := tariff.ParseOCPI([]byte(noon))
	if err != nil {
		t.Fatal(err)
	}
	r, err := tariff.PriceSession(tar, s)
	if err != nil {
		t.Fatal(err)
	}
	if r.NetCents != 250 { // 30 min at 3/h + 10 min at 6/h
		t.Errorf("net %d cents, want 250 (the split at noon in New York)", r.NetCents)
	}
}
