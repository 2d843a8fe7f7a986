package main

import (
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"chargedesk/tariff/ocpicheck"
)

// Every worked example of the spec prices the same through `chargedesk tariff price` from its
// JSON files in tariff/testdata, and the output is a CDR with the fields the contract names.
func TestTariffPriceCommand(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("tariff/testdata/examples.json")
	if err != nil {
		t.Fatal(err)
	}
	var examples []struct {
		Name, Tariff, Session string
		Excl                  string `json:"excl_vat"`
		Incl                  string `json:"incl_vat"`
	}
	if err := json.Unmarshal(b, &examples); err != nil {
		t.Fatal(err)
	}
	for _, e := range examples {
		t.Run(e.Name, func(t *testing.T) {
			out, err := runCmd(t, "", "tariff", "price", filepath.Join("tariff/testdata/ocpi", e.Tariff+".json"), filepath.Join("tariff/testdata/sessions", e.Session+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var cdr struct {
				TotalCost struct {
					Excl json.Number  `json:"excl_vat"`
					Incl *json.Number `json:"incl_vat"`
				} `json:"total_cost"`
				ChargingPeriods  []json.RawMessage `json:"charging_periods"`
				TotalEnergy      *json.Number      `json:"total_energy"`
				TotalTime        *json.Number      `json:"total_time"`
				TotalParkingTime *json.Number      `json:"total_parking_time"`
			}
			dec := json.NewDecoder(strings.NewReader(out))
			dec.UseNumber()
			if err := dec.Decode(&cdr); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out)
			}
			if !sameAmount(string(cdr.TotalCost.Excl), e.Excl) {
				t.Errorf("total_cost.excl_vat %s, want %s", cdr.TotalCost.Excl, e.Excl)
			}
			switch {
			case e.Incl == "" && cdr.TotalCost.Incl != nil:
				t.Errorf("total_cost.incl_vat %s, but the tariff gives no VAT", *cdr.TotalCost.Incl)
			case e.Incl != "" && (cdr.TotalCost.Incl == nil || !sameAmount(string(*cdr.TotalCost.Incl), e.Incl)):
				t.Errorf("total_cost.incl_vat %v, want %s", cdr.TotalCost.Incl, e.Incl)
			}
			if len(cdr.ChargingPeriods) == 0 || cdr.TotalEnergy == nil || cdr.TotalTime == nil || cdr.TotalParkingTime == nil {
				t.Errorf("the CDR lacks charging_periods, total_energy, total_time or total_parking_time:\n%s", out)
			}
		})
	}
}

func sameAmount(a, b string) bool {
	x, ok1 := new(big.Rat).SetString(a)
	y, ok2 := new(big.Rat).SetString(b)
	return ok1 && ok2 && x.Cmp(y) == 0
}

// Bad input is refused with a message naming the field, and the process exits with 2.
func TestTariffPriceCommandRefusesBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := "tariff/testdata/ocpi/tariff_1_simple_2hour.json"
	cases := map[string]struct{ tariff, session, names string }{
		"a session without a time zone":  {good, `{"start":"2026-11-24T12:00:00Z","stop":"2026-11-24T13:00:00Z","readings":[]}`, "time_zone"},
		"a reading that is not a number": {good, `{"start":"2026-11-24T12:00:00Z","stop":"2026-11-24T13:00:00Z","time_zone":"UTC","readings":[{"at":"2026-11-24T12:00:00Z","wh":"lots"}]}`, "readings[0].wh"},
		"stop before start":              {good, `{"start":"2026-11-24T12:00:00Z","stop":"2026-11-24T11:00:00Z","time_zone":"UTC","readings":[]}`, "stop"},
		"a tariff with a bad price":      {`{"currency":"EUR","elements":[{"price_components":[{"type":"TIME","price":"two","step_size":60}]}]}`, "", "elements[0].price_components[0].price"},
		"a file that is not there":       {good, "-", "SESSION.json"},
	}
	for name, c := range cases {
		tf, sf := c.tariff, filepath.Join(dir, "session.json")
		if strings.HasPrefix(c.tariff, "{") {
			tf = filepath.Join(dir, "tariff.json")
			os.WriteFile(tf, []byte(c.tariff), 0o644)
			c.session = `{"start":"2026-11-24T12:00:00Z","stop":"2026-11-24T13:00:00Z","time_zone":"UTC","readings":[]}`
		}
		switch c.session {
		case "-":
			sf = filepath.Join(dir, "missing.json")
		default:
			os.WriteFile(sf, []byte(c.session), 0o644)
		}
		_, err := runCmd(t, "", "tariff", "price", tf, sf)
		if err == nil || !errors.As(err, new(badInput)) || !strings.Contains(err.Error(), c.names) {
			t.Errorf("%s: %v, want bad input naming %q", name, err, c.names)
		}
	}
	if _, err := runCmd(t, "", "tariff", "price", good); err == nil || !strings.Contains(err.Error(), "SESSION.json") {
		t.Errorf("one file: %v, want the usage", err)
	}

	bin := chargedeskBinary(t)
	os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"start":"tomorrow"}`), 0o644)
	out, err := exec.Command(bin, "tariff", "price", good, filepath.Join(dir, "bad.json")).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), "start") {
		t.Errorf("exit %v, output %q; want exit 2 and a message naming start", err, out)
	}
}

// The CDR `tariff price` prints has every field OCPI 2.2.1 requires (CDR, CdrToken,
// CdrLocation, ChargingPeriod, Tariff, TariffElement) when SESSION.json says who charged
// where; the tariff's own last_updated is kept.
func TestTariffPriceCDRHasTheRequiredFields(t *testing.T) {
	t.Parallel()
	out, err := runCmd(t, "", "tariff", "price", "tariff/testdata/ocpi/tariff_1_simple_2hour.json", "tariff/testdata/sessions/energy_20kwh_with_token_and_location.json")
	if err != nil {
		t.Fatal(err)
	}
	if miss := ocpicheck.Missing("CDR", []byte(out)); len(miss) > 0 {
		t.Errorf("the CDR lacks required fields %v:\n%s", miss, out)
	}
}
