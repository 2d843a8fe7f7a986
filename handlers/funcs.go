package handlers

import (
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"database/sql"

	"chargedesk/format"
)

// displayZone is where times are shown; they are stored in UTC.
var displayZone = format.Zone

// funcs are the template helpers: formatting only, never logic.
var funcs = template.FuncMap{
	"money":       money,
	"count":       format.Count,
	"kwh":         kwh,
	"kw":          kw,
	"when":        when,
	"utcStamp":    utcStamp,
	"endedHow":    func(via string) string { return endedWords[via] },
	"decision":    decisionWords,
	"day":         day,
	"clock":       clock,
	"ago":         ago,
	"duration":    duration,
	"nullInt":     func(n sql.NullInt64) int64 { return n.Int64 },
	"sub":         func(a, b int64) int64 { return a - b },
	"dimName":     dimName,
	"toolState":   toolState,
	"statusLabel": statusLabel,
	"whenSeconds": whenSeconds,
	"utc":         utc,
	"rfc3339":     rfc3339,
	"dict":        dict,
	"pngURL":      pngURL,
	// The questions before destructive actions (Question, ask.go), for the ask_form partial.
	"askBlockCard":         blockCardQuestion,
	"askRemovePayment":     removePaymentMethodQuestion,
	"askCancelReservation": func() Question { return cancelReservationQuestion },
	"askStop":              func() Question { return stopChargingQuestion },
	"auditCSV":             func(f auditFilter) string { return auditURL(f, 0) + "&format=csv" },
	"auditNext":            auditURL,
	"add":                  func(a, b int64) int64 { return a + b },
	"int64":                func(n int) int64 { return int64(n) },
	"deref":                func(p *int64) int64 { return *p },
	"qty":                  qty,
	"unit":                 unitPrice,
	"pct":                  func(bp int64) string { return trimFloat(float64(bp)/100) + " %" },
	"endedBy":              endedBy,
	"tagClass":             tagClass,
	"isPast":               func(now time.Time, unix int64) bool { return unix <= now.Unix() },
	"minutesLeft":          func(now time.Time, until int64) int64 { return max(0, (until-now.Unix()+59)/60) },
}

// money formats integer cents as euros: 3096 → "€30.96".
func money(cents int64) string { return format.Money(cents) }

// kwh formats Wh as kWh with up to two decimals: 42265 → "42.27 kWh".
func kwh(wh int64) string {
	return strconv.FormatFloat(float64(wh)/1000, 'f', 2, 64) + " kWh"
}

// kw formats W as kW: 7400 → "7.4 kW".
func kw(w int64) string {
	return trimFloat(float64(w)/1000) + " kW"
}

func when(unix int64) string { return format.When(unix) }

func day(unix int64) string { return time.Unix(unix, 0).In(displayZone).Format("2 Jan 2006") }

func clock(unix int64) string { return format.Clock(unix) }

// utcStamp reads an RFC 3339 time as "7 Dec 2026, 06:34:35 UTC" (a report's times).
func utcStamp(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("2 Jan 2006, 15:04:05 UTC")
}

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

var dimNames = map[string]string{
	"FLAT": "Session fee", "ENERGY": "Energy", "TIME": "Charging time",
	"PARKING_TIME": "Parking time", "ADJUSTMENT": "Minimum/maximum price adjustment",
}

func dimName(d string) string {
	if n, ok := dimNames[d]; ok {
		return n
	}
	return d
}

// qty formats a receipt quantity in its dimension's unit.
func qty(dim string, v int64) string {
	switch dim {
	case "ENERGY":
		return strconv.FormatFloat(float64(v)/1000, 'f', 3, 64) + " kWh"
	case "TIME", "PARKING_TIME":
		return duration(v)
	default:
		return strconv.FormatInt(v, 10)
	}
}

// unitPrice formats a 1/10 000 € unit price with its unit, to the cent unless it has finer
// digits: 5500 ENERGY → "€0.55/kWh", 4118 → "€0.4118/kWh".
func unitPrice(dim string, p int64) string {
	sign := ""
	if p < 0 {
		sign, p = "−", -p
	}
	frac := fmt.Sprintf("%04d", p%10000)
	frac = strings.TrimRight(frac, "0")
	for len(frac) < 2 {
		frac += "0"
	}
	s := fmt.Sprintf("%s€%d.%s", sign, p/10000, frac)
	switch dim {
	case "ENERGY":
		return s + "/kWh"
	case "TIME", "PARKING_TIME":
		return s + "/h"
	default:
		return s
	}
}

func endedBy(v sql.NullString) string {
	switch v.String {
	case "station":
		return "the charging station"
	case "driver":
		return "the driver"
	case "remote_stop":
		return "a remote stop"
	case "admin_force_close":
		return "support (force-stop)"
	}
	return "—"
}

// tagClass picks the colour of a status badge.
func tagClass(status string) string {
	switch status {
	case "ACTIVE", "active", "Available", "accepted", "paid", "Charging":
		return "ok"
	case "open", "draft", "requested", "Preparing", "SuspendedEV", "Finishing", "Reserved", "lost", "replaced":
		return "warn"
	case "INVALID", "blocked", "failed", "void", "cancelled", "Faulted", "Unavailable", "expired":
		return "bad"
	}
	return ""
}

// dict builds a map from name, value pairs, to pass several values to a named template.
func dict(pairs ...any) map[string]any {
	m := make(map[string]any, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		m[fmt.Sprint(pairs[i])] = pairs[i+1]
	}
	return m
}

// auditURL is the audit page for filters f, before the keyset id (0 = first page).
func auditURL(f auditFilter, before int64) string {
	q := url.Values{}
	if f.User > 0 {
		q.Set("user", strconv.FormatInt(f.User, 10))
	}
	if f.Impersonation > 0 {
		q.Set("impersonation", strconv.FormatInt(f.Impersonation, 10))
	}
	for k, v := range map[string]string{"tag": f.Tag, "from": f.From, "to": f.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if before > 0 {
		q.Set("before", strconv.FormatInt(before, 10))
	}
	return "/admin/audit?" + q.Encode()
}

// toolView is how an admin tool's form comes back after a refusal: open, with what was typed
// and the problem beside it (Open false: as the page first shows it).
type toolView struct {
	Open                               bool
	Problem, Amount, Reason, Reference string
}

// toolState is the state of the tool posting to path, from the form the page was rendered with.
func toolState(form map[string]string, path string) toolView {
	if form["tool"] != path || path == "" {
		return toolView{}
	}
	return toolView{Open: true, Problem: form["problem"], Amount: form["amount"], Reason: form["reason"], Reference: form["reference"]}
}

// statusLabel is a stored status as people read it: one casing everywhere ("Completed",
// "Accepted", "Lost"), and a session in progress is "Charging".
func statusLabel(status string) string {
	if status == "ACTIVE" {
		return "Charging"
	}
	if status == "" {
		return ""
	}
	s := strings.ToLower(strings.ReplaceAll(status, "_", " "))
	return strings.ToUpper(s[:1]) + s[1:]
}

// pngURL lets a PNG made here (a TOTP enrolment's QR code, as a data: URL) be an image's src;
// html/template refuses data: URLs otherwise. Anything else becomes "".
func pngURL(s string) template.URL {
	if !strings.HasPrefix(s, "data:image/png;base64,") || strings.ContainsAny(s[len("data:image/png;base64,"):], "\"'<> ") {
		return ""
	}
	return template.URL(s) // base64 only: no quote, no markup
}
