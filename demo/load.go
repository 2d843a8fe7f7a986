package demo

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"chargedesk/chargepoint"
	"chargedesk/db"
	"chargedesk/queries"
)

// LoadFleet registers n load-test charge points (LOAD-00001…, one 11 kW connector each,
// heartbeat every 30 s) at one public site, each with a driver of its own (a card and a
// payment method), so that every one can run a transaction. It is idempotent: a second run
// finds them. The drivers cannot log in (no password).
func LoadFleet(ctx context.Context, d *db.DB, n int) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		var tariff, loc int64
		if err := tx.QueryRowContext(ctx, `SELECT min(id) FROM tariffs`).Scan(&tariff); err != nil {
			return fmt.Errorf("the load fleet needs a tariff (seed the demo first): %w", err)
		}
		err := tx.QueryRowContext(ctx, `SELECT id FROM locations WHERE name = 'ChargeDesk load test'`).Scan(&loc)
		if err == sql.ErrNoRows {
			err = tx.QueryRowContext(ctx, `INSERT INTO locations (name, address, city, kind) VALUES ('ChargeDesk load test', 'Loopback 1', '127.0.0.1', 'public') RETURNING id`).Scan(&loc)
		}
		if err != nil {
			return err
		}
		now := time.Now().Unix()
		for i := 1; i <= n; i++ {
			id := fmt.Sprintf("LOAD-%05d", i)
			var exists int
			tx.QueryRowContext(ctx, `SELECT count(*) FROM chargers WHERE ocpp_id = ?`, id).Scan(&exists)
			if exists > 0 {
				continue
			}
			var user, charger, evse int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO users (public_id, email, name, password_hash, role, created_at) VALUES (?, ?, ?, '!', 'customer', ?) RETURNING id`,
				fmt.Sprintf("cus_LOAD%05d", i), fmt.Sprintf("load-%05d@chargedesk.test", i), fmt.Sprintf("Load driver %d", i), now).Scan(&user); err != nil {
				return err
			}
			for _, q := range []struct {
				sql  string
				args []any
			}{
				{`INSERT INTO ev_cards (user_id, visual_number, uid, contract_id, label, created_at) VALUES (?, ?, ?, ?, 'Load', ?)`,
					[]any{user, fmt.Sprintf("DE-LOAD-%07d", i), LoadCardUID(i), fmt.Sprintf("DE-CDK-L%07d", i), now}},
				{`INSERT INTO payment_methods (user_id, brand, last4, exp_month, exp_year, is_default, provider_token, created_at) VALUES (?, 'Visa', '4242', 12, 2099, 1, ?, ?)`,
					[]any{user, fmt.Sprintf("tok_load_%05d", i), now}},
			} {
				if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
					return err
				}
			}
			if err := tx.QueryRowContext(ctx, `INSERT INTO chargers (location_id, ocpp_id, name, vendor, model, max_power_w, heartbeat_interval_s) VALUES (?, ?, ?, 'Sim', 'Load-11', 11000, 30) RETURNING id`,
				loc, id, "Load charger "+id).Scan(&charger); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `INSERT INTO evses (charger_id, evse_uid) VALUES (?, ?) RETURNING id`, charger, "DE*CDK*E"+id).Scan(&evse); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO connectors (evse_id, standard, power_type, max_power_w, tariff_id) VALUES (?, 'Type2', 'AC', 11000, ?)`, evse, tariff); err != nil {
				return err
			}
		}
		return nil
	})
}

// LoadCardUID is the card of load driver i.
func LoadCardUID(i int) string { return fmt.Sprintf("LOADCARD%07d", i) }

// RunLoadFleet connects the n load charge points to base and starts a transaction on each
// (MeterValues every meterEvery), connecting them in waves of 50; it returns once all are
// charging, or ctx ends. tune, when not nil, adjusts each one's configuration (i counts
// from 0).
func RunLoadFleet(ctx context.Context, d *db.DB, base string, n int, meterEvery time.Duration, tune func(i int, cfg *chargepoint.Config)) ([]*chargepoint.ChargePoint, error) {
	q := queries.New(d.R)
	cps := make([]*chargepoint.ChargePoint, 0, n)
	for i := 1; i <= n; i++ {
		ch, err := q.GetChargerForOCPP(ctx, fmt.Sprintf("LOAD-%05d", i))
		if err != nil {
			return nil, fmt.Errorf("load charger %d: %w", i, err)
		}
		cfg, err := chargePointConfig(ctx, d, simCharger{ch.ID, ch.OcppID, "Sim", "Load-11", 11_000}, time.Now())
		if err != nil {
			return nil, err
		}
		cfg.URL, cfg.Log, cfg.MeterEvery = base, slog.New(slog.DiscardHandler), meterEvery
		if tune != nil {
			tune(i-1, &cfg)
		}
		cp := chargepoint.New(cfg)
		cps = append(cps, cp)
		go cp.Run(ctx)
		if i%50 == 0 || i == n {
			if err := waitOnline(ctx, cps[len(cps)-min(50, len(cps)):]); err != nil {
				return cps, err
			}
		}
	}
	// Start them charging, 50 at a time.
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	sem := make(chan struct{}, 50)
	for i, cp := range cps {
		if _, charging := cp.Charging(1); charging {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			conf, err := cp.Start(ctx, 1, LoadCardUID(i+1))
			if err != nil || conf.IDTagInfo.Status != "Accepted" {
				mu.Lock()
				first = cmp.Or(first, fmt.Errorf("load charger %d could not start charging: %v %v", i+1, conf.IDTagInfo.Status, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return cps, first
}

func waitOnline(ctx context.Context, cps []*chargepoint.ChargePoint) error {
	deadline := time.Now().Add(60 * time.Second)
	for _, cp := range cps {
		for !cp.Online() {
			if time.Now().After(deadline) || ctx.Err() != nil {
				return fmt.Errorf("load charge points did not connect within 60 s")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return nil
}
