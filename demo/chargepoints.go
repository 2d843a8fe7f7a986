package demo

import (
	"context"
	"database/sql"
	"log/slog"
	"strings"
	"time"

	"chargedesk/central"
	"chargedesk/chargepoint"
	"chargedesk/db"
	"chargedesk/queries"
)

// ChargePoints starts a simulated charge point for every demo charger (CDK-…), connected
// to the OCPP endpoint at base (ws://host:port/ocpp/1.6) over loopback, until ctx ends. Each
// gets a new random password (the demo's database only: the simulators are the only charge
// points that know them). A charge point resumes the transactions it was metering in the
// last 30 minutes; one it had stopped metering (the stuck session) it does not know, and it
// reports its connector Available, which the central system notes in its protocol log.
//
// meterEvery is how often a charging charge point sends MeterValues (0: every 10 s).
func ChargePoints(ctx context.Context, d *db.DB, base string, log *slog.Logger, meterEvery time.Duration) ([]*chargepoint.ChargePoint, error) {
	q := queries.New(d.R)
	var cps []*chargepoint.ChargePoint
	var after int64
	now := time.Now()
	for {
		rows, err := q.ListChargersForConsole(ctx, queries.ListChargersForConsoleParams{After: after, PageSize: 500})
		if err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			break
		}
		for _, ch := range rows {
			after = ch.ID
			if !strings.HasPrefix(ch.OcppID, "CDK-") {
				continue // not one of the demo's chargers (a load-test fleet, one registered by hand)
			}
			cfg, err := chargePointConfig(ctx, d, simCharger{ch.ID, ch.OcppID, ch.Vendor, ch.Model, ch.MaxPowerW}, now)
			if err != nil {
				return nil, err
			}
			cfg.URL, cfg.Log, cfg.MeterEvery = base, log, meterEvery
			cp := chargepoint.New(cfg)
			cps = append(cps, cp)
			go cp.Run(ctx)
		}
	}
	return cps, nil
}

// simCharger is a registered charger a simulator plays.
type simCharger struct {
	ID                    int64
	OCPPID, Vendor, Model string
	PowerW                int64
}

// chargePointConfig is the simulator of ch: a new password (stored as its hash), its
// connectors, and the transactions it resumes.
func chargePointConfig(ctx context.Context, d *db.DB, ch simCharger, now time.Time) (chargepoint.Config, error) {
	password := central.NewPassword()
	q := queries.New(d.R)
	nums, err := q.ConnectorNumbers(ctx, ch.ID)
	if err != nil {
		return chargepoint.Config{}, err
	}
	open, err := q.ActiveTransactionsOfCharger(ctx, ch.ID)
	if err != nil {
		return chargepoint.Config{}, err
	}
	cfg := chargepoint.Config{ID: ch.OCPPID, Password: password, Vendor: clip(ch.Vendor, 20), Model: clip(ch.Model, 20),
		Connectors: len(nums), PowerW: ch.PowerW}
	for _, t := range open {
		if now.Unix()-t.ReadingAt > 30*60 {
			continue // not metered lately: the charge point lost it (a stuck session)
		}
		for _, n := range nums {
			if n.ID == t.ConnectorID {
				cfg.Resume = append(cfg.Resume, chargepoint.Transaction{ID: t.ID, Connector: int(n.Number), EnergyWh: t.EnergyWh, SoC: t.SocPct})
			}
		}
	}
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		return queries.New(tx).SetChargerPassword(ctx, queries.SetChargerPasswordParams{ID: ch.ID, Sha256: central.PasswordHash(password)})
	})
	return cfg, err
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
