package tariff

import (
	"math/big"
	"slices"
	"time"
)

// Kinds of charging period.
const (
	Charging = "CHARGING"    // energy may flow: ENERGY and TIME are priced
	Parking  = "PARKING"     // connected, not charging: PARKING_TIME
	Reserved = "RESERVATION" // the EVSE held before the session: reservation TIME
)

// Period is a stretch of the session in which nothing any restriction of the tariff looks at
// changes (OCPI's ChargingPeriod), with the price each dimension had in it.
type Period struct {
	Start, End time.Time
	Kind       string
	EnergyWh   *big.Rat // energy that flowed in the period
	Seconds    *big.Rat
	PowerW     *big.Rat // power drawn in the period (0 when parking or reserved)
	CurrentA   *big.Rat // nil when unknown
	Prices     []PeriodPrice
	from, to   *big.Rat // seconds from the session's start
	state      state
}

// PeriodPrice is what one dimension of a period cost: the element whose component priced it,
// the volume measured and the volume billed (they differ only where step_size rounded up).
type PeriodPrice struct {
	Dimension string // ENERGY, TIME or PARKING_TIME (TIME for reservation time)
	Element   int    // index in the tariff's elements
	Component int    // index in the element's price components
	Price     *big.Rat
	VAT       *big.Rat // percent, nil when unknown
	StepSize  int64
	Measured  *big.Rat // Wh or seconds
	Billed    *big.Rat // Wh or seconds
	Amount    *big.Rat // excl. VAT
}

// state is what the restrictions look at, as of the start of a period.
type state struct {
	local    time.Time // the period's start in the location's zone
	elapsed  *big.Rat  // seconds since the session (or the reservation) started
	energyWh *big.Rat  // energy since the session started
	powerW   *big.Rat
	currentA *big.Rat // nil: unknown
}

// meter answers energy and power questions about a session's readings. Energy is counted
// from the first reading and interpolated linearly between readings; power (and current)
// is that of the latest reading at or before an instant, constant until the next one.
type meter struct {
	at  []*big.Rat // seconds from the session's start
	wh  []*big.Rat // energy since the first reading
	rds []Reading
}

func newMeter(s Session, off func(time.Time) *big.Rat) meter {
	var m meter
	m.rds = s.sortedReadings()
	for _, r := range m.rds {
		m.at = append(m.at, off(r.At))
		m.wh = append(m.wh, new(big.Rat).Sub(r.Wh, m.rds[0].Wh))
	}
	return m
}

// energy is the energy (Wh) delivered from the session's start to instant o.
func (m meter) energy(o *big.Rat) *big.Rat {
	n := len(m.at)
	switch {
	case n == 0 || o.Cmp(m.at[0]) <= 0:
		return new(big.Rat)
	case o.Cmp(m.at[n-1]) >= 0:
		return m.wh[n-1]
	}
	i := 0
	for m.at[i+1].Cmp(o) < 0 {
		i++
	}
	// wh[i] + (o - at[i]) / (at[i+1] - at[i]) × (wh[i+1] - wh[i])
	span := new(big.Rat).Sub(m.at[i+1], m.at[i])
	if span.Sign() == 0 {
		return m.wh[i+1]
	}
	f := new(big.Rat).Quo(new(big.Rat).Sub(o, m.at[i]), span)
	return new(big.Rat).Add(m.wh[i], f.Mul(f, new(big.Rat).Sub(m.wh[i+1], m.wh[i])))
}

// when is the first instant at which the energy delivered reaches wh, and false if it never does.
func (m meter) when(wh *big.Rat) (*big.Rat, bool) {
	for i := 1; i < len(m.at); i++ {
		if m.wh[i].Cmp(wh) >= 0 && m.wh[i-1].Cmp(wh) < 0 {
			// at[i-1] + (wh - wh[i-1]) / (wh[i] - wh[i-1]) × (at[i] - at[i-1])
			f := new(big.Rat).Quo(new(big.Rat).Sub(wh, m.wh[i-1]), new(big.Rat).Sub(m.wh[i], m.wh[i-1]))
			return new(big.Rat).Add(m.at[i-1], f.Mul(f, new(big.Rat).Sub(m.at[i], m.at[i-1]))), true
		}
	}
	return nil, false
}

// reading is the reading in force at o: the latest at or before it, else the first.
func (m meter) reading(o *big.Rat) (Reading, bool) {
	if len(m.rds) == 0 {
		return Reading{}, false
	}
	k := 0
	for i := range m.at {
		if m.at[i].Cmp(o) <= 0 {
			k = i
		}
	}
	return m.rds[k], true
}

// splitPoints are the instants in [from, to] (seconds from the session's start) where a
// restriction of t could change its mind: the local clock times and midnights the tariff
// mentions on every day spanned, duration thresholds (counted from base), energy thresholds,
// and the given extra instants (readings, the end of charging).
func splitPoints(t OCPI, s Session, m meter, off func(time.Time) *big.Rat, from, to, base *big.Rat, extra []*big.Rat) []*big.Rat {
	pts := []*big.Rat{from, to}
	add := func(o *big.Rat) {
		if o.Cmp(from) > 0 && o.Cmp(to) < 0 {
			pts = append(pts, o)
		}
	}
	for _, o := range extra {
		add(o)
	}
	var clocks []string
	for _, e := range t.Elements {
		r := e.Restrictions
		if r == nil {
			continue
		}
		for _, c := range []string{r.StartTime, r.EndTime} {
			if c != "" {
				clocks = append(clocks, c)
			}
		}
		for _, d := range []*int64{r.MinDuration, r.MaxDuration} {
			if d != nil {
				add(new(big.Rat).Add(base, big.NewRat(*d, 1)))
			}
		}
		for _, kwh := range []*Decimal{r.MinKWh, r.MaxKWh} {
			if kwh != nil {
				if o, ok := m.when(new(big.Rat).Mul(kwh.Rat(), big.NewRat(1000, 1))); ok {
					add(o)
				}
			}
		}
	}
	// Every local midnight (weekdays and dates change there) and every clock time named.
	first := timeAt(s.Start, from).In(s.Zone)
	last := timeAt(s.Start, to).In(s.Zone)
	for day := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, s.Zone); !day.After(last); day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, s.Zone) {
		add(off(day))
		for _, c := range clocks {
			h, mi := clock(c)
			add(off(time.Date(day.Year(), day.Month(), day.Day(), h, mi, 0, 0, s.Zone)))
		}
	}
	slices.SortFunc(pts, func(a, b *big.Rat) int { return a.Cmp(b) })
	return slices.CompactFunc(pts, func(a, b *big.Rat) bool { return a.Cmp(b) == 0 })
}

// clock is "HH:MM" as hour and minute.
func clock(c string) (int, int) {
	return int(c[0]-'0')*10 + int(c[1]-'0'), int(c[3]-'0')*10 + int(c[4]-'0')
}

// timeAt is the instant o seconds after origin (to the nanosecond, rounded down).
func timeAt(origin time.Time, o *big.Rat) time.Time {
	ns := new(big.Int).Quo(new(big.Int).Mul(o.Num(), big.NewInt(1e9)), o.Denom())
	return origin.Add(time.Duration(ns.Int64()))
}

// holds reports whether restrictions r allow their element in a period that starts in state st.
func (r *OCPIRestrictions) holds(st state) bool {
	if r == nil {
		return true
	}
	minute := st.local.Hour()*60 + st.local.Minute()
	if r.StartTime != "" || r.EndTime != "" {
		start, end := 0, 24*60
		if r.StartTime != "" {
			h, m := clock(r.StartTime)
			start = h*60 + m
		}
		if r.EndTime != "" {
			h, m := clock(r.EndTime)
			if end = h*60 + m; end == 0 {
				end = 24 * 60 // 00:00: until the end of the day
			}
		}
		in := (start <= end && minute >= start && minute < end) || (start > end && (minute >= start || minute < end))
		if !in {
			return false
		}
	}
	date := st.local.Format("2006-01-02")
	if (r.StartDate != "" && date < r.StartDate) || (r.EndDate != "" && date >= r.EndDate) {
		return false
	}
	if len(r.DayOfWeek) > 0 && !slices.Contains(r.DayOfWeek, weekdays[st.local.Weekday()]) {
		return false
	}
	kwh := new(big.Rat).Quo(st.energyWh, big.NewRat(1000, 1))
	if (r.MinKWh != nil && kwh.Cmp(r.MinKWh.Rat()) < 0) || (r.MaxKWh != nil && kwh.Cmp(r.MaxKWh.Rat()) >= 0) {
		return false
	}
	kw := new(big.Rat).Quo(st.powerW, big.NewRat(1000, 1))
	if (r.MinPower != nil && kw.Cmp(r.MinPower.Rat()) < 0) || (r.MaxPower != nil && kw.Cmp(r.MaxPower.Rat()) >= 0) {
		return false
	}
	if r.MinCurrent != nil || r.MaxCurrent != nil {
		if st.currentA == nil { // a current restriction cannot be judged without the current: it does not hold
			return false
		}
		if (r.MinCurrent != nil && st.currentA.Cmp(r.MinCurrent.Rat()) < 0) || (r.MaxCurrent != nil && st.currentA.Cmp(r.MaxCurrent.Rat()) >= 0) {
			return false
		}
	}
	if (r.MinDuration != nil && st.elapsed.Cmp(big.NewRat(*r.MinDuration, 1)) < 0) || (r.MaxDuration != nil && st.elapsed.Cmp(big.NewRat(*r.MaxDuration, 1)) >= 0) {
		return false
	}
	return true
}

// Merged is the periods with each run of neighbours that were priced alike (same kind, and
// the same component for each dimension) joined into one: what a person wants to see
// ("which price applied when"), and a CDR's charging periods without one per meter reading.
// Volumes and amounts add up; power and current are the highest of the run.
func (r Result) Merged() []Period {
	var out []Period
	for _, p := range r.Periods {
		if n := len(out); n > 0 && alike(out[n-1], p) {
			m := &out[n-1]
			m.End, m.to = p.End, p.to
			m.EnergyWh = new(big.Rat).Add(m.EnergyWh, p.EnergyWh)
			m.Seconds = new(big.Rat).Add(m.Seconds, p.Seconds)
			if p.PowerW.Cmp(m.PowerW) > 0 {
				m.PowerW = p.PowerW
			}
			switch {
			case m.CurrentA == nil || p.CurrentA == nil:
				m.CurrentA = nil
			case p.CurrentA.Cmp(m.CurrentA) > 0:
				m.CurrentA = p.CurrentA
			}
			prices := make([]PeriodPrice, len(m.Prices))
			for i, pp := range m.Prices {
				q := p.Prices[i]
				pp.Measured = new(big.Rat).Add(pp.Measured, q.Measured)
				pp.Billed = new(big.Rat).Add(pp.Billed, q.Billed)
				pp.Amount = new(big.Rat).Add(pp.Amount, q.Amount)
				prices[i] = pp
			}
			m.Prices = prices
			continue
		}
		out = append(out, p)
	}
	return out
}

func alike(a, b Period) bool {
	if a.Kind != b.Kind || len(a.Prices) != len(b.Prices) {
		return false
	}
	for i := range a.Prices {
		x, y := a.Prices[i], b.Prices[i]
		if x.Dimension != y.Dimension || x.Element != y.Element || x.Component != y.Component {
			return false
		}
	}
	return true
}
