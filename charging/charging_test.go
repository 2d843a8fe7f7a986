package charging_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"chargedesk/charging"
	"chargedesk/db/dbtest"
	"chargedesk/demo"
)

func TestStuckReasons(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	seen := func(ago time.Duration) sql.NullInt64 { return sql.NullInt64{Int64: now.Add(-ago).Unix(), Valid: true} }
	tests := []struct {
		name      string
		started   time.Duration
		lastSeen  sql.NullInt64
		connector string
		reading   time.Duration
		want      string
	}{
		{"charging normally", time.Hour, seen(time.Minute), "Charging", time.Minute, ""},
		{"charger silent for 3 heartbeats", time.Hour, seen(16 * time.Minute), "Charging", time.Minute, "three heartbeats"},
		{"charger never seen", time.Hour, sql.NullInt64{}, "Charging", time.Minute, "three heartbeats"},
		{"connector says Available", time.Hour, seen(time.Minute), "Available", time.Minute, "reports Available"},
		{"connector Faulted", time.Hour, seen(time.Minute), "Faulted", time.Minute, "reports Faulted"},
		{"no reading for 31 min", time.Hour, seen(time.Minute), "Charging", 31 * time.Minute, "no meter reading"},
		{"open for 25 h", 25 * time.Hour, seen(time.Minute), "Charging", time.Minute, "more than 24 hours"},
	}
	for _, tt := range tests {
		got := strings.Join(charging.StuckReasons(now, now.Add(-tt.started).Unix(), tt.lastSeen, 300, tt.connector, now.Add(-tt.reading).Unix()), "; ")
		if (tt.want == "" && got != "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: reasons %q, want %q", tt.name, got, tt.want)
		}
	}
}

// Stopping the demo's stuck session at its last reading prices it up to that reading, frees
// the connector, and cannot happen twice.
func TestStopAtLastReading(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	ctx := context.Background()
	if _, err := demo.SeedIfEmpty(ctx, d, demo.DefaultPassword, time.Now()); err != nil {
		t.Fatal(err)
	}
	var id, user, conn, last, lastWh int64
	err := d.R.QueryRow(`SELECT s.id, s.user_id, s.connector_id, max(m.at), max(m.energy_wh) FROM charging_sessions s
		JOIN connectors cn ON cn.id = s.connector_id JOIN meter_readings m ON m.session_id = s.id
		WHERE s.status = 'ACTIVE' AND cn.status = 'Available' GROUP BY s.id`).Scan(&id, &user, &conn, &last, &lastWh)
	if err != nil {
		t.Fatal(err)
	}
	stop := func() (int64, error) {
		var receipt int64
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			stopped, err := charging.Stop(ctx, tx, charging.StopRequest{SessionID: id, ActingAs: user, At: time.Unix(last, 0), EndedBy: charging.EndedByAdmin, Reason: "test"})
			receipt = stopped.Receipt
			return err
		})
		return receipt, err
	}
	if _, err := stop(); err != nil {
		t.Fatal(err)
	}
	var stopWh, gross int64
	d.R.QueryRow(`SELECT s.meter_stop_wh, r.gross_cents FROM charging_sessions s JOIN receipts r ON r.session_id = s.id WHERE s.id = ?`, id).Scan(&stopWh, &gross)
	if stopWh != lastWh || gross <= 0 {
		t.Errorf("stop meter %d Wh (last reading %d), gross %d", stopWh, lastWh, gross)
	}
	if _, err := stop(); !errors.Is(err, charging.ErrNotActive) {
		t.Errorf("second stop: %v, want ErrNotActive", err)
	}
	// Another customer cannot stop it either: the session is not theirs.
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := charging.Stop(ctx, tx, charging.StopRequest{SessionID: id, ActingAs: user + 1, At: time.Now(), EndedBy: charging.EndedByDriver})
		return err
	})
	if !errors.Is(err, charging.ErrNotActive) {
		t.Errorf("stop by another customer: %v, want ErrNotActive", err)
	}
}
