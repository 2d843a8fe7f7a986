// Package tariff prices a charging session with an OCPI 2.2.1-style tariff, the one frozen on
// the session when it started, and produces the receipt's lines.
//
// The rules (see DOMAIN.md), and the choices made where OCPI leaves room:
//   - Elements are tried in order; per dimension the first element that has a component of
//     that dimension and whose restrictions match is used. Time-of-day, weekday, energy and
//     power restrictions are judged on the session as a whole (its start, its total energy, its
//     peak power). Duration restrictions split time: for TIME and PARKING_TIME each second of
//     the session is priced by the first element whose [min_duration, max_duration) window
//     holds it, so "0.10 €/min after 4 h" is an element with min_duration 4 h.
//   - step_size rounds up once per session on the total: ENERGY alone; TIME and PARKING_TIME
//     as one pool, and when parking follows charging only the parking part is rounded.
//   - Each line's net is rounded half-up to whole cents. VAT is computed per rate on the sum of
//     the nets at that rate, rounded half-up. Gross = net + VAT.
//   - min/max price clamp the net total; the difference is an ADJUSTMENT line taxed at the rate
//     of the session's largest line.
package tariff

import (
	"encoding/json"
	"slices"
	"time"
	_ "time/tzdata" // the binary carries its own zone data
)

// Dimensions of a price component.
const (
	Flat        = "FLAT"
	Energy      = "ENERGY"
	Time        = "TIME"
	ParkingTime = "PARKING_TIME"
	Adjustment  = "ADJUSTMENT"
)

// Tariff is a priced offer. Prices are integer 1/10 000 of the currency unit, excl. VAT.
type Tariff struct {
	ID            int64     `json:"id"`
	Name          string    `json:"name"`
	Currency      string    `json:"currency"`
	MinPriceCents *int64    `json:"min_price_cents,omitempty"`
	MaxPriceCents *int64    `json:"max_price_cents,omitempty"`
	Elements      []Element `json:"elements"`
}

// Element groups price components under one set of restrictions.
type Element struct {
	Restrictions Restrictions `json:"restrictions"`
	Components   []Component  `json:"components"`
}

// Restrictions left nil match everything.
type Restrictions struct {
	StartMinute  *int64 `json:"start_minute,omitempty"` // minute of day, local time, inclusive
	EndMinute    *int64 `json:"end_minute,omitempty"`   // exclusive; may be < start (overnight)
	Weekdays     *int64 `json:"weekdays,omitempty"`     // bit 0 = Monday … bit 6 = Sunday
	MinWh        *int64 `json:"min_wh,omitempty"`
	MaxWh        *int64 `json:"max_wh,omitempty"`
	MinDurationS *int64 `json:"min_duration_s,omitempty"`
	MaxDurationS *int64 `json:"max_duration_s,omitempty"`
	MinPowerW    *int64 `json:"min_power_w,omitempty"`
	MaxPowerW    *int64 `json:"max_power_w,omitempty"`
}

// Component is one price: per session (FLAT), per kWh (ENERGY) or per hour (TIME, PARKING_TIME).
type Component struct {
	Type     string `json:"type"`
	Price    int64  `json:"price"`     // 1/10 000 per unit, excl. VAT
	VatBP    int64  `json:"vat_bp"`    // VAT rate in basis points: 1900 = 19 %
	StepSize int64  `json:"step_size"` // Wh for ENERGY, seconds for TIME and PARKING_TIME
}

// Usage is what the session consumed.
type Usage struct {
	Start     time.Time // in the zone whose time of day the restrictions mean
	ChargingS int64     // seconds with energy flowing
	ParkingS  int64     // seconds connected after charging ended
	EnergyWh  int64
	MaxPowerW int64
}

// Line is one receipt line.
type Line struct {
	Dimension   string
	MeasuredQty int64 // Wh, seconds, or 1 for FLAT
	BilledQty   int64 // after step-size rounding
	UnitPrice   int64 // 1/10 000 per kWh, hour or session
	VatBP       int64
	NetCents    int64
}

// VATLine is the tax at one rate.
type VATLine struct {
	RateBP   int64
	NetCents int64
	VATCents int64
}

// Receipt is the priced session.
type Receipt struct {
	Lines      []Line
	VAT        []VATLine
	NetCents   int64
	VATCents   int64
	GrossCents int64
}

// Snapshot returns the JSON frozen on a session at start.
func (t Tariff) Snapshot() string {
	b, _ := json.Marshal(t) // only plain fields: cannot fail
	return string(b)
}

// FromSnapshot parses a frozen tariff.
func FromSnapshot(s string) (Tariff, error) {
	var t Tariff
	err := json.Unmarshal([]byte(s), &t)
	return t, err
}

// Price computes the receipt of u under t.
func Price(t Tariff, u Usage) Receipt {
	var lines []Line
	if _, c, ok := t.first(Flat, u, -1); ok {
		lines = append(lines, Line{Dimension: Flat, MeasuredQty: 1, BilledQty: 1, UnitPrice: c.Price, VatBP: c.VatBP, NetCents: roundDiv(c.Price, 100)})
	}
	if _, c, ok := t.first(Energy, u, -1); ok && u.EnergyWh > 0 {
		billed := roundUp(u.EnergyWh, c.StepSize)
		lines = append(lines, Line{Dimension: Energy, MeasuredQty: u.EnergyWh, BilledQty: billed, UnitPrice: c.Price, VatBP: c.VatBP, NetCents: roundDiv(billed*c.Price, 1000*100)})
	}
	lines = append(lines, t.timeLines(u)...)

	var net int64
	for _, l := range lines {
		net += l.NetCents
	}
	if adj := clampAdjustment(t, net); adj != 0 {
		lines = append(lines, Line{Dimension: Adjustment, MeasuredQty: 1, BilledQty: 1, UnitPrice: adj * 100, VatBP: mainRate(lines), NetCents: adj})
	}
	return Totals(lines)
}

// timeLines prices TIME over [0, charging) and PARKING_TIME over [charging, charging+parking),
// second ranges split at every duration boundary, each range priced by its first matching
// element; then the pool is rounded up once.
func (t Tariff) timeLines(u Usage) []Line {
	end := u.ChargingS + u.ParkingS
	cuts := []int64{0, u.ChargingS, end}
	for _, e := range t.Elements {
		if r := e.Restrictions; r.MinDurationS != nil {
			cuts = append(cuts, *r.MinDurationS)
		}
		if r := e.Restrictions; r.MaxDurationS != nil {
			cuts = append(cuts, *r.MaxDurationS)
		}
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)

	type key struct {
		dim string
		el  int
	}
	var order []key
	secs := map[key]int64{}
	comps := map[key]Component{}
	for i := 0; i+1 < len(cuts); i++ {
		from, to := cuts[i], cuts[i+1]
		if from >= end || to <= 0 {
			continue
		}
		dim := Time
		if from >= u.ChargingS {
			dim = ParkingTime
		}
		el, c, ok := t.first(dim, u, from)
		if !ok {
			continue
		}
		k := key{dim, el}
		if _, seen := secs[k]; !seen {
			order = append(order, k)
			comps[k] = c
		}
		secs[k] += to - from
	}
	lines := make([]Line, 0, len(order))
	for _, k := range order {
		lines = append(lines, Line{Dimension: k.dim, MeasuredQty: secs[k], BilledQty: secs[k], UnitPrice: comps[k].Price, VatBP: comps[k].VatBP})
	}
	// Round the pool once: the parking part if there is one, else the charging part.
	pool := Time
	for _, l := range lines {
		if l.Dimension == ParkingTime {
			pool = ParkingTime
		}
	}
	last := -1
	for i, l := range lines {
		if l.Dimension == pool {
			last = i
		}
	}
	if last >= 0 {
		var pooled int64
		for _, l := range lines {
			if l.Dimension == lines[last].Dimension {
				pooled += l.MeasuredQty
			}
		}
		step := comps[order[last]].StepSize
		lines[last].BilledQty += roundUp(pooled, step) - pooled
	}
	for i := range lines {
		lines[i].NetCents = roundDiv(lines[i].BilledQty*lines[i].UnitPrice, 3600*100)
	}
	return lines
}

// first finds the first element with a component of dim whose restrictions match u; at is
// the second of the session being priced for time dimensions, or -1 to judge the whole session.
func (t Tariff) first(dim string, u Usage, at int64) (int, Component, bool) {
	for i, e := range t.Elements {
		for _, c := range e.Components {
			if c.Type == dim && e.Restrictions.match(u, at) {
				return i, c, true
			}
		}
	}
	return 0, Component{}, false
}

func (r Restrictions) match(u Usage, at int64) bool {
	minute := int64(u.Start.Hour()*60 + u.Start.Minute())
	if r.StartMinute != nil && r.EndMinute != nil {
		s, e := *r.StartMinute, *r.EndMinute
		in := (s <= e && minute >= s && minute < e) || (s > e && (minute >= s || minute < e))
		if !in {
			return false
		}
	}
	if r.Weekdays != nil {
		wd := (int(u.Start.Weekday()) + 6) % 7 // Monday = 0
		if *r.Weekdays&(1<<wd) == 0 {
			return false
		}
	}
	if (r.MinWh != nil && u.EnergyWh < *r.MinWh) || (r.MaxWh != nil && u.EnergyWh >= *r.MaxWh) {
		return false
	}
	if (r.MinPowerW != nil && u.MaxPowerW < *r.MinPowerW) || (r.MaxPowerW != nil && u.MaxPowerW >= *r.MaxPowerW) {
		return false
	}
	d := at
	if at < 0 {
		d = u.ChargingS + u.ParkingS
	}
	if (r.MinDurationS != nil && d < *r.MinDurationS) || (r.MaxDurationS != nil && d >= *r.MaxDurationS) {
		return false
	}
	return true
}

func clampAdjustment(t Tariff, net int64) int64 {
	if t.MinPriceCents != nil && net < *t.MinPriceCents {
		return *t.MinPriceCents - net
	}
	if t.MaxPriceCents != nil && net > *t.MaxPriceCents {
		return *t.MaxPriceCents - net
	}
	return 0
}

// mainRate is the VAT rate of the largest line (19 % when there are none).
func mainRate(lines []Line) int64 {
	rate, best := int64(1900), int64(-1)
	for _, l := range lines {
		if l.NetCents > best {
			rate, best = l.VatBP, l.NetCents
		}
	}
	return rate
}

// Totals adds up lines into a receipt: VAT per rate on the sum of the nets at that rate,
// rounded half-up, then gross.
func Totals(lines []Line) Receipt {
	r := Receipt{Lines: lines}
	byRate := map[int64]int64{}
	var rates []int64
	for _, l := range lines {
		if _, ok := byRate[l.VatBP]; !ok {
			rates = append(rates, l.VatBP)
		}
		byRate[l.VatBP] += l.NetCents
		r.NetCents += l.NetCents
	}
	slices.Sort(rates)
	for _, rate := range rates {
		v := roundDiv(byRate[rate]*rate, 10000)
		r.VAT = append(r.VAT, VATLine{RateBP: rate, NetCents: byRate[rate], VATCents: v})
		r.VATCents += v
	}
	r.GrossCents = r.NetCents + r.VATCents
	return r
}

// roundUp rounds q up to a multiple of step.
func roundUp(q, step int64) int64 {
	if step <= 1 || q%step == 0 {
		return q
	}
	return (q/step + 1) * step
}

// roundDiv divides a by b rounding half away from zero (half-up for the non-negative amounts
// here, symmetric for negative adjustments).
func roundDiv(a, b int64) int64 {
	if a < 0 {
		return -roundDiv(-a, b)
	}
	return (a + b/2) / b
}

// Zone is where the network operates: time-of-day restrictions mean local time here, and the
// product shows times in it. Times are stored in UTC.
var Zone = mustZone("Europe/Berlin")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}
