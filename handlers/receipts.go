package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

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
}

// receipt shows a receipt: a line per tariff dimension (measured and billed quantity, unit
// price, net), VAT per rate, gross, status, refunds and credit notes.
func (a *App) receipt(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This receipt"))
		return
	}
	ctx, cust := c.Request.Context(), actingAs(c)
	r, err := a.r.GetReceipt(ctx, queries.GetReceiptParams{ID: id, ActingAs: cust})
	if !a.found(c, err, "This receipt") {
		return
	}
	d := receiptData{R: r, Remaining: r.GrossCents - r.RefundedCents}
	if d.Lines, err = a.r.ListReceiptLines(ctx, queries.ListReceiptLinesParams{ReceiptID: id, ActingAs: cust}); err != nil {
		a.fail(c, errInternal(err))
		return
	}
	if d.Refunds, err = a.r.ListRefunds(ctx, queries.ListRefundsParams{ReceiptID: id, ActingAs: cust}); err != nil {
		a.fail(c, errInternal(err))
		return
	}
	lines := make([]tariff.Line, len(d.Lines))
	for i, l := range d.Lines {
		lines[i] = tariff.Line{Dimension: l.Dimension, VatBP: l.VatBp, NetCents: l.NetCents}
	}
	d.VAT = tariff.Totals(lines).VAT
	if t, err := tariff.FromSnapshot(r.TariffSnapshot); err == nil {
		d.Tariff = t.Name()
	}
	a.render(c, http.StatusOK, "receipt", &Page{Title: "Receipt " + r.Number, Nav: "sessions", Data: d})
}
