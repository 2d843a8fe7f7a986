package ocpicheck_test

import (
	"slices"
	"testing"

	"chargedesk/tariff/ocpicheck"
)

// The checker finds what is missing, nested included, and nothing in a complete object.
func TestMissing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, kind, json string
		want             []string
	}{
		{"complete tariff", "Tariff", `{"country_code":"DE","party_id":"CDK","id":"1","currency":"EUR","last_updated":"2026-01-01T00:00:00Z",
			"elements":[{"price_components":[{"type":"ENERGY","price":0.3,"step_size":1}]}]}`, nil},
		{"no last_updated", "Tariff", `{"country_code":"DE","party_id":"CDK","id":"1","currency":"EUR","elements":[{"price_components":[{"type":"FLAT","price":1,"step_size":1}]}]}`,
			[]string{"last_updated"}},
		{"empty elements", "Tariff", `{"country_code":"DE","party_id":"CDK","id":"1","currency":"EUR","last_updated":"x","elements":[]}`, []string{"elements"}},
		{"component without step", "TariffElement", `{"price_components":[{"type":"FLAT","price":1}]}`, []string{"price_components[0].step_size"}},
		{"location without coordinates", "CdrLocation", `{"id":"L","address":"a","city":"c","country":"DEU","evse_uid":"e","evse_id":"e","connector_id":"1",
			"connector_standard":"s","connector_format":"f","connector_power_type":"p"}`, []string{"coordinates"}},
	} {
		got := ocpicheck.Missing(tc.kind, []byte(tc.json))
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: missing %v, want %v", tc.name, got, tc.want)
		}
	}
}
