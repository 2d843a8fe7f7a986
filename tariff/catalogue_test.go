package tariff_test

import (
	"math/big"
	"testing"
	"time"

	"chargedesk/tariff"
)

func i64(v int64) *int64 { return &v }

// dcFast is DOMAIN.md's worked example A in the catalogue format the product stores.
var dcFast = tariff.Tariff{ID: 3, Name: "DC fast", Currency: "EUR", Elements: []tariff.Element{{
	Components: []tariff.Component{
		{Type: tariff.Flat, Price: 5000, VatBP: 1900, StepSize: 1},
		{Type: tariff.Energy, Price: 5500, VatBP: 1900, StepSize: 100},
		{Type: tariff.Time, Price: 12000, VatBP: 1900, StepSize: 60},
		{Type: tariff.ParkingTime, Price: 60000, VatBP: 1900, StepSize: 300},
	},
}}}

var noon = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) // a Tuesday

// session charges wh evenly for charging seconds, then parks for parking seconds.
func session(start time.Time, charging, parking, wh int64) tariff.Session {
	end := start.Add(time.Duration(charging) * time.Second)
	s := tariff.Session{Start: start, Stop: end.Add(time.Duration(parking) * time.Second), Zone: tariff.Zone,
		Readings: []tariff.Reading{{At: start, Wh: new(big.Rat), W: big.NewRat(11000, 1)}, {At: end, Wh: big.NewRat(wh, 1), W: new(big.Rat)}}}
	if parking > 0 {
		s.ChargingStopped = &end
	}
	return s
}

// The catalogue's tariffs (prices in 1/10 000 €, VAT in basis points, minutes of the day)
// price as their OCPI form, and sessions frozen in the catalogue's JSON before the OCPI
// engine still read (converted).
func TestCatalogueTariffs(t *testing.T) {
	t.Parallel()
	blocking := tariff.Tariff{Elements: []tariff.Element{
		{Components: []tariff.Component{{Type: tariff.Energy, Price: 4118, VatBP: 1900, StepSize: 1}}},
		// 0.10 €/min gross after 4 h, capped at 12 € gross by ending the window at 6 h.
		{Restrictions: tariff.Restrictions{MinDurationS: i64(4 * 3600), MaxDurationS: i64(6 * 3600)},
			Components: []tariff.Component{{Type: tariff.Time, Price: 50420, VatBP: 1900, StepSize: 60}}},
	}}
	night := tariff.Tariff{Elements: []tariff.Element{
		{Restrictions: tariff.Restrictions{StartMinute: i64(22 * 60), EndMinute: i64(6 * 60)},
			Components: []tariff.Component{{Type: tariff.Energy, Price: 2000, VatBP: 1900, StepSize: 1}}},
		{Components: []tariff.Component{{Type: tariff.Energy, Price: 3000, VatBP: 1900, StepSize: 1}}},
	}}
	minMax := func(lo, hi *int64) tariff.Tariff { t := dcFast; t.MinPriceCents, t.MaxPriceCents = lo, hi; return t }
	at := func(h int) time.Time { return time.Date(2026, 1, 5, h, 0, 0, 0, tariff.Zone) }
	tests := []struct {
		name            string
		tariff          tariff.Tariff
		session         tariff.Session
		wantNet, wantGr int64
	}{
		{"DOMAIN.md example A", dcFast, session(noon, 2250, 690, 42265), 2602, 3096},
		{"no energy: the start fee alone", dcFast, session(noon, 0, 0, 0), 50, 60},
		{"one second of parking rounds to five minutes", dcFast, session(noon, 0, 1, 0), 100, 119},
		{"charging without parking: the time is rounded up", dcFast, session(noon, 61, 0, 1), 60, 71},
		{"a minimum price given excl. VAT lifts VAT in proportion", minMax(i64(200), nil), session(noon, 0, 0, 100), 200, 238},
		{"a maximum price caps a long session", minMax(nil, i64(1000)), session(noon, 36000, 0, 50000), 1000, 1190},
		{"a blocking fee after 4 h (5 h 10 min: 70 min blocked)", blocking, session(noon, 5*3600+600, 0, 19900), 1408, 1675},
		{"the blocking fee ends at 6 h", blocking, session(noon, 9*3600, 0, 0), 1008, 1200},
		{"the night rate at 23:00", night, session(at(23), 1800, 0, 10000), 200, 238},
		{"the night rate after midnight", night, session(at(3), 1800, 0, 10000), 200, 238},
		{"the day rate at noon", night, session(at(12), 1800, 0, 10000), 300, 357},
		{"a session from 05:30 to 06:30 is half night, half day", night, session(at(5).Add(30*time.Minute), 3600, 0, 10000), 250, 298},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := tariff.PriceSession(tt.tariff.OCPI(), tt.session)
			if err != nil {
				t.Fatal(err)
			}
			if r.NetCents != tt.wantNet || r.GrossCents != tt.wantGr {
				t.Errorf("net %d gross %d, want %d %d", r.NetCents, r.GrossCents, tt.wantNet, tt.wantGr)
			}
			rec := r.Receipt()
			var sum int64
			for _, l := range rec.Lines {
				sum += l.NetCents
			}
			if d := sum - rec.NetCents; d < -int64(len(rec.Lines)) || d > int64(len(rec.Lines)) || rec.NetCents+rec.VATCents != rec.GrossCents {
				t.Errorf("the receipt does not add up: lines %d, net %d, VAT %d, gross %d", sum, rec.NetCents, rec.VATCents, rec.GrossCents)
			}
		})
	}
}

func TestSnapshots(t *testing.T) {
	t.Parallel()
	s := session(noon, 2250, 690, 42265)
	want, _ := tariff.PriceSession(dcFast.OCPI(), s)
	// The catalogue's own JSON, as sessions frozen before the OCPI engine carry it.
	legacy := `{"id":3,"name":"DC fast","currency":"EUR","elements":[{"restrictions":{},"components":[
		{"type":"FLAT","price":5000,"vat_bp":1900,"step_size":1},{"type":"ENERGY","price":5500,"vat_bp":1900,"step_size":100},
		{"type":"TIME","price":12000,"vat_bp":1900,"step_size":60},{"type":"PARKING_TIME","price":60000,"vat_bp":1900,"step_size":300}]}]}`
	for name, snap := range map[string]string{"OCPI": dcFast.OCPI().Snapshot(), "catalogue": legacy} {
		got, err := tariff.FromSnapshot(snap)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r, err := tariff.PriceSession(got, s)
		if err != nil || r.GrossCents != want.GrossCents || got.Name() != "DC fast" {
			t.Errorf("%s snapshot: gross %d (%v), name %q; want %d, DC fast", name, r.GrossCents, err, got.Name(), want.GrossCents)
		}
	}
	if _, err := tariff.FromSnapshot(`{"elements":[{"price_components":[{"type":"GAS","price":1,"step_size":1}]}],"currency":"EUR"}`); err == nil {
		t.Error("a frozen tariff with an unknown dimension was read")
	}
}
