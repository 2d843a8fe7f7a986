package handlers

import (
	"fmt"
	"strings"
	"time"

	"chargedesk/queries"
)

// Chart is a server-rendered SVG of a session's energy (line, left axis) and power (area,
// right axis) over time. Coordinates are precomputed here; the template only places them.
type Chart struct {
	W, H                   int
	Left, Right, Top, Base int
	// Where the labels go, computed once rather than by template calls per tick: left of the
	// energy axis, right of the power axis, under the time axis, above the plot; and the
	// bands' height.
	EnergyLabelX, PowerLabelX, TimeLabelY, UnitY, PlotH int
	EnergyPoints                                        string // polyline points
	PowerArea                                           string // polygon points
	EnergyTicks                                         []Tick
	PowerTicks                                          []Tick
	TimeTicks                                           []Tick
	MaxKWh, MaxKW                                       float64
	Bands                                               []Band     // the stretches in which one set of prices applied
	Rows                                                []ChartRow // the readings as a table (the chart's text alternative)
	MoreRows                                            int        // readings left out of the table
}

// ChartRow is one reading in the chart's table.
type ChartRow struct{ When, Energy, Power string }

// chartTableRows is how many readings the chart's table lists.
const chartTableRows = 200

// Band is a shaded stretch of the chart: X and W in chart units, Title its prices.
type Band struct {
	X, W         int
	Class, Title string
}

// chartBand is a stretch of the session (unix seconds) to shade, from the priced periods.
type chartBand struct {
	From, To    int64
	Kind, Title string
}

// Tick is an axis label at a position.
type Tick struct {
	Pos   int
	Label string
	Minor bool // every other tick: a phone shows the others only, its text being larger
}

// buildChart returns nil when there are fewer than two readings to draw. The time axis runs
// from the first reading to the last, or over span (start and stop) when it is given; bands
// are shaded behind the lines.
func buildChart(rs []queries.ListReadingsRow, meterStart int64, span []int64, bands []chartBand) *Chart {
	if len(rs) < 2 {
		return nil
	}
	ch := &Chart{W: 720, H: 260, Left: 56, Right: 664, Top: 16, Base: 220}
	ch.EnergyLabelX, ch.PowerLabelX, ch.TimeLabelY, ch.UnitY, ch.PlotH = ch.Left-8, ch.Right+8, ch.Base+18, ch.Top-4, ch.Base-ch.Top
	t0, t1 := rs[0].At, rs[len(rs)-1].At
	if len(span) == 2 {
		t0, t1 = min(t0, span[0]), max(t1, span[1])
	}
	if t1 == t0 {
		t1 = t0 + 1
	}
	var maxWh, maxW int64 = 1, 1
	for _, r := range rs {
		maxWh = max(maxWh, r.EnergyWh-meterStart)
		maxW = max(maxW, r.PowerW)
	}
	ch.MaxKWh = niceCeil(float64(maxWh) / 1000)
	ch.MaxKW = niceCeil(float64(maxW) / 1000)
	x := func(at int64) float64 {
		return float64(ch.Left) + float64(at-t0)/float64(t1-t0)*float64(ch.Right-ch.Left)
	}
	y := func(v, top float64) float64 {
		return float64(ch.Base) - v/top*float64(ch.Base-ch.Top)
	}
	var energy, power strings.Builder
	fmt.Fprintf(&power, "%.1f,%d ", x(t0), ch.Base)
	for _, r := range rs {
		fmt.Fprintf(&energy, "%.1f,%.1f ", x(r.At), y(float64(r.EnergyWh-meterStart)/1000, ch.MaxKWh))
		fmt.Fprintf(&power, "%.1f,%.1f ", x(r.At), y(float64(r.PowerW)/1000, ch.MaxKW))
	}
	fmt.Fprintf(&power, "%.1f,%d", x(t1), ch.Base)
	ch.EnergyPoints, ch.PowerArea = strings.TrimSpace(energy.String()), power.String()
	for i, b := range bands {
		x0, x1 := int(x(max(b.From, t0))), int(x(min(b.To, t1)))
		class := "band " + b.Kind
		if i%2 == 1 {
			class += " alt"
		}
		ch.Bands = append(ch.Bands, Band{X: x0, W: max(1, x1-x0), Class: class, Title: b.Title})
	}
	for i := 0; i <= 4; i++ {
		pos := int(y(ch.MaxKWh*float64(i)/4, ch.MaxKWh))
		ch.EnergyTicks = append(ch.EnergyTicks, Tick{pos, trimFloat(ch.MaxKWh * float64(i) / 4), i%2 == 1})
		ch.PowerTicks = append(ch.PowerTicks, Tick{pos, trimFloat(ch.MaxKW * float64(i) / 4), i%2 == 1})
	}
	// Time labels: with the date when the session spans days; a label equal to the one before
	// (a session of a few minutes) is left out.
	layout := "15:04"
	if a, b := time.Unix(t0, 0).In(displayZone), time.Unix(t1, 0).In(displayZone); a.YearDay() != b.YearDay() || a.Year() != b.Year() {
		layout = "2 Jan 15:04"
	}
	for i := 0; i <= 4; i++ {
		at := t0 + (t1-t0)*int64(i)/4
		label := time.Unix(at, 0).In(displayZone).Format(layout)
		if n := len(ch.TimeTicks); n > 0 && ch.TimeTicks[n-1].Label == label {
			continue
		}
		ch.TimeTicks = append(ch.TimeTicks, Tick{int(x(at)), label, i%2 == 1})
	}
	// The same readings as a table, for those who do not see the chart (the newest first, at
	// most chartTableRows of them).
	for i := len(rs) - 1; i >= 0 && len(ch.Rows) < chartTableRows; i-- {
		r := rs[i]
		ch.Rows = append(ch.Rows, ChartRow{When: time.Unix(r.At, 0).In(displayZone).Format("2 Jan 15:04:05"), Energy: kwh(r.EnergyWh - meterStart), Power: kw(r.PowerW)})
	}
	ch.MoreRows = len(rs) - len(ch.Rows)
	return ch
}

// niceCeil rounds v up to 1, 2, 2.5 or 5 times a power of ten, for readable axes.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := 1.0
	for p*10 <= v {
		p *= 10
	}
	for p > v {
		p /= 10
	}
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	return strings.TrimSuffix(s, ".0")
}
