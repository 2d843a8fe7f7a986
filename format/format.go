// Package format writes money and times the way ChargeDesk shows them to people, for pages
// and for the sentences domain packages return.
package format

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Zone is where the network operates, and where times are shown: time-of-day tariff
// restrictions mean local time here (tariff.Zone is this). Times are stored in UTC. This
// package imports nothing of ChargeDesk's, so every rule may use it.
var Zone = mustZone("Europe/Berlin")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Money is cents as euros: €2.50, −€1.00.
func Money(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "−", -cents
	}
	return fmt.Sprintf("%s€%d.%02d", sign, cents/100, cents%100)
}

// When is a moment as a date and a time: 2 Jan 2006, 15:04.
func When(unix int64) string {
	if unix == 0 {
		return "—"
	}
	return time.Unix(unix, 0).In(Zone).Format("2 Jan 2006, 15:04")
}

// Clock is a moment's time of day: 15:04.
func Clock(unix int64) string { return time.Unix(unix, 0).In(Zone).Format("15:04") }

// Count is a whole number with its thousands apart: 1234567 → "1 234 567".
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteString("−")
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Span is a whole number of hours or minutes as people write it: "2 h", "30 min", "90 min".
func Span(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return strconv.FormatInt(int64(d/time.Hour), 10) + " h"
	}
	return strconv.FormatInt(int64(d/time.Minute), 10) + " min"
}
