package handlers

import (
	"fmt"
	"strings"
	"time"

	"chargedesk/charging"
	"chargedesk/queries"
)

// sessionRow is one line of a session list, formatted once in Go: the template only prints
// its fields (each action through html/template's escaper), with no helper calls per row.
type sessionRow struct {
	Href, When, Where, Standard string
	Status, StatusClass, Energy string
	Label                       string // the status in words
	ReceiptHref, Total          string // empty without a receipt
	// Line is the session in one line, for the short list on home: when · where · energy · total.
	Line string
	// Flagged: the status is worth a badge in the short list (not a plain completed session).
	Flagged bool
}

// sessionRows formats rows for the session_rows partial; as is the impersonation marker.
func sessionRows(as int64, rows []queries.ListSessionsRow) []sessionRow {
	out := make([]sessionRow, len(rows))
	for i, s := range rows {
		out[i] = sessionRow{
			Href: idURL(as, "/sessions/", s.ID), When: when(s.StartedAt),
			Where: s.LocationName, Standard: s.Standard, Status: s.Status, StatusClass: "tag " + tagClass(s.Status), Label: statusLabel(s.Status),
			Energy: kwh(s.LastEnergyWh - s.MeterStartWh),
		}
		if s.ReceiptID != 0 {
			out[i].ReceiptHref, out[i].Total = idURL(as, "/receipts/", s.ReceiptID), money(s.GrossCents)
		}
		r := &out[i]
		r.Line = r.When + " · " + r.Where + " · " + r.Energy
		if r.Total != "" {
			r.Line += " · " + r.Total
		}
		r.Flagged = s.Status != "COMPLETED"
	}
	return out
}

// activeSession is a session charging now, as the home page shows it (live, refreshed).
type activeSession struct {
	ID                                 int64
	Href                               string
	Where, Charger, Connector, Started string
	Energy, Power, Battery             string // Battery is empty when the car does not report it
	// Stuck says why it looks stuck (charging.StuckReasons); LastReading is when the charger
	// last reported it. A stuck session is not "charging now" to the customer.
	Stuck       string
	LastReading string
}

func activeSessions(as int64, rows []queries.ListActiveSessionsRow, now time.Time) []activeSession {
	out := make([]activeSession, len(rows))
	for i, s := range rows {
		out[i] = activeSession{ID: s.ID, Href: idURL(as, "/sessions/", s.ID),
			Where: s.LocationName, Charger: s.ChargerName, Connector: s.Standard + " " + kw(s.MaxPowerW), Started: when(s.StartedAt),
			Energy: kwh(max(0, s.EnergyWh.Int64-s.MeterStartWh)), Power: kw(s.PowerW.Int64)} // no reading yet: 0
		if s.SocPct.Valid {
			out[i].Battery = fmt.Sprintf("%d %%", s.SocPct.Int64)
		}
		if why := charging.StuckReasons(now, s.StartedAt, s.LastSeenAt, s.HeartbeatIntervalS, s.ConnectorStatus, s.ReadingAt.Int64); len(why) > 0 {
			out[i].Stuck, out[i].LastReading = strings.Join(why, "; "), "no reading yet"
			if s.ReadingAt.Valid {
				out[i].LastReading = "last reading " + when(s.ReadingAt.Int64)
			}
		}
	}
	return out
}
