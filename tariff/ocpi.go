package tariff

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"time"
)

// OCPI is a tariff as an OCPI 2.2.1 Tariff object (module Tariffs), the shape the spec's
// examples are written in and the one the pricing engine reads. Amounts are exact decimals.
type OCPI struct {
	CountryCode   string          `json:"country_code"`
	PartyID       string          `json:"party_id"`
	ID            string          `json:"id"`
	Currency      string          `json:"currency"`
	Type          string          `json:"type,omitempty"`
	TariffAltText json.RawMessage `json:"tariff_alt_text,omitempty"`
	TariffAltURL  string          `json:"tariff_alt_url,omitempty"`
	MinPrice      *Price          `json:"min_price,omitempty"`
	MaxPrice      *Price          `json:"max_price,omitempty"`
	Elements      []OCPIElement   `json:"elements"`
	StartDateTime *time.Time      `json:"start_date_time,omitempty"`
	EndDateTime   *time.Time      `json:"end_date_time,omitempty"`
	EnergyMix     json.RawMessage `json:"energy_mix,omitempty"`
	LastUpdated   *time.Time      `json:"last_updated,omitempty"`
}

// OCPIElement is a TariffElement: price components under one set of restrictions.
type OCPIElement struct {
	PriceComponents []OCPIComponent   `json:"price_components"`
	Restrictions    *OCPIRestrictions `json:"restrictions,omitempty"`
}

// OCPIComponent is a PriceComponent: a price per unit of one dimension, excl. VAT.
type OCPIComponent struct {
	Type     string   `json:"type"`
	Price    Decimal  `json:"price"`
	VAT      *Decimal `json:"vat,omitempty"` // percent; absent means no VAT is known (not 0 %)
	StepSize int64    `json:"step_size"`
}

// OCPIRestrictions are TariffRestrictions: when an element is active during a session. Left
// out, a restriction holds.
type OCPIRestrictions struct {
	StartTime   string   `json:"start_time,omitempty"` // HH:MM local, inclusive
	EndTime     string   `json:"end_time,omitempty"`   // HH:MM local, exclusive; 00:00 = end of day
	StartDate   string   `json:"start_date,omitempty"` // YYYY-MM-DD local, inclusive
	EndDate     string   `json:"end_date,omitempty"`   // exclusive
	MinKWh      *Decimal `json:"min_kwh,omitempty"`
	MaxKWh      *Decimal `json:"max_kwh,omitempty"`
	MinCurrent  *Decimal `json:"min_current,omitempty"`
	MaxCurrent  *Decimal `json:"max_current,omitempty"`
	MinPower    *Decimal `json:"min_power,omitempty"` // kW
	MaxPower    *Decimal `json:"max_power,omitempty"`
	MinDuration *int64   `json:"min_duration,omitempty"` // seconds since the session started
	MaxDuration *int64   `json:"max_duration,omitempty"`
	DayOfWeek   []string `json:"day_of_week,omitempty"`
	Reservation string   `json:"reservation,omitempty"` // RESERVATION or RESERVATION_EXPIRES
}

// Price is an amount excl. VAT and, when it is known, incl. VAT.
type Price struct {
	ExclVAT Decimal  `json:"excl_vat"`
	InclVAT *Decimal `json:"incl_vat,omitempty"`
}

// Reservation kinds of a restriction.
const (
	Reservation        = "RESERVATION"
	ReservationExpires = "RESERVATION_EXPIRES"
)

var weekdays = []string{"SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"} // time.Weekday order

// Decimal is an exact decimal number as JSON writes it (0.25, 2.00, 10.0); never a float.
type Decimal struct{ r *big.Rat }

// Dec is the decimal s ("0.25"); it panics on a malformed constant.
func Dec(s string) Decimal {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("tariff: bad decimal " + s)
	}
	return Decimal{r}
}

// Rat is the value (0 when unset); callers must not modify it.
func (d Decimal) Rat() *big.Rat {
	if d.r == nil {
		return new(big.Rat)
	}
	return d.r
}

func (d *Decimal) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" || strings.HasPrefix(s, `"`) {
		return fmt.Errorf("%s is not a number", s)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return fmt.Errorf("%s is not a number", s)
	}
	d.r = r
	return nil
}

func (d Decimal) MarshalJSON() ([]byte, error) { return []byte(decimalString(d.Rat(), 6)), nil }

func (d Decimal) String() string { return decimalString(d.Rat(), 6) }

// decimalString writes r with at most places decimals (rounded half away from zero) and no
// trailing zeros: 0.383333… → "0.383333", 4 → "4".
func decimalString(r *big.Rat, places int) string {
	s := roundRat(r, places).FloatString(places)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// roundRat rounds r half away from zero to places decimals.
func roundRat(r *big.Rat, places int) *big.Rat {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	x := new(big.Rat).Mul(r, new(big.Rat).SetInt(scale))
	num, den := new(big.Int).Set(x.Num()), x.Denom()
	neg := num.Sign() < 0
	num.Abs(num)
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if m.Mul(m, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	return new(big.Rat).SetFrac(q, scale)
}

// cents is r (an amount in currency units) rounded half away from zero to whole cents.
func cents(r *big.Rat) int64 {
	c := roundRat(r, 2)
	return new(big.Rat).Mul(c, big.NewRat(100, 1)).Num().Int64()
}

var (
	clockRe = regexp.MustCompile(`^([0-1][0-9]|2[0-3]):[0-5][0-9]$`)
	dateRe  = regexp.MustCompile(`^[12][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$`)
)

// Validate says what is wrong with t, naming the field as the JSON writes it.
func (t OCPI) Validate() error {
	if len(t.Currency) != 3 {
		return fmt.Errorf("currency: want an ISO 4217 code of 3 letters, got %q", t.Currency)
	}
	if len(t.Elements) == 0 {
		return fmt.Errorf("elements: a tariff needs at least one element")
	}
	for name, p := range map[string]*Price{"min_price": t.MinPrice, "max_price": t.MaxPrice} {
		if p != nil && (p.ExclVAT.Rat().Sign() < 0 || (p.InclVAT != nil && p.InclVAT.Rat().Sign() < 0)) {
			return fmt.Errorf("%s: must not be negative", name)
		}
	}
	for i, e := range t.Elements {
		at := fmt.Sprintf("elements[%d]", i)
		if len(e.PriceComponents) == 0 {
			return fmt.Errorf("%s.price_components: an element needs at least one price component", at)
		}
		for j, c := range e.PriceComponents {
			cat := fmt.Sprintf("%s.price_components[%d]", at, j)
			switch {
			case !slices.Contains([]string{Flat, Energy, Time, ParkingTime}, c.Type):
				return fmt.Errorf("%s.type: want FLAT, ENERGY, TIME or PARKING_TIME, got %q", cat, c.Type)
			case c.Price.r == nil:
				return fmt.Errorf("%s.price: missing", cat)
			case c.Price.Rat().Sign() < 0:
				return fmt.Errorf("%s.price: must not be negative", cat)
			case c.VAT != nil && c.VAT.Rat().Sign() < 0:
				return fmt.Errorf("%s.vat: must not be negative", cat)
			case c.StepSize < 0:
				return fmt.Errorf("%s.step_size: must not be negative", cat)
			}
		}
		if err := e.Restrictions.validate(at + ".restrictions"); err != nil {
			return err
		}
	}
	return nil
}

func (r *OCPIRestrictions) validate(at string) error {
	if r == nil {
		return nil
	}
	for name, v := range map[string]string{"start_time": r.StartTime, "end_time": r.EndTime} {
		if v != "" && !clockRe.MatchString(v) {
			return fmt.Errorf("%s.%s: want a time of day as HH:MM, got %q", at, name, v)
		}
	}
	for name, v := range map[string]string{"start_date": r.StartDate, "end_date": r.EndDate} {
		if v != "" && !dateRe.MatchString(v) {
			return fmt.Errorf("%s.%s: want a date as YYYY-MM-DD, got %q", at, name, v)
		}
	}
	for _, d := range r.DayOfWeek {
		if !slices.Contains(weekdays, d) {
			return fmt.Errorf("%s.day_of_week: %q is not a day (MONDAY … SUNDAY)", at, d)
		}
	}
	if r.Reservation != "" && r.Reservation != Reservation && r.Reservation != ReservationExpires {
		return fmt.Errorf("%s.reservation: want RESERVATION or RESERVATION_EXPIRES, got %q", at, r.Reservation)
	}
	for name, v := range map[string]*int64{"min_duration": r.MinDuration, "max_duration": r.MaxDuration} {
		if v != nil && *v < 0 {
			return fmt.Errorf("%s.%s: must not be negative", at, name)
		}
	}
	return nil
}

// ParseOCPI reads an OCPI 2.2.1 Tariff object and checks it.
func ParseOCPI(b []byte) (OCPI, error) {
	if err := checkNumbers(b, numericFields); err != nil {
		return OCPI{}, err
	}
	var t OCPI
	if err := json.Unmarshal(b, &t); err != nil {
		return OCPI{}, jsonError(err)
	}
	return t, t.Validate()
}

// numericFields are the tariff's fields that must be JSON numbers.
var numericFields = []string{"price", "vat", "step_size", "excl_vat", "incl_vat", "min_kwh", "max_kwh",
	"min_current", "max_current", "min_power", "max_power", "min_duration", "max_duration"}

// checkNumbers walks the JSON document b and names the first of the fields that holds
// something other than a number, with its path: elements[0].price_components[1].price.
func checkNumbers(b []byte, fields []string) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("not valid JSON: %v", err)
	}
	var walk func(path string, v any) error
	walk = func(path string, v any) error {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				p := k
				if path != "" {
					p = path + "." + k
				}
				if _, isNum := x.(json.Number); slices.Contains(fields, k) && !isNum {
					got, _ := json.Marshal(x)
					return fmt.Errorf("%s: want a number, got %s", p, got)
				}
				if err := walk(p, x); err != nil {
					return err
				}
			}
		case []any:
			for i, x := range v {
				if err := walk(fmt.Sprintf("%s[%d]", path, i), x); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk("", doc)
}

// jsonError names the field of a JSON decoding error in the spec's spelling.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Errorf("%s: %s is not the right type (want %s)", te.Field, te.Value, te.Type)
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("a date-time is not RFC 3339 (2019-02-03T17:00:11Z): %q", pe.Value)
	}
	return err
}
