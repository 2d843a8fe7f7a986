package charging

import (
	"context"
	"database/sql"
	"time"

	"chargedesk/queries"
)

// batteryWh is the battery the simulator assumes when it advances state of charge.
const batteryWh = 75_000

// Simulate advances every session charging now by one meter reading at now, as a charger's
// meter-value feed would: power near the connector's maximum, tapering above 80 % state of
// charge, energy integrated since the previous reading. Sessions whose connector no longer
// says Charging (the stuck ones) get nothing. It returns how many sessions advanced.
func Simulate(ctx context.Context, tx *sql.Tx, now time.Time) (int, error) {
	q := queries.New(tx)
	rows, err := q.ListSimulatedSessions(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range rows {
		last, energy := s.StartedAt, s.MeterStartWh
		if s.ReadingAt.Valid {
			last, energy = s.ReadingAt.Int64, s.EnergyWh.Int64
		}
		dt := min(now.Unix()-last, 300)
		if dt < 5 {
			continue
		}
		soc := s.SocPct
		power := s.MaxPowerW * 85 / 100
		if soc.Valid && soc.Int64 >= 80 {
			power = power * (100 - soc.Int64) / 20
		}
		delta := power * dt / 3600
		if soc.Valid {
			soc.Int64 = min(100, soc.Int64+(delta*100+batteryWh/2)/batteryWh)
		}
		if err := q.InsertMeterReading(ctx, queries.InsertMeterReadingParams{
			SessionID: s.ID, ActingAs: s.UserID, At: now.Unix(), EnergyWh: energy + delta, PowerW: power, SocPct: soc,
		}); err != nil {
			return n, err
		}
		if err := q.TouchCharger(ctx, queries.TouchChargerParams{ID: s.ChargerID, At: sql.NullInt64{Int64: now.Unix(), Valid: true}}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
