package handlers

import (
	"fmt"
	"math"
	"net/http"

	"github.com/gin-gonic/gin"

	"chargedesk/charging"
	"chargedesk/queries"
	"chargedesk/tariff"
)

const sessionsPageSize = 20

// sessionFilter is the /sessions query string, validated.
type sessionFilter struct {
	Status   string // "", ACTIVE, COMPLETED or INVALID
	From, To string // YYYY-MM-DD as typed, local dates; "" means open
	fromAt   int64
	toAt     int64
	cursorAt int64
	cursorID int64
}

// parseSessionFilter validates the filters; its error is a sentence for the person.
func parseSessionFilter(c *gin.Context) (sessionFilter, error) {
	f := sessionFilter{Status: c.Query("status"), From: c.Query("from"), To: c.Query("to"),
		fromAt: 0, toAt: math.MaxInt64}
	switch f.Status {
	case "", "ACTIVE", "COMPLETED", "INVALID":
	default:
		return f, errBadRequest("Status must be Active, Completed or Invalid.")
	}
	var err error
	if f.fromAt, f.toAt, err = dateRange(f.From, f.To); err != nil {
		return f, err
	}
	k, _, ok := keysetParam(c, "after", 2)
	if !ok {
		return f, errBrokenPageLink()
	}
	f.cursorAt, f.cursorID = k[0], k[1]
	return f, nil
}

// sessionKeyset is the page-link keyset after session s (AT-ID).
func sessionKeyset(s queries.ListSessionsRow) string { return fmt.Sprintf("%d-%d", s.StartedAt, s.ID) }

type sessionsData struct {
	Filter   sessionFilter
	Sessions []sessionRow
	Next     string // the "after" cursor of the next page, "" on the last
	Paged    bool   // this is not the first page
}

// sessions lists the customer's charging sessions with filters and keyset paging.
func (a *App) sessions(c *gin.Context) {
	f, ferr := parseSessionFilter(c)
	d := sessionsData{Filter: f, Paged: c.Query("after") != ""}
	if ferr != nil {
		a.render(c, http.StatusBadRequest, "sessions", &Page{Title: "Charging sessions", Nav: "sessions", Data: d, Problem: ferr.Error()})
		return
	}
	top, below := keysetTop(f.toAt, f.cursorAt, f.cursorID)
	rows, err := a.r.ListSessions(c.Request.Context(), queries.ListSessionsParams{
		ActingAs: actingAs(c), Status: f.Status, FromAt: f.fromAt, TopAt: top, BelowID: below, PageSize: sessionsPageSize + 1,
	})
	if err != nil {
		a.fail(c, err)
		return
	}
	rows, d.Next = cutPage(rows, sessionsPageSize, sessionKeyset)
	d.Sessions = sessionRows(marker(c), rows)
	a.render(c, http.StatusOK, "sessions", &Page{Title: "Charging sessions", Nav: "sessions", Data: d, Notice: notice(c)})
}

type sessionData struct {
	S        queries.GetSessionDetailRow
	Tariff   tariff.OCPI
	Elements []tariff.ElementText // the tariff in words
	Readings []queries.ListReadingsRow
	Chart    *Chart
	EnergyWh int64
	PowerW   int64
	SocPct   int64
	HasSoc   bool
	Stuck    []string
	Periods  []periodRow // which price applied when (completed sessions)
}

// session shows one session: where, when, how much, the chart of energy and power, the
// tariff it was priced with, who ended it, and its receipt.
func (a *App) session(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This charging session"))
		return
	}
	ctx, cust := c.Request.Context(), actingAs(c)
	s, err := a.r.GetSessionDetail(ctx, queries.GetSessionDetailParams{ID: id, ActingAs: cust})
	if !a.found(c, err, "This charging session") {
		return
	}
	d := sessionData{S: s}
	if d.Tariff, err = tariff.FromSnapshot(s.TariffSnapshot); err != nil {
		a.fail(c, err)
		return
	}
	d.Elements = d.Tariff.Describe()
	if d.Readings, err = a.r.ListReadings(ctx, queries.ListReadingsParams{SessionID: id, ActingAs: cust}); err != nil {
		a.fail(c, err)
		return
	}
	d.EnergyWh = 0
	if s.MeterStopWh.Valid {
		d.EnergyWh = s.MeterStopWh.Int64 - s.MeterStartWh
	}
	if n := len(d.Readings); n > 0 {
		last := d.Readings[n-1]
		if !s.MeterStopWh.Valid {
			d.EnergyWh = last.EnergyWh - s.MeterStartWh
		}
		d.PowerW, d.SocPct, d.HasSoc = last.PowerW, last.SocPct.Int64, last.SocPct.Valid
	}
	if s.Status == "COMPLETED" && s.StoppedAt.Valid && s.MeterStopWh.Valid {
		// Which price applied when: the session priced again from what it recorded.
		_, priced, err := charging.Reprice(s.TariffSnapshot, charging.Completed{StartedAt: s.StartedAt, StoppedAt: s.StoppedAt.Int64,
			ChargingEndedAt: s.ChargingEndedAt.Int64, MeterStartWh: s.MeterStartWh, MeterStopWh: s.MeterStopWh.Int64, Readings: d.Readings, TimeZone: s.TimeZone})
		if err == nil {
			d.Periods = periodRows(priced)
			d.Chart = buildChart(d.Readings, s.MeterStartWh, []int64{s.StartedAt, s.StoppedAt.Int64}, chartBands(priced))
		}
	}
	if d.Chart == nil {
		d.Chart = buildChart(d.Readings, s.MeterStartWh, nil, nil)
	}
	if s.Status == "ACTIVE" {
		d.Stuck = charging.StuckReasons(a.now(), s.StartedAt, s.LastSeenAt, s.HeartbeatIntervalS, s.ConnectorStatus, lastReadingAt(d.Readings))
	}
	a.render(c, http.StatusOK, "session", &Page{Title: "Session at " + s.LocationName, Nav: "sessions", Data: d, Notice: notice(c)})
}

func lastReadingAt(rs []queries.ListReadingsRow) int64 {
	if len(rs) == 0 {
		return 0
	}
	return rs[len(rs)-1].At
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
