// Package ocpicheck lists what an OCPI 2.2.1 object lacks of the fields the spec marks
// required (cardinality 1 or +), for the tests of every place ChargeDesk writes one: the
// receipt's CDR, `chargedesk tariff price` and the console's tariffs.
package ocpicheck

import (
	"encoding/json"
	"fmt"
)

// required are the required fields of each object (OCPI 2.2.1, modules CDRs and Tariffs),
// and the object each nested field is.
var required = map[string][]string{
	"CDR": {"country_code", "party_id", "id", "start_date_time", "end_date_time", "cdr_token", "auth_method",
		"cdr_location", "currency", "charging_periods", "total_cost", "total_energy", "total_time", "last_updated"},
	"CdrToken":       {"country_code", "party_id", "uid", "type", "contract_id"},
	"CdrLocation":    {"id", "address", "city", "country", "coordinates", "evse_uid", "evse_id", "connector_id", "connector_standard", "connector_format", "connector_power_type"},
	"GeoLocation":    {"latitude", "longitude"},
	"ChargingPeriod": {"start_date_time", "dimensions"},
	"CdrDimension":   {"type", "volume"},
	"Price":          {"excl_vat"},
	"Tariff":         {"country_code", "party_id", "id", "currency", "elements", "last_updated"},
	"TariffElement":  {"price_components"},
	"PriceComponent": {"type", "price", "step_size"},
}

var nested = map[string]map[string]string{
	"CDR":            {"cdr_token": "CdrToken", "cdr_location": "CdrLocation", "charging_periods": "ChargingPeriod", "total_cost": "Price", "tariffs": "Tariff"},
	"CdrLocation":    {"coordinates": "GeoLocation"},
	"ChargingPeriod": {"dimensions": "CdrDimension"},
	"Tariff":         {"elements": "TariffElement"},
	"TariffElement":  {"price_components": "PriceComponent"},
}

// Missing is every required field v (an object of kind, as JSON or a Go value) lacks, by
// path: "cdr_location.coordinates", "tariffs[0].last_updated". A list the spec requires
// one or more of ("+") must not be empty; a string must not be "".
func Missing(kind string, v any) []string {
	var obj any
	b, ok := v.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(v); err != nil {
			return []string{"(cannot marshal: " + err.Error() + ")"}
		}
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return []string{"(not JSON: " + err.Error() + ")"}
	}
	return missing(kind, obj, "")
}

func missing(kind string, v any, at string) []string {
	obj, ok := v.(map[string]any)
	if !ok {
		return []string{at + " (not an object)"}
	}
	var out []string
	for _, f := range required[kind] {
		x, present := obj[f]
		switch y := x.(type) {
		case nil:
			present = false
		case string:
			present = y != ""
		case []any:
			present = len(y) > 0
		}
		if !present {
			out = append(out, at+f)
		}
	}
	for f, sub := range nested[kind] {
		switch y := obj[f].(type) {
		case map[string]any:
			out = append(out, missing(sub, y, at+f+".")...)
		case []any:
			for i, e := range y {
				out = append(out, missing(sub, e, fmt.Sprintf("%s%s[%d].", at, f, i))...)
			}
		}
	}
	return out
}
