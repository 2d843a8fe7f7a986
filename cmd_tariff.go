package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"chargedesk/tariff"
)

// badInput is a command line whose input is wrong: the process exits with 2, not 1.
type badInput struct{ error }

func (b badInput) Unwrap() error { return b.error }

const tariffUsage = `usage: chargedesk tariff price TARIFF.json SESSION.json

Prices a session offline under an OCPI 2.2.1 tariff and prints the CDR (OCPI 2.2.1 JSON):
total_cost (excl_vat, incl_vat), charging_periods, total_energy, total_time, total_parking_time.

TARIFF.json  an OCPI 2.2.1 Tariff object, as the spec's examples write it
SESSION.json {"start": RFC 3339, "stop": RFC 3339, "charging_stopped": RFC 3339 (optional:
             parking from then on), "time_zone": IANA name, "readings": [{"at": RFC 3339,
             "wh": cumulative energy, "w": power from then on, "a": current (optional)}, …]}
             A reservation before the session: "reservation_start": RFC 3339; one that
             expired unused: also "reservation_expired": true. Optional: "voltage" and
             "phases" (230 V, 3 phases) to derive a current the readings lack; and
             "cdr_token", "auth_method", "cdr_location" (OCPI objects) for a complete CDR`

func cmdTariff(args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "price" {
		return badInput{errors.New(tariffUsage)}
	}
	if len(args) != 3 {
		return badInput{errors.New(tariffUsage)}
	}
	tb, err := os.ReadFile(args[1])
	if err != nil {
		return badInput{fmt.Errorf("TARIFF.json: %w", err)}
	}
	sb, err := os.ReadFile(args[2])
	if err != nil {
		return badInput{fmt.Errorf("SESSION.json: %w", err)}
	}
	t, err := tariff.ParseOCPI(tb)
	if err != nil {
		return badInput{fmt.Errorf("%s: %w", args[1], err)}
	}
	s, err := tariff.ParseSession(sb)
	if err != nil {
		return badInput{fmt.Errorf("%s: %w", args[2], err)}
	}
	r, err := tariff.PriceSession(t, s)
	if err != nil {
		return badInput{err}
	}
	out, err := json.MarshalIndent(r.CDR("PRICED-"+t.ID, s.Stop), "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", out)
	return err
}
