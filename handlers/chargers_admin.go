package handlers

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"chargedesk/access"
	"chargedesk/audit"
	"chargedesk/central"
	"chargedesk/queries"
)

// ocppConnect is the OCPP 1.6J endpoint: a charge point connects here with its id in the
// path and its password in Basic auth (central.Central decides what its messages mean).
func (a *App) ocppConnect(c *gin.Context) {
	a.central.Server.Serve(c.Writer, c.Request, c.Param("id"))
}

// consoleChargerRow is a charger on the console's list. The row is a named field, not
// embedded: html/template looks a promoted field up by a search that allocates, per action.
type consoleChargerRow struct {
	Row    queries.ListChargersForConsoleRow
	Online bool
}

// adminChargers lists the charge points with their connection state, 100 a page, and (for
// admins) the form that registers one.
func (a *App) adminChargers(c *gin.Context) { a.showChargers(c, http.StatusOK, "", nil) }

func (a *App) showChargers(c *gin.Context, status int, problem string, form map[string]string) {
	ctx := c.Request.Context()
	after, _ := strconv.ParseInt(c.Query("after"), 10, 64)
	rows, err := a.r.ListChargersForConsole(ctx, queries.ListChargersForConsoleParams{After: max(after, 0), PageSize: 101})
	var locations []queries.ListLocationsForConsoleRow
	var tariffs []queries.ListTariffsRow
	if err == nil {
		locations, err = a.r.ListLocationsForConsole(ctx)
	}
	if err == nil {
		tariffs, err = a.r.ListTariffs(ctx)
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	var next int64
	if len(rows) > 100 {
		rows, next = rows[:100], rows[99].ID
	}
	list := make([]consoleChargerRow, len(rows))
	for i, r := range rows {
		list[i] = consoleChargerRow{r, a.central.Online(r.OcppID)}
	}
	if form == nil {
		form = map[string]string{"connectors": "2", "standard": "Type2", "max_power_kw": "22", "heartbeat_s": "300"}
	}
	a.render(c, status, "admin_chargers", &Page{Title: "Chargers", Nav: "chargers", Problem: problem, Form: form,
		Data: struct {
			Chargers  []consoleChargerRow
			Next      int64
			Online    int
			Locations []queries.ListLocationsForConsoleRow
			Tariffs   []queries.ListTariffsRow
		}{list, next, a.central.Server.Count(), locations, tariffs}})
}

// registerCharger registers a charge point from the console form and shows its page with
// its OCPP password, once.
func (a *App) registerCharger(c *gin.Context) {
	fields := []string{"ocpp_id", "name", "vendor", "model", "location_id", "owner_email", "connectors", "standard", "max_power_kw", "tariff_id", "heartbeat_s", "reason"}
	form := formValues(c, fields...)
	num := func(k string) int64 { n, _ := strconv.ParseInt(strings.TrimSpace(form[k]), 10, 64); return n }
	kw, _ := strconv.ParseFloat(strings.TrimSpace(form["max_power_kw"]), 64)
	id, pw, err := a.central.Register(c.Request.Context(), a.trail, a.adminRequest(c, 0), central.Registration{
		OCPPID: strings.TrimSpace(form["ocpp_id"]), Name: form["name"], Vendor: form["vendor"], Model: form["model"],
		Location: num("location_id"), OwnerEmail: strings.TrimSpace(form["owner_email"]), Connectors: int(num("connectors")),
		Standard: form["standard"], MaxPowerW: int64(kw * 1000), Tariff: num("tariff_id"), HeartbeatS: num("heartbeat_s"),
	})
	if a.refused(c, err, func(status int, msg string) { a.showChargers(c, status, msg, form) }) {
		return
	}
	a.showConsoleChargerID(c, id, http.StatusCreated, adminChargerData{Password: pw, Notice: "The charger is registered. Set its OCPP address and password on the charger now."})
}

type adminChargerData struct {
	Charger    queries.GetChargerForConsoleRow
	Online     bool
	Connectors []queries.ListConnectorsForConsoleRow
	Sessions   []queries.ListConnectorSessionsForConsoleRow
	Log        []logLine
	Problems   bool // the log shows problems only (?problems=1)
	Calls      map[string]string
	Password   string // a new password, shown once
	Endpoint   string // the charger's OCPP address on this server
	Error      string
	Notice     string
	Form       map[string]string
}

// adminCharger shows one charge point: connected or not, its connectors' OCPP status, its
// last sessions and its protocol log; admins can give it a new password and send it calls.
func (a *App) adminCharger(c *gin.Context) {
	notice := ""
	if c.Query("done") == "sent" {
		notice = "The call was sent; its answer is in the protocol log below."
		// Only what the protocol log holds, by its id: never text from the address.
		if n, ok := parseID(c.Query("log")); ok {
			if id, ok := pathID(c); ok {
				if e, err := a.r.GetOCPPLogEntry(c.Request.Context(), queries.GetOCPPLogEntryParams{ID: n, ChargerID: id}); err == nil {
					words, _ := protocolLine(e.Direction, e.Action, e.Message)
					notice = audit.Truncate(words, 300)
				}
			}
		}
	}
	a.showConsoleCharger(c, http.StatusOK, adminChargerData{Notice: notice})
}

func (a *App) showConsoleCharger(c *gin.Context, status int, d adminChargerData) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This charger"))
		return
	}
	a.showConsoleChargerID(c, id, status, d)
}

func (a *App) showConsoleChargerID(c *gin.Context, id int64, status int, d adminChargerData) {
	ctx := c.Request.Context()
	var err error
	d.Charger, err = a.r.GetChargerForConsole(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		a.fail(c, errNotFound("This charger"))
		return
	}
	if err == nil {
		d.Connectors, err = a.r.ListConnectorsForConsole(ctx, id)
	}
	if err == nil {
		d.Sessions, err = a.chargerSessions(ctx, d.Connectors, 20)
	}
	if err == nil {
		d.Problems = c.Query("problems") == "1"
		d.Log, err = a.protocolLog(ctx, id, d.Problems)
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	d.Online = a.central.Online(d.Charger.OcppID)
	scheme := "ws://"
	if c.Request.TLS != nil {
		scheme = "wss://" // security profile 2: Basic auth over TLS
	}
	d.Endpoint = scheme + c.Request.Host + "/ocpp/1.6/" + d.Charger.OcppID
	d.Calls = central.AdminCalls
	if d.Password != "" {
		c.Header("Cache-Control", "no-store")
	}
	a.render(c, status, "admin_charger", &Page{Title: d.Charger.Name + " (" + d.Charger.OcppID + ")", Nav: "chargers", Data: d, Form: d.Form})
}

// logShown is how many protocol log lines the charger page shows.
const logShown = 50

// protocolLog is a charger's newest messages in words, or only its problems among the rows
// kept (central keeps 200 per charger).
func (a *App) protocolLog(ctx context.Context, charger int64, problems bool) ([]logLine, error) {
	n := int64(logShown)
	if problems {
		n = 200
	}
	rows, err := a.r.ListOCPPLog(ctx, queries.ListOCPPLogParams{ChargerID: charger, PageSize: n})
	if err != nil {
		return nil, err
	}
	out := make([]logLine, 0, min(len(rows), logShown))
	for _, r := range rows {
		words, problem := protocolLine(r.Direction, r.Action, r.Message)
		if problems && !problem {
			continue
		}
		out = append(out, logLine{At: whenSeconds(r.At), ISO: rfc3339(r.At), Direction: r.Direction, Action: r.Action, Words: words, Message: r.Message, Problem: problem})
		if len(out) == logShown {
			break
		}
	}
	return out, nil
}

// chargerSessions is a charger's newest n sessions: each connector's newest n (read in index
// order), merged. A charger has a few connectors; each may have thousands of sessions.
func (a *App) chargerSessions(ctx context.Context, connectors []queries.ListConnectorsForConsoleRow, n int64) ([]queries.ListConnectorSessionsForConsoleRow, error) {
	var all []queries.ListConnectorSessionsForConsoleRow
	for _, cn := range connectors {
		rows, err := a.r.ListConnectorSessionsForConsole(ctx, queries.ListConnectorSessionsForConsoleParams{ConnectorID: cn.ID, PageSize: n})
		if err != nil {
			return nil, err
		}
		all = append(all, rows...)
	}
	slices.SortFunc(all, func(x, y queries.ListConnectorSessionsForConsoleRow) int {
		return cmp.Or(cmp.Compare(y.StartedAt, x.StartedAt), cmp.Compare(y.ID, x.ID))
	})
	return all[:min(int64(len(all)), n)], nil
}

func (a *App) adminRequest(c *gin.Context, charger int64) central.AdminRequest {
	return central.AdminRequest{Actor: access.Actor{UserID: currentUser(c).ID}, Charger: charger, Reason: c.PostForm("reason"), Now: a.now(), IP: c.ClientIP(), UA: c.Request.UserAgent()}
}

// chargerPassword gives a charge point a new OCPP password and shows it once.
func (a *App) chargerPassword(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This charger"))
		return
	}
	pw, err := a.central.ChangePassword(c.Request.Context(), a.trail, a.adminRequest(c, id))
	if a.refused(c, err, a.reshowCharger(c)) {
		return
	}
	a.showConsoleCharger(c, http.StatusOK, adminChargerData{Password: pw})
}

// chargerCall sends an admin's call (unlock, reset) to a charge point, with a reason.
func (a *App) chargerCall(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This charger"))
		return
	}
	connector, _ := strconv.Atoi(c.PostForm("connector"))
	if c.PostForm("confirm") != "yes" { // first the confirmation, naming what the call does
		ch, err := a.r.GetChargerForConsole(c.Request.Context(), id)
		if !a.found(c, err, "This charger") {
			return
		}
		call := c.PostForm("call")
		effect, err := a.central.PlanAdminCall(a.adminRequest(c, id), ch.OcppID, call, connector)
		if a.refused(c, err, a.reshowCharger(c)) {
			return
		}
		lines := []string{effect}
		if call == "UnlockConnector" {
			lines = append(lines, fmt.Sprintf("Connector %d.", connector))
		}
		lines = append(lines, "Reason: "+c.PostForm("reason"))
		a.render(c, http.StatusOK, "admin_confirm", &Page{Title: "Send " + central.AdminCalls[call] + "?", Nav: "chargers", Data: confirmData{
			Heading: central.AdminCalls[call] + " — " + ch.Name + " (" + ch.OcppID + ")?", Lines: lines, Action: c.Request.URL.Path,
			Fields: map[string]string{"call": call, "connector": c.PostForm("connector"), "reason": c.PostForm("reason"), "confirm": "yes"},
			Back:   "/admin/chargers/" + itoa(id) + "#calls", Warning: "This is sent to the charger itself, as you confirm. It is recorded in the audit log with your name first."}})
		return
	}
	answer, err := a.central.AdminCall(c.Request.Context(), a.trail, a.adminRequest(c, id), c.PostForm("call"), connector)
	if a.refused(c, err, a.reshowCharger(c)) {
		return
	}
	_ = answer // what it said is in the protocol log, which the page shows by the entry's id
	entry, err := a.r.LatestCallAnswer(c.Request.Context(), id)
	if err != nil {
		a.redirect(c, "/admin/chargers/"+itoa(id)+"?done=sent#calls")
		return
	}
	a.redirect(c, "/admin/chargers/"+itoa(id)+"?done=sent&log="+itoa(entry)+"#calls")
}

// reshowCharger shows a refused charger action (a wrong form field, an offline charger) on
// the charger's page, with what was typed.
func (a *App) reshowCharger(c *gin.Context) func(status int, msg string) {
	return func(status int, msg string) {
		a.showConsoleCharger(c, status, adminChargerData{Error: msg, Form: formValues(c, "reason", "call", "connector")})
	}
}
