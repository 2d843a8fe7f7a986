package handlers

import (
	"math/big"
	"strings"

	"chargedesk/tariff"
)

// periodRow is one run of a priced session in which the same prices applied, as the receipt's
// "which price applied when" table shows it.
type periodRow struct {
	When   string // 16:55–17:00
	Kind   string // Charging, Parking, Reserved
	Volume string // 0.92 kWh · 5 min
	Prices []string
	Amount string
}

var periodKinds = map[string]string{tariff.Charging: "Charging", tariff.Parking: "Parking", tariff.Reserved: "Reserved"}

// periodRows formats the merged periods of r.
func periodRows(r tariff.Result) []periodRow {
	elements := r.Tariff.Describe()
	var rows []periodRow
	for _, p := range r.Merged() {
		row := periodRow{When: clock(p.Start.Unix()) + "–" + clock(p.End.Unix()), Kind: periodKinds[p.Kind]}
		secs := ratInt(p.Seconds)
		row.Volume = duration(secs)
		if p.Kind == tariff.Charging {
			row.Volume = kwh(ratInt(p.EnergyWh)) + " · " + row.Volume
		}
		amount := new(big.Rat)
		for _, pp := range p.Prices {
			ct := elements[pp.Element].Prices[pp.Component]
			text := dimName(pp.Dimension) + " " + ct.Price
			if when := elements[pp.Element].When; when != "always" {
				text += " (" + when + ")"
			}
			if pp.Billed.Cmp(pp.Measured) != 0 {
				text += ", rounded up to " + billedQty(pp)
			}
			row.Prices = append(row.Prices, text)
			amount.Add(amount, pp.Amount)
		}
		if len(row.Prices) == 0 {
			row.Prices = []string{"no price in the tariff: free"}
		}
		row.Amount = tariff.Money(amount, r.Tariff.Currency)
		rows = append(rows, row)
	}
	return rows
}

func billedQty(pp tariff.PeriodPrice) string {
	if pp.Dimension == tariff.Energy {
		return qty(tariff.Energy, ratInt(pp.Billed))
	}
	return duration(ratInt(pp.Billed))
}

// ratInt is r rounded to a whole number (Wh, seconds).
func ratInt(r *big.Rat) int64 {
	f, _ := r.Float64()
	if f < 0 {
		return int64(f - 0.5)
	}
	return int64(f + 0.5)
}

// chartBands are the merged periods as bands behind the session chart, each with the prices
// of its stretch as its title.
func chartBands(r tariff.Result) []chartBand {
	rows := periodRows(r)
	var out []chartBand
	for i, p := range r.Merged() {
		out = append(out, chartBand{From: p.Start.Unix(), To: p.End.Unix(), Kind: strings.ToLower(rows[i].Kind),
			Title: rows[i].When + " " + rows[i].Kind + ": " + strings.Join(rows[i].Prices, "; ")})
	}
	return out
}
