package handlers

import (
	"fmt"
	"html/template"
	"strconv"
	"time"

	"database/sql"

	"chargedesk/tariff"
)

// displayZone is where times are shown; they are stored in UTC.
var displayZone = tariff.Zone

// funcs are the template helpers: formatting only, never logic.
var funcs = template.FuncMap{
	"money":    money,
	"kwh":      kwh,
	"kw":       kw,
	"when":     when,
	"day":      day,
	"clock":    clock,
	"ago":      ago,
	"duration": duration,
	"nullInt":  func(n sql.NullInt64) int64 { return n.Int64 },
	"sub":      func(a, b int64) int64 { return a - b },
}

// money formats integer cents as euros: 3096 → "€30.96".
func money(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "−", -cents
	}
	return fmt.Sprintf("%s€%d.%02d", sign, cents/100, cents%100)
}

// kwh formats Wh as kWh with up to two decimals: 42265 → "42.27 kWh".
func kwh(wh int64) string {
	return strconv.FormatFloat(float64(wh)/1000, 'f', 2, 64) + " kWh"
}

// kw formats W as kW: 7400 → "7.4 kW".
func kw(w int64) string {
	return strconv.FormatFloat(float64(w)/1000, 'f', -1, 64) + " kW"
}

func when(unix int64) string {
	if unix == 0 {
		return "—"
	}
	return time.Unix(unix, 0).In(displayZone).Format("2 Jan 2006, 15:04")
}

func day(unix int64) string { return time.Unix(unix, 0).In(displayZone).Format("2 Jan 2006") }

func clock(unix int64) string { return time.Unix(unix, 0).In(displayZone).Format("15:04") }

// ago says how long before now a moment was, coarsely: "5 min ago", "19 h ago", "2 days ago".
func ago(now time.Time, unix int64) string {
	d := now.Sub(time.Unix(unix, 0))
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	default:
		return fmt.Sprintf("%d days ago", int(d.Hours()/24))
	}
}

// duration formats seconds as "5 h 10 min" or "37 min 30 s".
func duration(sec int64) string {
	d := time.Duration(sec) * time.Second
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%d h %02d min", h, m)
	case m > 0 && s > 0:
		return fmt.Sprintf("%d min %d s", m, s)
	case m > 0:
		return fmt.Sprintf("%d min", m)
	default:
		return fmt.Sprintf("%d s", s)
	}
}
