package tariff

import (
	"fmt"
	"math/big"
	"time"
)

// Result is a session priced under a tariff the way OCPI 2.2.1 describes it (module Tariffs,
// and the step_size section of module CDRs):
//   - the session is split into periods wherever something a restriction looks at changes;
//     in each period, per dimension, the first element with a component of that dimension
//     whose restrictions hold sets the price (FLAT once, as of the start);
//   - step_size rounds up once per session: ENERGY on the total energy, with the step of the
//     component that priced the last period with energy; TIME and PARKING_TIME on the total
//     parking time when parking is priced (charging time is then not rounded), otherwise on the
//     total charging time; the rounding is billed in that last period;
//   - amounts stay exact; the totals excl. and incl. VAT are summed unrounded, clamped by
//     min_price/max_price (each bound excl. and incl. VAT), and rounded once, half up.
type Result struct {
	Tariff  OCPI
	Session Session // as priced: with what derive filled in
	Derived Derived // what the charger did not report and the engine worked out
	Periods []Period
	Flat    []FlatFee
	// Exact totals (after min/max), and the difference min/max made, excl. and incl. VAT.
	ExclVAT, InclVAT       *big.Rat
	AdjustExcl, AdjustIncl *big.Rat
	InclKnown              bool // every amount that is not zero has a VAT rate
	// Exact costs per part (before min/max): FLAT of the session, ENERGY, TIME, PARKING_TIME,
	// and the reservation (its FLAT and time).
	Fixed, Energy, Time, Parking, Reservation Price
	// The totals rounded to cents (VAT = gross − net).
	NetCents, VATCents, GrossCents int64
}

// FlatFee is a FLAT component charged once: the session's start fee, or a reservation's fee.
type FlatFee struct {
	Element, Component int
	Price              *big.Rat
	VAT                *big.Rat
	Reservation        bool
}

// PriceSession prices s under t.
func PriceSession(t OCPI, s Session) (Result, error) {
	if err := t.Validate(); err != nil {
		return Result{}, fmt.Errorf("tariff: %w", err)
	}
	if err := s.Validate(); err != nil {
		return Result{}, fmt.Errorf("session: %w", err)
	}
	begin := s.Start
	if s.ReservationStart != nil {
		begin = *s.ReservationStart
	}
	if (t.StartDateTime != nil && begin.Before(*t.StartDateTime)) || (t.EndDateTime != nil && begin.After(*t.EndDateTime)) {
		return Result{}, fmt.Errorf("tariff: not valid when the session started (%s): see start_date_time and end_date_time", begin.UTC().Format(time.RFC3339))
	}
	s, derived := derive(t, s)
	res := Result{Tariff: t, Session: s, Derived: derived}
	off := func(x time.Time) *big.Rat { return big.NewRat(x.Sub(s.Start).Nanoseconds(), 1e9) }
	m := newMeter(s, off)
	zero := new(big.Rat)

	if s.ReservationStart != nil {
		from := off(*s.ReservationStart)
		pts := splitPoints(t, s, meter{}, off, from, zero, from, nil)
		for i := 0; i+1 < len(pts); i++ {
			p := newPeriod(s, Reserved, pts[i], pts[i+1])
			p.state = state{local: p.Start.In(s.Zone), elapsed: new(big.Rat).Sub(pts[i], from), energyWh: zero, powerW: zero}
			res.Periods = append(res.Periods, p)
		}
		if e, c, ok := t.firstReservation(Flat, s.ReservationExpired, state{local: s.ReservationStart.In(s.Zone), elapsed: zero, energyWh: zero, powerW: zero}); ok {
			res.Flat = append(res.Flat, flatFee(t, e, c, true))
		}
	}
	if !s.ReservationExpired {
		end := off(s.Stop)
		extra := append([]*big.Rat{}, m.at...)
		var parkFrom *big.Rat
		if s.ChargingStopped != nil {
			parkFrom = off(*s.ChargingStopped)
			extra = append(extra, parkFrom)
		}
		pts := splitPoints(t, s, m, off, zero, end, zero, extra)
		for i := 0; i+1 < len(pts); i++ {
			kind := Charging
			if parkFrom != nil && pts[i].Cmp(parkFrom) >= 0 {
				kind = Parking
			}
			p := newPeriod(s, kind, pts[i], pts[i+1])
			p.EnergyWh = new(big.Rat).Sub(m.energy(pts[i+1]), m.energy(pts[i]))
			p.state = state{local: p.Start.In(s.Zone), elapsed: pts[i], energyWh: m.energy(pts[i]), powerW: zero}
			if r, ok := m.reading(pts[i]); ok && kind == Charging {
				p.state.powerW, p.state.currentA = r.W, r.CurrentA
			} else if kind == Parking {
				p.state.currentA = zero
			}
			p.PowerW, p.CurrentA = p.state.powerW, p.state.currentA
			res.Periods = append(res.Periods, p)
		}
		st := state{local: s.Start.In(s.Zone), elapsed: zero, energyWh: zero, powerW: zero}
		if r, ok := m.reading(zero); ok {
			st.powerW, st.currentA = r.W, r.CurrentA
		}
		if e, c, ok := t.first(Flat, st); ok {
			res.Flat = append(res.Flat, flatFee(t, e, c, false))
		}
	}

	for i := range res.Periods {
		res.Periods[i].price(t, s.ReservationExpired)
	}
	res.applyStepSizes()
	res.total()
	return res, nil
}

func newPeriod(s Session, kind string, from, to *big.Rat) Period {
	return Period{Start: timeAt(s.Start, from), End: timeAt(s.Start, to), Kind: kind, from: from, to: to,
		EnergyWh: new(big.Rat), Seconds: new(big.Rat).Sub(to, from), PowerW: new(big.Rat)}
}

func flatFee(t OCPI, e, c int, reservation bool) FlatFee {
	pc := t.Elements[e].PriceComponents[c]
	return FlatFee{Element: e, Component: c, Price: pc.Price.Rat(), VAT: vatOf(pc), Reservation: reservation}
}

func vatOf(c OCPIComponent) *big.Rat {
	if c.VAT == nil {
		return nil
	}
	return c.VAT.Rat()
}

// price finds, for each dimension the period has, the first element that prices it.
func (p *Period) price(t OCPI, expired bool) {
	var dims []string
	switch p.Kind {
	case Charging:
		dims = []string{Energy, Time}
	case Parking:
		dims = []string{ParkingTime}
	case Reserved:
		dims = []string{Time}
	}
	for _, dim := range dims {
		var e, c int
		var ok bool
		if p.Kind == Reserved {
			e, c, ok = t.firstReservation(dim, expired, p.state)
		} else {
			e, c, ok = t.first(dim, p.state)
		}
		if !ok {
			continue
		}
		measured := p.Seconds
		if dim == Energy {
			measured = p.EnergyWh
		}
		pc := t.Elements[e].PriceComponents[c]
		p.Prices = append(p.Prices, PeriodPrice{Dimension: dim, Element: e, Component: c, Price: pc.Price.Rat(), VAT: vatOf(pc),
			StepSize: pc.StepSize, Measured: measured, Billed: measured})
	}
}

// first is the first element (not a reservation's) with a component of dim whose
// restrictions hold in st, and that component.
func (t OCPI) first(dim string, st state) (int, int, bool) {
	for i, e := range t.Elements {
		if e.Restrictions != nil && e.Restrictions.Reservation != "" {
			continue
		}
		for j, c := range e.PriceComponents {
			if c.Type == dim && e.Restrictions.holds(st) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

// firstReservation is first for a reservation's time: elements restricted to RESERVATION,
// and for an expired reservation those restricted to RESERVATION_EXPIRES before them (the
// spec: an expired reservation's time is priced by RESERVATION_EXPIRES when both price it).
func (t OCPI) firstReservation(dim string, expired bool, st state) (int, int, bool) {
	kinds := []string{Reservation}
	if expired {
		kinds = []string{ReservationExpires, Reservation}
	}
	for _, kind := range kinds {
		for i, e := range t.Elements {
			if e.Restrictions == nil || e.Restrictions.Reservation != kind {
				continue
			}
			for j, c := range e.PriceComponents {
				if c.Type == dim && e.Restrictions.holds(st) {
					return i, j, true
				}
			}
		}
	}
	return 0, 0, false
}

// applyStepSizes rounds up, once per session, the total of ENERGY; of PARKING_TIME when
// parking is priced, else of TIME; and of reservation time — each with the step_size of the
// component that priced the last period of that dimension, the rounding billed in that period.
func (r *Result) applyStepSizes() {
	r.roundUp(func(p *Period) bool { return p.Kind == Charging }, Energy, func(p *Period, pp *PeriodPrice) bool { return p.EnergyWh.Sign() > 0 })
	parkingPriced := r.last(func(p *Period) bool { return p.Kind == Parking }, ParkingTime, nil) != nil
	if parkingPriced {
		r.roundUp(func(p *Period) bool { return p.Kind == Parking }, ParkingTime, nil)
	} else {
		r.roundUp(func(p *Period) bool { return p.Kind == Charging }, Time, nil)
	}
	r.roundUp(func(p *Period) bool { return p.Kind == Reserved }, Time, nil)
}

// last is the price of dim in the last period of kind that has one (and passes relevant).
func (r *Result) last(kind func(*Period) bool, dim string, relevant func(*Period, *PeriodPrice) bool) *PeriodPrice {
	for i := len(r.Periods) - 1; i >= 0; i-- {
		p := &r.Periods[i]
		if !kind(p) {
			continue
		}
		for j := range p.Prices {
			if pp := &p.Prices[j]; pp.Dimension == dim && (relevant == nil || relevant(p, pp)) {
				return pp
			}
		}
	}
	return nil
}

// roundUp rounds the total measured volume of dim over the periods of kind (priced or not: a
// free stretch still counts towards the step) up to the step of its last priced period.
func (r *Result) roundUp(kind func(*Period) bool, dim string, relevant func(*Period, *PeriodPrice) bool) {
	last := r.last(kind, dim, relevant)
	if last == nil || last.StepSize < 1 {
		return
	}
	total := new(big.Rat)
	for i := range r.Periods {
		if p := &r.Periods[i]; kind(p) {
			if dim == Energy {
				total.Add(total, p.EnergyWh)
			} else {
				total.Add(total, p.Seconds)
			}
		}
	}
	step := big.NewRat(last.StepSize, 1)
	blocks := new(big.Rat).Quo(total, step)
	n := new(big.Int).Quo(blocks.Num(), blocks.Denom())
	if !blocks.IsInt() {
		n.Add(n, big.NewInt(1))
	}
	rounded := new(big.Rat).Mul(new(big.Rat).SetInt(n), step)
	last.Billed = new(big.Rat).Add(last.Measured, rounded.Sub(rounded, total))
}

// total computes the amounts, the totals with min/max, and the rounded figures.
func (r *Result) total() {
	excl, incl := new(big.Rat), new(big.Rat)
	r.InclKnown = true
	parts := map[string]*Price{}
	for _, p := range []*Price{&r.Fixed, &r.Energy, &r.Time, &r.Parking, &r.Reservation} {
		*p = Price{ExclVAT: Decimal{new(big.Rat)}, InclVAT: &Decimal{new(big.Rat)}}
	}
	add := func(part *Price, amount, vat *big.Rat) {
		excl.Add(excl, amount)
		part.ExclVAT.r.Add(part.ExclVAT.r, amount)
		if vat == nil {
			if amount.Sign() != 0 {
				r.InclKnown = false
			}
			vat = new(big.Rat)
		}
		withVAT := withVAT(amount, vat)
		incl.Add(incl, withVAT)
		part.InclVAT.r.Add(part.InclVAT.r, withVAT)
	}
	parts[Energy], parts[Time], parts[ParkingTime] = &r.Energy, &r.Time, &r.Parking
	for _, f := range r.Flat {
		part := &r.Fixed
		if f.Reservation {
			part = &r.Reservation
		}
		add(part, f.Price, f.VAT)
	}
	for i := range r.Periods {
		p := &r.Periods[i]
		for j := range p.Prices {
			pp := &p.Prices[j]
			unit := big.NewRat(3600, 1) // TIME and PARKING_TIME are priced per hour
			if pp.Dimension == Energy {
				unit = big.NewRat(1000, 1) // per kWh
			}
			pp.Amount = new(big.Rat).Mul(new(big.Rat).Quo(pp.Billed, unit), pp.Price)
			part := parts[pp.Dimension]
			if p.Kind == Reserved {
				part = &r.Reservation
			}
			add(part, pp.Amount, pp.VAT)
		}
	}
	r.AdjustExcl, r.AdjustIncl = clamp(excl, r.Tariff.MinPrice, r.Tariff.MaxPrice, false), clamp(incl, r.Tariff.MinPrice, r.Tariff.MaxPrice, true)
	if r.AdjustExcl.Sign() != 0 && !r.boundsIncl() && excl.Sign() != 0 {
		// A bound given excl. VAT only: the VAT follows the total in proportion.
		r.AdjustIncl = new(big.Rat).Mul(r.AdjustExcl, new(big.Rat).Quo(incl, excl))
	}
	r.ExclVAT = new(big.Rat).Add(excl, r.AdjustExcl)
	r.InclVAT = new(big.Rat).Add(incl, r.AdjustIncl)
	r.NetCents = cents(r.ExclVAT)
	r.GrossCents = cents(r.InclVAT)
	if r.GrossCents < r.NetCents {
		r.GrossCents = r.NetCents
	}
	r.VATCents = r.GrossCents - r.NetCents
}

func (r *Result) boundsIncl() bool {
	return (r.Tariff.MinPrice != nil && r.Tariff.MinPrice.InclVAT != nil) || (r.Tariff.MaxPrice != nil && r.Tariff.MaxPrice.InclVAT != nil)
}

// clamp is what min and max add to total (excl. or incl. VAT) to respect them.
func clamp(total *big.Rat, lo, hi *Price, inclVAT bool) *big.Rat {
	bound := func(p *Price) *big.Rat {
		if p == nil {
			return nil
		}
		if inclVAT {
			if p.InclVAT == nil {
				return nil
			}
			return p.InclVAT.Rat()
		}
		return p.ExclVAT.Rat()
	}
	if b := bound(lo); b != nil && total.Cmp(b) < 0 {
		return new(big.Rat).Sub(b, total)
	}
	if b := bound(hi); b != nil && total.Cmp(b) > 0 {
		return new(big.Rat).Sub(b, total)
	}
	return new(big.Rat)
}

// withVAT is amount × (1 + vat %).
func withVAT(amount, vat *big.Rat) *big.Rat {
	f := new(big.Rat).Add(big.NewRat(1, 1), new(big.Rat).Quo(vat, big.NewRat(100, 1)))
	return f.Mul(f, amount)
}
