package tariff

import (
	"fmt"
	"math/big"
	"strings"
)

// ComponentText is one price component in words, for people: what, how much, VAT, step.
type ComponentText struct {
	Dimension string // FLAT, ENERGY, TIME, PARKING_TIME
	Price     string // "€0.25/kWh"
	VAT       string // "10 %", or "not given"
	Step      string // "per 1 Wh", "per 15 min", "" for FLAT
}

// ElementText is one tariff element in words: when it applies and its prices.
type ElementText struct {
	When   string // "weekdays 09:00–18:00", "always", "reservation"
	Prices []ComponentText
}

// Describe is t in words, element by element, in the order they are tried.
func (t OCPI) Describe() []ElementText {
	out := make([]ElementText, len(t.Elements))
	for i, e := range t.Elements {
		out[i].When = e.Restrictions.Describe()
		for _, c := range e.PriceComponents {
			out[i].Prices = append(out[i].Prices, c.describe(t.Currency))
		}
	}
	return out
}

func (c OCPIComponent) describe(currency string) ComponentText {
	sym := symbol(currency)
	ct := ComponentText{Dimension: c.Type, VAT: "not given"}
	if c.VAT != nil {
		ct.VAT = c.VAT.String() + " %"
	}
	price := decimalString(c.Price.Rat(), 4)
	if !strings.Contains(price, ".") || len(price)-strings.Index(price, ".") < 3 {
		price = roundRat(c.Price.Rat(), 2).FloatString(2) // at least cents: 2.00, not 2
	}
	switch c.Type {
	case Flat:
		ct.Price = sym + price
	case Energy:
		ct.Price = sym + price + "/kWh"
		if c.StepSize > 1 {
			ct.Step = fmt.Sprintf("per %d Wh", c.StepSize)
		} else {
			ct.Step = "per Wh"
		}
	default:
		ct.Price = sym + price + "/h"
		ct.Step = "per " + seconds(c.StepSize)
	}
	return ct
}

// Describe is the restrictions in words ("always" when there are none).
func (r *OCPIRestrictions) Describe() string {
	if r == nil {
		return "always"
	}
	var parts []string
	switch r.Reservation {
	case Reservation:
		parts = append(parts, "while reserved")
	case ReservationExpires:
		parts = append(parts, "when a reservation expires unused")
	}
	if len(r.DayOfWeek) > 0 {
		parts = append(parts, days(r.DayOfWeek))
	}
	if r.StartTime != "" || r.EndTime != "" {
		from, to := r.StartTime, r.EndTime
		if from == "" {
			from = "00:00"
		}
		if to == "" || to == "00:00" {
			to = "24:00"
		}
		parts = append(parts, from+"–"+to)
	}
	if r.StartDate != "" {
		parts = append(parts, "from "+r.StartDate)
	}
	if r.EndDate != "" {
		parts = append(parts, "before "+r.EndDate)
	}
	bound := func(lo, hi *Decimal, unit string) {
		switch {
		case lo != nil && hi != nil:
			parts = append(parts, fmt.Sprintf("%s–%s %s", lo, hi, unit))
		case lo != nil:
			parts = append(parts, fmt.Sprintf("from %s %s", lo, unit))
		case hi != nil:
			parts = append(parts, fmt.Sprintf("below %s %s", hi, unit))
		}
	}
	bound(r.MinPower, r.MaxPower, "kW")
	bound(r.MinCurrent, r.MaxCurrent, "A")
	bound(r.MinKWh, r.MaxKWh, "kWh charged")
	switch {
	case r.MinDuration != nil && r.MaxDuration != nil:
		parts = append(parts, "after "+seconds(*r.MinDuration)+", until "+seconds(*r.MaxDuration))
	case r.MinDuration != nil:
		parts = append(parts, "after "+seconds(*r.MinDuration))
	case r.MaxDuration != nil:
		parts = append(parts, "the first "+seconds(*r.MaxDuration))
	}
	if len(parts) == 0 {
		return "always"
	}
	return strings.Join(parts, ", ")
}

func days(ds []string) string {
	set := strings.Join(ds, ",")
	switch set {
	case "MONDAY,TUESDAY,WEDNESDAY,THURSDAY,FRIDAY":
		return "weekdays"
	case "SATURDAY,SUNDAY":
		return "weekends"
	}
	short := make([]string, len(ds))
	for i, d := range ds {
		short[i] = d[:1] + strings.ToLower(d[1:3])
	}
	return strings.Join(short, ", ")
}

// seconds is a step or a duration in words: 1 s, 15 min, 4 h, 1 h 30 min.
func seconds(s int64) string {
	switch {
	case s <= 1:
		return "second"
	case s%3600 == 0:
		return fmt.Sprintf("%d h", s/3600)
	case s > 3600 && s%60 == 0:
		return fmt.Sprintf("%d h %d min", s/3600, s%3600/60)
	case s%60 == 0:
		return fmt.Sprintf("%d min", s/60)
	}
	return fmt.Sprintf("%d s", s)
}

func symbol(currency string) string {
	if currency == "EUR" || currency == "" {
		return "€"
	}
	return currency + " "
}

// PriceText is a min or max price in words: "€10.00 excl. VAT, €11.00 incl.", "" when unset.
func (t OCPI) PriceText(p *Price) string {
	if p == nil {
		return ""
	}
	s := symbol(t.Currency) + roundRat(p.ExclVAT.Rat(), 2).FloatString(2) + " excl. VAT"
	if p.InclVAT != nil {
		s += ", " + symbol(t.Currency) + roundRat(p.InclVAT.Rat(), 2).FloatString(2) + " incl."
	}
	return s
}

// Money is an exact amount to the cent, for people: "€0.38".
func Money(r *big.Rat, currency string) string {
	return symbol(currency) + roundRat(r, 2).FloatString(2)
}
