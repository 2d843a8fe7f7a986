package handlers

import (
	"testing"
	"time"

	"chargedesk/queries"
)

// The chart's time axis carries dates when a session spans days and never repeats a label;
// its table lists the readings, newest first, at most chartTableRows of them.
func TestChartAxisAndTable(t *testing.T) {
	t.Parallel()
	readings := func(start time.Time, step time.Duration, n int) []queries.ListReadingsRow {
		var rs []queries.ListReadingsRow
		for i := range n {
			rs = append(rs, queries.ListReadingsRow{At: start.Add(time.Duration(i) * step).Unix(), EnergyWh: int64(1000 + 100*i), PowerW: 7400})
		}
		return rs
	}
	night := time.Date(2026, 11, 24, 22, 0, 0, 0, displayZone)
	ch := buildChart(readings(night, 30*time.Minute, 9), 1000, nil, nil) // 22:00 to 02:00
	if first, last := ch.TimeTicks[0].Label, ch.TimeTicks[len(ch.TimeTicks)-1].Label; first != "24 Nov 22:00" || last != "25 Nov 02:00" {
		t.Errorf("across midnight the axis says %q … %q", first, last)
	}
	short := buildChart(readings(night, 20*time.Second, 4), 1000, nil, nil) // one minute
	seen := map[string]bool{}
	for _, tk := range short.TimeTicks {
		if seen[tk.Label] {
			t.Errorf("the label %q repeats: %v", tk.Label, short.TimeTicks)
		}
		seen[tk.Label] = true
	}
	long := buildChart(readings(night, time.Minute, chartTableRows+50), 1000, nil, nil)
	if len(long.Rows) != chartTableRows || long.MoreRows != 50 || long.Rows[0].When != time.Unix(night.Add(time.Duration(chartTableRows+49)*time.Minute).Unix(), 0).In(displayZone).Format("2 Jan 15:04:05") {
		t.Errorf("table: %d rows, %d more, first %q", len(long.Rows), long.MoreRows, long.Rows[0].When)
	}
}
