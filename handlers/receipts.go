package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chargedesk/charging"
	"chargedesk/queries"
	"chargedesk/tariff"
)

type receiptData struct {
	R         queries.GetReceiptRow
	Lines     []queries.ReceiptLine
	VAT       []tariff.VATLine
	Refunds   []queries.ListRefundsRow
	Remaining int64
	Tariff    string
	// The totals are summed from unrounded amounts and rounded once: the rounded lines (and
	// the VAT per rate) may differ from them by a cent or two, shown as rounding.
	NetRounding, VATRounding int64
	Periods                  []periodRow // which price applied when; nil when it cannot be shown
	Repriced                 bool        // the periods add up to this receipt's total
	Derived                  string      // what the engine worked out that the charger did not report
}

// receipt shows a receipt: a line per tariff dimension and price (measured and billed
// quantity, unit price, net), VAT per rate, gross, which price applied when, status, refunds
// and credit notes. With Accept: application/json it answers the receipt as an OCPI 2.2.1 CDR.
func (a *App) receipt(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This receipt"))
		return
	}
	a.showReceipt(c, id, actingAs(c), "sessions")
}

// consoleReceipt is a customer's receipt in the console, read without impersonating: support
// reading a receipt the customer asks about (the same page, with a way back to the customer).
func (a *App) consoleReceipt(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This receipt"))
		return
	}
	owner, err := a.r.OwnerOfReceipt(c.Request.Context(), id)
	if !a.found(c, err, "This receipt") {
		return
	}
	a.showReceipt(c, id, owner, "customers")
}

// showReceipt answers receipt id of customer cust, as a page (with nav entry nav) or a CDR.
func (a *App) showReceipt(c *gin.Context, id, cust int64, nav string) {
	ctx := c.Request.Context()
	r, err := a.r.GetReceipt(ctx, queries.GetReceiptParams{ID: id, ActingAs: cust})
	if !a.found(c, err, "This receipt") {
		return
	}
	readings, err := a.r.ListReadings(ctx, queries.ListReadingsParams{SessionID: r.SessionID, ActingAs: cust})
	if err != nil {
		a.fail(c, err)
		return
	}
	t, priced, perr := charging.Reprice(r.TariffSnapshot, charging.Completed{StartedAt: r.StartedAt, StoppedAt: r.StoppedAt.Int64,
		ChargingEndedAt: r.ChargingEndedAt.Int64, MeterStartWh: r.MeterStartWh, MeterStopWh: r.MeterStopWh.Int64, Readings: readings, TimeZone: r.TimeZone})
	if wantsJSON(c) {
		if perr != nil {
			a.fail(c, perr)
			return
		}
		c.JSON(http.StatusOK, receiptCDR(r, priced))
		return
	}
	d := receiptData{R: r, Remaining: r.GrossCents - r.RefundedCents, Tariff: t.Name()}
	if d.Lines, err = a.r.ListReceiptLines(ctx, queries.ListReceiptLinesParams{ReceiptID: id, ActingAs: cust}); err != nil {
		a.fail(c, err)
		return
	}
	if d.Refunds, err = a.r.ListRefunds(ctx, queries.ListRefundsParams{ReceiptID: id, ActingAs: cust}); err != nil {
		a.fail(c, err)
		return
	}
	lines := make([]tariff.Line, len(d.Lines))
	for i, l := range d.Lines {
		lines[i] = tariff.Line{Dimension: l.Dimension, VatBP: l.VatBp, NetCents: l.NetCents}
	}
	byLine := tariff.Totals(lines)
	d.VAT = byLine.VAT
	d.NetRounding, d.VATRounding = r.NetCents-byLine.NetCents, r.VatCents-byLine.VATCents
	if perr == nil {
		d.Periods = periodRows(priced)
		d.Derived = priced.Derived.Sentence()
		d.Repriced = priced.NetCents == r.NetCents && priced.GrossCents == r.GrossCents
	}
	a.render(c, http.StatusOK, "receipt", &Page{Title: "Receipt " + r.Number, Nav: nav, Data: d})
}

// maskUID is a card UID with all but its last four characters replaced by X.
func maskUID(uid string) string {
	if len(uid) <= 4 {
		return strings.Repeat("X", len(uid))
	}
	return strings.Repeat("X", len(uid)-4) + uid[len(uid)-4:]
}

// receiptCDR is receipt r as an OCPI 2.2.1 CDR: its periods, volumes and costs, where it was
// and with which card. ChargeDesk authorizes its cards itself (auth_method AUTH_REQUEST). The
// token's uid is masked but its last four characters: a card's UID is what a copied card
// needs, and a customer's page never shows it whole.

func receiptCDR(r queries.GetReceiptRow, priced tariff.Result) tariff.CDR {
	cdr := priced.CDR(r.Number, time.Unix(r.IssuedAt, 0))
	cdr.SessionID = strconv.FormatInt(r.SessionID, 10)
	standard, format, power := map[string]string{"Type2": "IEC_62196_T2", "CCS": "IEC_62196_T2_COMBO", "CHAdeMO": "CHADEMO"}[r.Standard], "SOCKET", "AC_3_PHASE"
	if r.PowerType == "DC" {
		format, power = "CABLE", "DC"
	}
	cdr.CdrToken = &tariff.CdrToken{CountryCode: "DE", PartyID: "CDK", UID: maskUID(r.CardUid), Type: "RFID", ContractID: r.CardContractID}
	cdr.AuthMethod = "AUTH_REQUEST"
	cdr.CdrLocation = &tariff.CdrLocation{ID: fmt.Sprintf("LOC%d", r.LocationID), Name: r.LocationName, Address: r.Address, City: r.City,
		PostalCode: r.PostalCode, Country: "DEU", Coordinates: tariff.GeoLocation{Latitude: r.Latitude, Longitude: r.Longitude},
		EvseUID: r.EvseUid, EvseID: r.EvseUid, ConnectorID: strconv.FormatInt(r.ConnectorID, 10), ConnectorStandard: standard, ConnectorFormat: format, ConnectorPowerType: power}
	if priced.NetCents != r.NetCents || priced.GrossCents != r.GrossCents {
		cdr.Remark = strings.TrimSpace(cdr.Remark + " " + fmt.Sprintf("Priced again by the current engine; the receipt as issued totals %s excl. VAT, %s incl. VAT.", money(r.NetCents), money(r.GrossCents)))
	}
	return cdr
}

// receiptInputs is GET /admin/receipts/:id/session.json and /tariff.json: what the receipt was
// priced from — the session as SESSION.json and its frozen tariff — so that support can run
// `chargedesk tariff price tariff.json session.json` and get the receipt's figures.
func (a *App) receiptInputs(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This receipt"))
		return
	}
	ctx := c.Request.Context()
	owner, err := a.r.OwnerOfReceipt(ctx, id)
	if !a.found(c, err, "This receipt") {
		return
	}
	r, err := a.r.GetReceipt(ctx, queries.GetReceiptParams{ID: id, ActingAs: owner})
	if !a.found(c, err, "This receipt") {
		return
	}
	var out []byte
	if strings.HasSuffix(c.FullPath(), "/tariff.json") {
		o, err := tariff.FromSnapshot(r.TariffSnapshot)
		if err == nil {
			out, err = json.MarshalIndent(o, "", "  ")
		}
		if err != nil {
			a.fail(c, err)
			return
		}
	} else {
		readings, err := a.r.ListReadings(ctx, queries.ListReadingsParams{SessionID: r.SessionID, ActingAs: owner})
		if err != nil {
			a.fail(c, err)
			return
		}
		s := charging.PricingSession(charging.Completed{StartedAt: r.StartedAt, StoppedAt: r.StoppedAt.Int64, ChargingEndedAt: r.ChargingEndedAt.Int64,
			MeterStartWh: r.MeterStartWh, MeterStopWh: r.MeterStopWh.Int64, Readings: readings, TimeZone: r.TimeZone})
		if out, err = s.JSON(); err != nil {
			a.fail(c, err)
			return
		}
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s"`, r.Number, path.Base(c.FullPath())))
	c.Data(http.StatusOK, "application/json; charset=utf-8", out)
}
