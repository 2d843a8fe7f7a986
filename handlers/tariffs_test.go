package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"chargedesk/tariff/ocpicheck"

	"chargedesk/demo"
	"chargedesk/tariff"
)

// The console shows every tariff in words and as the OCPI 2.2.1 Tariff object it is priced
// as; the object is valid OCPI and carries the catalogue's prices. Customers cannot see it.
func TestAdminTariffAsOCPI(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := adminClient(t, ta)
	list := admin.get("/admin/tariffs")
	mustContain(t, list.body, "Spreeufer DC", "Home electricity")
	var spree int64
	ta.db.R.QueryRow(`SELECT id FROM tariffs WHERE name LIKE 'Spreeufer DC%'`).Scan(&spree)
	page := admin.get(fmt.Sprintf("/admin/tariffs/%d", spree))
	mustContain(t, page.body, "As an OCPI 2.2.1 Tariff object", "€0.55/kWh", "per 100 Wh", "&#34;price_components&#34;")
	r := admin.get(fmt.Sprintf("/admin/tariffs/%d", spree), "Accept", "application/json")
	o, err := tariff.ParseOCPI([]byte(r.body))
	if r.status != http.StatusOK || err != nil {
		t.Fatalf("JSON: %d %v %s", r.status, err, r.body)
	}
	if miss := ocpicheck.Missing("Tariff", []byte(r.body)); len(miss) > 0 {
		t.Errorf("the Tariff object lacks required fields %v", miss)
	}
	var energy string
	for _, e := range o.Elements {
		for _, c := range e.PriceComponents {
			if c.Type == tariff.Energy {
				energy = c.Price.String() + "/" + fmt.Sprint(c.StepSize) + "/" + c.VAT.String()
			}
		}
	}
	if energy != "0.55/100/19" || o.Currency != "EUR" || o.ID != fmt.Sprint(spree) {
		t.Errorf("the OCPI object: energy %s, currency %s, id %s", energy, o.Currency, o.ID)
	}
	if r := admin.get("/admin/tariffs/999999"); r.status != http.StatusNotFound {
		t.Errorf("an unknown tariff: %d", r.status)
	}
	jane := ta.client()
	jane.login(demo.JaneEmail)
	if r := jane.get("/admin/tariffs"); r.status != http.StatusForbidden && r.status != http.StatusSeeOther {
		t.Errorf("a customer opening the tariffs: %d", r.status)
	}
}

// A receipt shows which price applied when, and answers as an OCPI 2.2.1 CDR in the
// customer's scope: the same totals as the receipt, its periods, where it was; another
// customer's receipt is not found in either form.
func TestReceiptPeriodsAndCDR(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	jane := ta.userID(demo.JaneEmail)
	var receipt, other int64
	ta.db.R.QueryRow(`SELECT id FROM receipts WHERE user_id = ? AND gross_cents = 3096`, jane).Scan(&receipt)
	ta.db.R.QueryRow(`SELECT id FROM receipts WHERE user_id <> ? LIMIT 1`, jane).Scan(&other)
	c := ta.client()
	c.login(demo.JaneEmail)
	page := c.get(fmt.Sprintf("/receipts/%d", receipt)).body
	mustContain(t, page, "Which price applied when", "Parking time €6.00/h, rounded up to 15 min", "Energy €0.55/kWh, rounded up to 42.300 kWh", "€30.96")
	if strings.Contains(page, "earlier version of the pricing") {
		t.Error("a receipt priced by this engine is said to be from an earlier one")
	}
	r := c.get(fmt.Sprintf("/receipts/%d", receipt), "Accept", "application/json")
	var cdr struct {
		ID        string `json:"id"`
		TotalCost struct {
			Excl float64 `json:"excl_vat"`
			Incl float64 `json:"incl_vat"`
		} `json:"total_cost"`
		ChargingPeriods []struct {
			Dimensions []struct{ Type string } `json:"dimensions"`
		} `json:"charging_periods"`
		TotalEnergy float64 `json:"total_energy"`
		CdrLocation struct {
			Name              string `json:"name"`
			ConnectorStandard string `json:"connector_standard"`
		} `json:"cdr_location"`
		CdrToken struct {
			UID string `json:"uid"`
		} `json:"cdr_token"`
		Remark string `json:"remark"`
	}
	if err := json.Unmarshal([]byte(r.body), &cdr); err != nil || r.status != http.StatusOK {
		t.Fatalf("CDR: %d %v %s", r.status, err, r.body)
	}
	if cdr.TotalCost.Excl != 26.02 || cdr.TotalCost.Incl != 30.96 || cdr.TotalEnergy != 42.265 || len(cdr.ChargingPeriods) != 2 || cdr.Remark != "" {
		t.Errorf("CDR totals %v/%v, energy %v, %d periods, remark %q", cdr.TotalCost.Excl, cdr.TotalCost.Incl, cdr.TotalEnergy, len(cdr.ChargingPeriods), cdr.Remark)
	}
	var uid string
	ta.db.R.QueryRow(`SELECT k.uid FROM receipts r JOIN charging_sessions s ON s.id = r.session_id JOIN ev_cards k ON k.id = s.card_id WHERE r.id = ?`, receipt).Scan(&uid)
	if !strings.HasPrefix(cdr.ID, "R-") || cdr.CdrLocation.Name != "Ladepark Spreeufer" || cdr.CdrLocation.ConnectorStandard != "IEC_62196_T2_COMBO" ||
		cdr.CdrToken.UID == uid || !strings.HasSuffix(cdr.CdrToken.UID, uid[len(uid)-4:]) || !strings.HasPrefix(cdr.CdrToken.UID, "XXXX") {
		t.Errorf("CDR id %q, location %+v, token uid %q (a card's whole UID is never shown to customers)", cdr.ID, cdr.CdrLocation, cdr.CdrToken.UID)
	}
	// Every field OCPI 2.2.1 requires of a CDR (and its token, location, periods and tariffs).
	if miss := ocpicheck.Missing("CDR", []byte(r.body)); len(miss) > 0 {
		t.Errorf("the receipt's CDR lacks required fields %v", miss)
	}
	for _, accept := range []string{"application/json", "text/html"} {
		if r := c.get(fmt.Sprintf("/receipts/%d", other), "Accept", accept); r.status != http.StatusNotFound || strings.Contains(r.body, "total_cost") {
			t.Errorf("another customer's receipt (%s): %d", accept, r.status)
		}
	}
}
