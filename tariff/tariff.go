// Package tariff prices charging sessions as OCPI 2.2.1 describes it (module Tariffs, and the
// step_size section of module CDRs): engine.go splits a session into charging periods and
// prices each; ocpi.go is the Tariff object, session.go what a session did, cdr.go the CDR,
// receipt.go the receipt lines ChargeDesk stores. This file holds the catalogue format the
// product's tariffs are stored in (tables tariffs, tariff_elements, price_components) and
// sessions frozen before the OCPI engine carry; Tariff.OCPI converts it.
package tariff

import (
	"slices"
	_ "time/tzdata" // the binary carries its own zone data

	"chargedesk/format"
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
	LastUpdated   int64     `json:"last_updated,omitempty"` // unix seconds: when it last changed
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

// roundDiv divides a by b rounding half away from zero (half-up for the non-negative amounts
// here, symmetric for negative adjustments).
func roundDiv(a, b int64) int64 {
	if a < 0 {
		return -roundDiv(-a, b)
	}
	return (a + b/2) / b
}

// Zone is where the network operates: time-of-day restrictions mean local time here
// (format.Zone, where the product shows times too). Times are stored in UTC.
var Zone = format.Zone
