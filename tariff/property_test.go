package tariff_test

import (
	"math/big"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"chargedesk/tariff"
)

func loadExample(t *testing.T, e SpecExample) (tariff.OCPI, tariff.Session) {
	t.Helper()
	tf, sf := e.Paths("testdata")
	tb, _ := os.ReadFile(tf)
	sb, _ := os.ReadFile(sf)
	tar, err := tariff.ParseOCPI(tb)
	if err != nil {
		t.Fatal(err)
	}
	s, err := tariff.ParseSession(sb)
	if err != nil {
		t.Fatal(err)
	}
	return tar, s
}

func mustPrice(t *testing.T, tar tariff.OCPI, s tariff.Session) tariff.Result {
	t.Helper()
	r, err := tariff.PriceSession(tar, s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Splitting a session at an instant where nothing changes (a reading on the meter's own line,
// with the power and current already in force) never changes what it costs, to the exact
// amount, for every example and many instants.
func TestSplittingWhereNothingChangesKeepsTheTotal(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, e := range SpecExamples {
		tar, s := loadExample(t, e)
		if len(s.Readings) < 2 {
			continue
		}
		want := mustPrice(t, tar, s)
		for range 25 {
			i := rng.IntN(len(s.Readings) - 1)
			a, b := s.Readings[i], s.Readings[i+1]
			span := b.At.Sub(a.At)
			if span <= time.Second {
				continue
			}
			at := a.At.Add(time.Duration(rng.Int64N(int64(span/time.Second)))*time.Second + time.Second/2)
			f := big.NewRat(at.Sub(a.At).Nanoseconds(), span.Nanoseconds())
			wh := new(big.Rat).Add(a.Wh, new(big.Rat).Mul(f, new(big.Rat).Sub(b.Wh, a.Wh)))
			split := s
			split.Readings = append(append(append([]tariff.Reading{}, s.Readings[:i+1]...),
				tariff.Reading{At: at, Wh: wh, W: a.W, CurrentA: a.CurrentA}), s.Readings[i+1:]...)
			got := mustPrice(t, tar, split)
			if got.ExclVAT.Cmp(want.ExclVAT) != 0 || got.InclVAT.Cmp(want.InclVAT) != 0 {
				t.Errorf("%s: a reading at %s changed the total from %s to %s", e.Name, at.Format(time.TimeOnly),
					want.ExclVAT.FloatString(6), got.ExclVAT.FloatString(6))
			}
		}
	}
}

// More energy, or a session that goes on longer, never costs less: energy added at the end
// (the last reading higher) or time added at the end (stopping later). One exception is the
// spec's own: time added where its dimension has no price (parking after parking became free)
// still counts towards step_size, so the same rounding covers more free time and less of it
// is billed — see TestFreeTimeStillCountsTowardsStepSize.
func TestTotalsNeverDecreaseWhenEnergyOrTimeGrow(t *testing.T) {
	t.Parallel()
	for _, e := range SpecExamples {
		tar, s := loadExample(t, e)
		if s.ReservationExpired || len(s.Readings) < 2 {
			continue
		}
		base := mustPrice(t, tar, s)
		for _, wh := range []int64{1, 100, 1000, 25000} {
			more := s
			more.Readings = append([]tariff.Reading{}, s.Readings...)
			last := &more.Readings[len(more.Readings)-1]
			last.Wh = new(big.Rat).Add(last.Wh, big.NewRat(wh, 1))
			if got := mustPrice(t, tar, more); got.ExclVAT.Cmp(base.ExclVAT) < 0 {
				t.Errorf("%s: %d Wh more costs %s, less than %s", e.Name, wh, got.ExclVAT.FloatString(4), base.ExclVAT.FloatString(4))
			}
		}
		last := base.Periods[len(base.Periods)-1]
		if len(last.Prices) == 0 {
			continue // the session ends in a stretch without a price: the exception above
		}
		for _, d := range []time.Duration{time.Second, time.Minute, 7 * time.Minute, time.Hour, 9 * time.Hour} {
			longer := s
			longer.Stop = s.Stop.Add(d) // parked longer, or (without parking) connected longer
			if got := mustPrice(t, tar, longer); got.ExclVAT.Cmp(base.ExclVAT) < 0 {
				t.Errorf("%s: %s longer costs %s, less than %s", e.Name, d, got.ExclVAT.FloatString(4), base.ExclVAT.FloatString(4))
			}
		}
	}
}

// The spec's "switching to Free-of-Charge Tariff Element" example: parking is free after
// 20:00, "the fact that parking is free after 20:00 has no impact on step_size". The 20 min of
// parking (8 paid, 12 free) round to 30: 18 min billed. Parked one minute longer, 21 min still
// round to 30, so 17 are billed; past 30 min of parking a new block of 15 min starts.
func TestFreeTimeStillCountsTowardsStepSize(t *testing.T) {
	t.Parallel()
	var e SpecExample
	for _, x := range SpecExamples {
		if x.Session == "plug_19_40_charge_12_park_20" {
			e = x
		}
	}
	tar, s := loadExample(t, e)
	for _, c := range []struct {
		longer time.Duration
		excl   string
	}{{0, "0.78"}, {time.Minute, "0.76"}, {10 * time.Minute, "0.61"}, {11 * time.Minute, "0.85"}} {
		longer := s
		longer.Stop = s.Stop.Add(c.longer)
		if got := euros(mustPrice(t, tar, longer).NetCents); got != c.excl {
			t.Errorf("parked %s longer: %s €, want %s €", c.longer, got, c.excl)
		}
	}
}

func parse(t *testing.T, tariffJSON, sessionJSON string) tariff.Result {
	t.Helper()
	tar, err := tariff.ParseOCPI([]byte(tariffJSON))
	if err != nil {
		t.Fatal(err)
	}
	s, err := tariff.ParseSession([]byte(sessionJSON))
	if err != nil {
		t.Fatal(err)
	}
	return mustPrice(t, tar, s)
}

// A session across midnight is priced by the day each part falls on; across the change to
// summer time, the split is at the local hour and time is counted in real seconds.
func TestMidnightAndDaylightSaving(t *testing.T) {
	t.Parallel()
	// 1 €/h on weekdays, 3 €/h at weekends; Friday 23:30 to Saturday 00:30, Berlin.
	weekend := `{"country_code":"DE","party_id":"CDK","id":"w","currency":"EUR","elements":[
		{"price_components":[{"type":"TIME","price":1.00,"vat":19,"step_size":1}],"restrictions":{"day_of_week":["MONDAY","TUESDAY","WEDNESDAY","THURSDAY","FRIDAY"]}},
		{"price_components":[{"type":"TIME","price":3.00,"vat":19,"step_size":1}]}]}`
	r := parse(t, weekend, `{"start":"2026-11-27T23:30:00+01:00","stop":"2026-11-28T00:30:00+01:00","time_zone":"Europe/Berlin",
		"readings":[{"at":"2026-11-27T23:30:00+01:00","wh":0,"w":11000},{"at":"2026-11-28T00:30:00+01:00","wh":11000,"w":0}]}`)
	if got := euros(r.NetCents); got != "2.00" { // 0.50 € on Friday + 1.50 € on Saturday
		t.Errorf("across midnight: %s €, want 2.00 €", got)
	}
	if len(r.Periods) != 2 || !r.Periods[1].Start.Equal(time.Date(2026, 11, 27, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("across midnight: periods %v, want a split at local midnight (23:00 UTC)", r.Periods)
	}

	// 2 €/h until 03:00, 4 €/h after. On 29 March 2026 Berlin skips from 02:00 to 03:00 (CET to
	// CEST): a session from 01:30 to 03:30 local lasts one real hour, half before 03:00 local.
	night := `{"country_code":"DE","party_id":"CDK","id":"n","currency":"EUR","elements":[
		{"price_components":[{"type":"TIME","price":2.00,"vat":19,"step_size":1}],"restrictions":{"start_time":"00:00","end_time":"03:00"}},
		{"price_components":[{"type":"TIME","price":4.00,"vat":19,"step_size":1}]}]}`
	r = parse(t, night, `{"start":"2026-03-29T01:30:00+01:00","stop":"2026-03-29T03:30:00+02:00","time_zone":"Europe/Berlin",
		"readings":[{"at":"2026-03-29T01:30:00+01:00","wh":0,"w":11000},{"at":"2026-03-29T03:30:00+02:00","wh":11000,"w":0}]}`)
	if got := euros(r.NetCents); got != "3.00" { // 30 min at 2 €/h + 30 min at 4 €/h
		t.Errorf("across the change to summer time: %s €, want 3.00 €", got)
	}
	// And back: on 25 October 2026 02:00–03:00 happens twice. 01:30 to 03:30 local is 3 real hours.
	r = parse(t, night, `{"start":"2026-10-25T01:30:00+02:00","stop":"2026-10-25T03:30:00+01:00","time_zone":"Europe/Berlin",
		"readings":[{"at":"2026-10-25T01:30:00+02:00","wh":0,"w":11000},{"at":"2026-10-25T03:30:00+01:00","wh":33000,"w":0}]}`)
	if got := euros(r.NetCents); got != "7.00" { // 2.5 real hours before 03:00 at 2 €/h + 30 min at 4 €/h
		t.Errorf("across the change to winter time: %s €, want 7.00 €", got)
	}
}

// Bad input is refused with the field it is about.
func TestBadInputNamesTheField(t *testing.T) {
	t.Parallel()
	sessions := map[string]string{
		`{"start":"yesterday","stop":"2026-11-24T13:00:00Z","time_zone":"UTC","readings":[]}`:                                                                                     "start",
		`{"start":"2026-11-24T12:00:00Z","stop":"2026-11-24T11:00:00Z","time_zone":"UTC","readings":[]}`:                                                                          "stop",
		`{"start":"2026-11-24T12:00:00Z","stop":"2026-11-24T13:00:00Z","time_zone":"Mars/Olympus","readings":[]}`:                                                                 "time_zone",
		`{"start":"2026-11-24T12:00:00Z","stop":"2026-11-24T13:00:00Z","time_zone":"UTC","readings":[{"at":"x","wh":1}]}`:                                                         "readings[0].at",
		`{"start":"2026-11-24T12:00:00Z","stop":"2026-11-24T13:00:00Z","time_zone":"UTC","readings":[{"at":"2026-11-24T12:00:00Z","wh":"5"}]}`:                                    "readings[0].wh",
		`{"start":"2026-11-24T12:00:00Z","stop":"2026-11-24T13:00:00Z","time_zone":"UTC","readings":[{"at":"2026-11-24T12:00:00Z","wh":5},{"at":"2026-11-24T12:30:00Z","wh":4}]}`: "readings[1].wh",
		`{"start":"2026-11-24T12:00:00Z","stop":"2026-11-24T13:00:00Z","time_zone":"UTC","readings":[],"stopp":"x"}`:                                                              "stopp",
	}
	for in, field := range sessions {
		if _, err := tariff.ParseSession([]byte(in)); err == nil || !contains(err.Error(), field) {
			t.Errorf("%s: error %v, want one naming %q", in, err, field)
		}
	}
	tariffs := map[string]string{
		`{"currency":"EURO","elements":[{"price_components":[{"type":"ENERGY","price":0.25,"step_size":1}]}]}`:                                          "currency",
		`{"currency":"EUR","elements":[{"price_components":[{"type":"KWH","price":0.25,"step_size":1}]}]}`:                                              "elements[0].price_components[0].type",
		`{"currency":"EUR","elements":[{"price_components":[{"type":"ENERGY","price":"cheap","step_size":1}]}]}`:                                        "elements[0].price_components[0].price",
		`{"currency":"EUR","elements":[{"price_components":[{"type":"ENERGY","price":0.25,"step_size":1}],"restrictions":{"start_time":"25:00"}}]}`:     "elements[0].restrictions.start_time",
		`{"currency":"EUR","elements":[{"price_components":[{"type":"ENERGY","price":0.25,"step_size":1}],"restrictions":{"day_of_week":["FUNDAY"]}}]}`: "elements[0].restrictions.day_of_week",
		`{"currency":"EUR","elements":[]}`: "elements",
	}
	for in, field := range tariffs {
		if _, err := tariff.ParseOCPI([]byte(in)); err == nil || !contains(err.Error(), field) {
			t.Errorf("%s: error %v, want one naming %q", in, err, field)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
