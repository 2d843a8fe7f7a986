package tariff

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"time"
)

// OCPI is the catalogue tariff t as an OCPI 2.2.1 Tariff object: prices and VAT as decimals,
// minutes of the day as HH:MM, weekdays by name, Wh as kWh and W as kW. Its name becomes the
// tariff's alternative text.
func (t Tariff) OCPI() OCPI {
	o := OCPI{CountryCode: "DE", PartyID: "CDK", ID: strconv.FormatInt(t.ID, 10), Currency: t.Currency}
	updated := time.Unix(t.LastUpdated, 0).UTC() // required by OCPI; 1970 only for a tariff that never said
	o.LastUpdated = &updated
	if o.Currency == "" {
		o.Currency = "EUR"
	}
	if t.Name != "" {
		o.TariffAltText, _ = json.Marshal([]map[string]string{{"language": "en", "text": t.Name}})
	}
	if t.MinPriceCents != nil {
		o.MinPrice = &Price{ExclVAT: Decimal{big.NewRat(*t.MinPriceCents, 100)}}
	}
	if t.MaxPriceCents != nil {
		o.MaxPrice = &Price{ExclVAT: Decimal{big.NewRat(*t.MaxPriceCents, 100)}}
	}
	for _, e := range t.Elements {
		var el OCPIElement
		for _, c := range e.Components {
			vat := Decimal{big.NewRat(c.VatBP, 100)}
			el.PriceComponents = append(el.PriceComponents, OCPIComponent{Type: c.Type, Price: Decimal{big.NewRat(c.Price, 10000)}, VAT: &vat, StepSize: c.StepSize})
		}
		el.Restrictions = e.Restrictions.ocpi()
		o.Elements = append(o.Elements, el)
	}
	return o
}

func (r Restrictions) ocpi() *OCPIRestrictions {
	var o OCPIRestrictions
	hhmm := func(m int64) string { return fmt.Sprintf("%02d:%02d", m/60%24, m%60) }
	if r.StartMinute != nil {
		o.StartTime = hhmm(*r.StartMinute)
	}
	if r.EndMinute != nil {
		o.EndTime = hhmm(*r.EndMinute) // 1440 (end of day) is 00:00, as OCPI writes it
	}
	if r.Weekdays != nil {
		for bit, day := range []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"} {
			if *r.Weekdays&(1<<bit) != 0 {
				o.DayOfWeek = append(o.DayOfWeek, day)
			}
		}
	}
	thousandth := func(v *int64) *Decimal {
		if v == nil {
			return nil
		}
		return &Decimal{big.NewRat(*v, 1000)}
	}
	o.MinKWh, o.MaxKWh = thousandth(r.MinWh), thousandth(r.MaxWh)
	o.MinPower, o.MaxPower = thousandth(r.MinPowerW), thousandth(r.MaxPowerW)
	o.MinDuration, o.MaxDuration = r.MinDurationS, r.MaxDurationS
	if o.StartTime == "" && o.EndTime == "" && o.DayOfWeek == nil && o.MinKWh == nil && o.MaxKWh == nil &&
		o.MinPower == nil && o.MaxPower == nil && o.MinDuration == nil && o.MaxDuration == nil {
		return nil // no restriction: OCPI leaves the field out
	}
	return &o
}

// Receipt is the result as receipt lines: the FLAT fees, then one line per dimension and
// price component in the order they first applied (the periods a component priced added
// up), and an ADJUSTMENT line when min_price or max_price changed the total. Each line's net
// is its exact amount rounded to the cent; the receipt's totals are the exact totals rounded
// once, so the lines may differ from the net by a cent (the receipt page shows it).
func (r Result) Receipt() Receipt {
	var lines []Line
	for _, f := range r.Flat {
		lines = append(lines, Line{Dimension: Flat, MeasuredQty: 1, BilledQty: 1, UnitPrice: tenThousandths(f.Price), VatBP: basisPoints(f.VAT), NetCents: cents(f.Price)})
	}
	type key struct {
		dim         string
		el, c       int
		reservation bool
	}
	index := map[key]int{}
	amounts := map[int]*big.Rat{}
	measured, billed := map[int]*big.Rat{}, map[int]*big.Rat{}
	for _, p := range r.Periods {
		for _, pp := range p.Prices {
			k := key{pp.Dimension, pp.Element, pp.Component, p.Kind == Reserved}
			i, ok := index[k]
			if !ok {
				i = len(lines)
				index[k] = i
				lines = append(lines, Line{Dimension: pp.Dimension, UnitPrice: tenThousandths(pp.Price), VatBP: basisPoints(pp.VAT)})
				amounts[i], measured[i], billed[i] = new(big.Rat), new(big.Rat), new(big.Rat)
			}
			amounts[i].Add(amounts[i], pp.Amount)
			measured[i].Add(measured[i], pp.Measured)
			billed[i].Add(billed[i], pp.Billed)
		}
	}
	for i, a := range amounts {
		lines[i].NetCents = cents(a)
		lines[i].MeasuredQty = roundRat(measured[i], 0).Num().Int64()
		lines[i].BilledQty = roundRat(billed[i], 0).Num().Int64()
	}
	if r.AdjustExcl.Sign() != 0 {
		rate := int64(0)
		if r.ExclVAT.Sign() != 0 {
			// The adjustment's VAT rate: what it adds incl. VAT over what it adds excl.
			rate = basisPoints(new(big.Rat).Mul(new(big.Rat).Sub(new(big.Rat).Quo(r.AdjustIncl, r.AdjustExcl), big.NewRat(1, 1)), big.NewRat(100, 1)))
		}
		lines = append(lines, Line{Dimension: Adjustment, MeasuredQty: 1, BilledQty: 1, UnitPrice: tenThousandths(r.AdjustExcl), VatBP: max(0, rate), NetCents: cents(r.AdjustExcl)})
	}
	rec := Totals(lines)
	rec.NetCents, rec.VATCents, rec.GrossCents = r.NetCents, r.VATCents, r.GrossCents
	return rec
}

// tenThousandths is a price in 1/10 000 of the currency unit, as receipts store it.
func tenThousandths(r *big.Rat) int64 {
	return roundRat(new(big.Rat).Mul(r, big.NewRat(10000, 1)), 0).Num().Int64()
}

// basisPoints is a VAT percentage in basis points (19 % → 1900); 0 when unknown.
func basisPoints(vat *big.Rat) int64 {
	if vat == nil {
		return 0
	}
	return roundRat(new(big.Rat).Mul(vat, big.NewRat(100, 1)), 0).Num().Int64()
}

// Snapshot is t as frozen on a session when it starts: the OCPI JSON.
func (t OCPI) Snapshot() string {
	b, _ := json.Marshal(t) // plain fields and exact decimals: cannot fail
	return string(b)
}

// FromSnapshot reads a tariff frozen on a session: OCPI JSON, or the catalogue format that
// sessions frozen before the OCPI engine carry (converted).
func FromSnapshot(s string) (OCPI, error) {
	var probe struct {
		Elements []struct {
			Components json.RawMessage `json:"components"`
		} `json:"elements"`
	}
	if err := json.Unmarshal([]byte(s), &probe); err != nil {
		return OCPI{}, err
	}
	if len(probe.Elements) > 0 && probe.Elements[0].Components != nil {
		var t Tariff
		if err := json.Unmarshal([]byte(s), &t); err != nil {
			return OCPI{}, err
		}
		return t.OCPI(), nil
	}
	var t OCPI
	if err := json.Unmarshal([]byte(s), &t); err != nil {
		return OCPI{}, err
	}
	return t, t.Validate()
}

// Name is what the tariff is called: its first alternative text, else its id.
func (t OCPI) Name() string {
	var texts []struct {
		Text string `json:"text"`
	}
	if json.Unmarshal(t.TariffAltText, &texts) == nil && len(texts) > 0 && texts[0].Text != "" {
		return texts[0].Text
	}
	return "Tariff " + t.ID
}
