package tariff_test

import (
	"testing"
	"time"

	"chargedesk/tariff"
)

func i64(v int64) *int64 { return &v }

// workedExampleA is DOMAIN.md's DC fast-charging tariff.
var workedExampleA = tariff.Tariff{Name: "DC fast", Currency: "EUR", Elements: []tariff.Element{{
	Components: []tariff.Component{
		{Type: tariff.Flat, Price: 5000, VatBP: 1900, StepSize: 1},
		{Type: tariff.Energy, Price: 5500, VatBP: 1900, StepSize: 100},
		{Type: tariff.Time, Price: 12000, VatBP: 1900, StepSize: 60},
		{Type: tariff.ParkingTime, Price: 60000, VatBP: 1900, StepSize: 300},
	},
}}}

var noon = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) // a Tuesday

func lineNet(r tariff.Receipt, dim string) int64 {
	var n int64
	for _, l := range r.Lines {
		if l.Dimension == dim {
			n += l.NetCents
		}
	}
	return n
}

func TestWorkedExampleA(t *testing.T) {
	r := tariff.Price(workedExampleA, tariff.Usage{Start: noon, ChargingS: 2250, ParkingS: 690, EnergyWh: 42265, MaxPowerW: 50000})
	want := map[string]int64{tariff.Flat: 50, tariff.Energy: 2327, tariff.Time: 75, tariff.ParkingTime: 150}
	for dim, cents := range want {
		if got := lineNet(r, dim); got != cents {
			t.Errorf("%s line = %d c, want %d c", dim, got, cents)
		}
	}
	if r.NetCents != 2602 || r.VATCents != 494 || r.GrossCents != 3096 {
		t.Errorf("net/vat/gross = %d/%d/%d, want 2602/494/3096", r.NetCents, r.VATCents, r.GrossCents)
	}
	for _, l := range r.Lines {
		if l.Dimension == tariff.Energy && l.BilledQty != 42300 {
			t.Errorf("energy billed %d Wh, want 42300", l.BilledQty)
		}
		if l.Dimension == tariff.ParkingTime && l.BilledQty != 900 {
			t.Errorf("parking billed %d s, want 900", l.BilledQty)
		}
		if l.Dimension == tariff.Time && l.BilledQty != 2250 {
			t.Errorf("time billed %d s, want 2250 (not rounded: parking follows)", l.BilledQty)
		}
	}
}

func TestPriceEdgeCases(t *testing.T) {
	blocking := tariff.Tariff{Elements: []tariff.Element{
		{Components: []tariff.Component{{Type: tariff.Energy, Price: 4118, VatBP: 1900, StepSize: 1}}},
		// 0.10 €/min gross after 4 h, capped at 12 € gross by ending the window at 6 h.
		{Restrictions: tariff.Restrictions{MinDurationS: i64(4 * 3600), MaxDurationS: i64(6 * 3600)},
			Components: []tariff.Component{{Type: tariff.Time, Price: 50420, VatBP: 1900, StepSize: 60}}},
	}}
	tests := []struct {
		name      string
		tariff    tariff.Tariff
		usage     tariff.Usage
		wantNet   int64
		wantGross int64
		wantLines int
	}{
		{"zero energy, flat only", workedExampleA, tariff.Usage{Start: noon}, 50, 60, 1},
		{"parking only: the parking pool is rounded", workedExampleA, tariff.Usage{Start: noon, ParkingS: 1}, 50 + 50, 119, 2},
		{"charging without parking: time is rounded up to the step", workedExampleA,
			tariff.Usage{Start: noon, ChargingS: 61, EnergyWh: 1}, 50 + 6 + 4, 71, 3},
		{"energy step rounds up once on the total", workedExampleA,
			tariff.Usage{Start: noon, EnergyWh: 101}, 50 + 11, 73, 2},
		{"min price lifts a tiny session", withMinMax(workedExampleA, i64(200), nil),
			tariff.Usage{Start: noon, EnergyWh: 100}, 200, 238, 3},
		{"max price caps a long session", withMinMax(workedExampleA, nil, i64(1000)),
			tariff.Usage{Start: noon, ChargingS: 36000, EnergyWh: 50000}, 1000, 1190, 4},
		{"blocking fee only after 4 h (5 h 10 min → 70 min blocked)", blocking,
			tariff.Usage{Start: noon, ChargingS: 5*3600 + 600, EnergyWh: 19900}, 819 + 588, 1674, 2},
		{"blocking fee capped by its 6 h window", blocking,
			tariff.Usage{Start: noon, ChargingS: 9 * 3600, EnergyWh: 0}, 1008, 1200, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tariff.Price(tt.tariff, tt.usage)
			if r.NetCents != tt.wantNet || r.GrossCents != tt.wantGross || len(r.Lines) != tt.wantLines {
				t.Errorf("net %d gross %d lines %d, want net %d gross %d lines %d (%+v)",
					r.NetCents, r.GrossCents, len(r.Lines), tt.wantNet, tt.wantGross, tt.wantLines, r.Lines)
			}
			var sum int64
			for _, l := range r.Lines {
				sum += l.NetCents
			}
			if sum != r.NetCents || r.NetCents+r.VATCents != r.GrossCents {
				t.Errorf("receipt does not add up: lines %d, net %d, vat %d, gross %d", sum, r.NetCents, r.VATCents, r.GrossCents)
			}
		})
	}
}

func TestRestrictionsTimeOfDay(t *testing.T) {
	night := tariff.Tariff{Elements: []tariff.Element{
		{Restrictions: tariff.Restrictions{StartMinute: i64(22 * 60), EndMinute: i64(6 * 60)},
			Components: []tariff.Component{{Type: tariff.Energy, Price: 2000, VatBP: 1900, StepSize: 1}}},
		{Components: []tariff.Component{{Type: tariff.Energy, Price: 3000, VatBP: 1900, StepSize: 1}}},
	}}
	at := func(h int) tariff.Usage {
		return tariff.Usage{Start: time.Date(2026, 1, 5, h, 0, 0, 0, time.UTC), EnergyWh: 10000}
	}
	if got := tariff.Price(night, at(23)).NetCents; got != 200 {
		t.Errorf("23:00 start: net %d, want 200 (night rate)", got)
	}
	if got := tariff.Price(night, at(3)).NetCents; got != 200 {
		t.Errorf("03:00 start: net %d, want 200 (night rate over midnight)", got)
	}
	if got := tariff.Price(night, at(12)).NetCents; got != 300 {
		t.Errorf("12:00 start: net %d, want 300 (day rate)", got)
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	got, err := tariff.FromSnapshot(workedExampleA.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	u := tariff.Usage{Start: noon, ChargingS: 2250, ParkingS: 690, EnergyWh: 42265}
	if a, b := tariff.Price(got, u).GrossCents, tariff.Price(workedExampleA, u).GrossCents; a != b {
		t.Errorf("frozen tariff prices %d, original %d", a, b)
	}
}

func withMinMax(t tariff.Tariff, lo, hi *int64) tariff.Tariff {
	t.MinPriceCents, t.MaxPriceCents = lo, hi
	return t
}
