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
	"chargedesk/support"
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
	Refund                   *refundForm // the Refund form, for staff while something remains; nil otherwise
}

// refundForm is the Refund form on a receipt: on the console's receipt for admins, and on the
// impersonated receipt when the impersonation allows changes. Off says why this caller cannot
// refund here (the form is then shown greyed, with the way that works).
type refundForm struct {
	Back    string // where the refund returns: "receipt" (console) or "as" (impersonated)
	Amount  string // what remains, as the amount's starting value: 12.34
	Reasons []support.RefundReason
	Off     string
	OffHref string // the place that can, when Off names one
	// Open, Picked and Note re-show a refused refund as it was sent.
	Open         bool
	Picked, Note string
	Reference    string // while impersonating: the impersonation, so the chain is traceable
}

// newRefundForm is the form for receipt r with remaining cents left, or nil when the caller
// is a customer on their own receipt or nothing remains.
func newRefundForm(c *gin.Context, r queries.GetReceiptRow, remaining int64) *refundForm {
	u, imp := currentUser(c), activeImpersonation(c)
	if remaining <= 0 || u.Role == "customer" {
		return nil
	}
	f := &refundForm{Back: "receipt", Amount: fmt.Sprintf("%d.%02d", remaining/100, remaining%100), Reasons: support.RefundReasons}
	if imp != nil {
		f.Back, f.Reference = "as", fmt.Sprintf("impersonation #%d (%s)", imp.Imp.ID, imp.Imp.Ticket)
	}
	f.Open = c.Query("refund") == "1"        // the customer page's Refund… link
	if c.Request.Method == http.MethodPost { // a refused refund, shown again
		f.Open, f.Amount, f.Picked, f.Note, f.Reference = true, c.PostForm("amount"), c.PostForm("customer_reason"), c.PostForm("reason"), c.PostForm("reference")
	}
	switch {
	case u.Role != "admin":
		f.Off = "Only an admin can refund. Ask one, and name receipt " + r.Number + "."
	case imp != nil && !imp.ChangesAllowed:
		f.Off, f.OffHref = "This impersonation is read-only, so it cannot refund. The console's copy of this receipt can.", fmt.Sprintf("/admin/receipts/%d", r.ID)
	}
	return f
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
	a.showReceipt(c, id, actingAs(c), "sessions", http.StatusOK, "")
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
	a.showReceipt(c, id, owner, "customers", http.StatusOK, "")
}

// showReceipt answers receipt id of customer cust, as a page (with nav entry nav) or a CDR;
// status and problem answer a refused refund made from it.
func (a *App) showReceipt(c *gin.Context, id, cust int64, nav string, status int, problem string) {
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
	d.Refund = newRefundForm(c, r, d.Remaining)
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
	p := &Page{Title: "Receipt " + r.Number, Nav: nav, Data: d, Problem: problem}
	if currentUser(c).Role != "customer" {
		p.Notice = receiptNotices[c.Query("notice")]
	}
	a.render(c, status, "receipt", p)
}

// receiptNotices are the results a refund made from the receipt returns with (?notice=).
var receiptNotices = map[string]string{
	"refunded": "Refund recorded and a credit note issued. The customer sees it on this receipt and in their activity.",
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
