package db_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"chargedesk/db"
	"chargedesk/db/dbtest"
)

// Every pooled connection, reader or writer, has WAL, foreign keys and a busy timeout: the
// pragmas are in the DSN, not run once on one connection.
func TestEveryPooledConnectionHasPragmas(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	ctx := context.Background()
	var conns []*sql.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	check := func(name string, c *sql.Conn) {
		var mode string
		var fk, busy, sync, temp int
		if err := c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA temp_store").Scan(&temp); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" || fk != 1 || busy != 5000 || sync != 2 || temp != 2 {
			t.Errorf("%s: journal_mode=%s foreign_keys=%d busy_timeout=%d synchronous=%d temp_store=%d, want wal 1 5000 2 (FULL) 2 (MEMORY)", name, mode, fk, busy, sync, temp)
		}
	}
	// Hold several reader connections at once so the pool must open distinct ones.
	for i := range 4 {
		c, err := d.R.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		check("reader "+string(rune('0'+i)), c)
	}
	w, err := d.W.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check("writer", w)
	w.Close()
	if got := d.W.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer pool allows %d connections, want 1", got)
	}
}

// The reader pool cannot write.
func TestReaderPoolIsReadOnly(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	_, err := d.R.Exec(`INSERT INTO settings (key, value) VALUES ('x', 'y')`)
	if err == nil {
		t.Fatal("insert through the reader pool succeeded; want it refused")
	}
}

func tables(t *testing.T, path string) []string {
	t.Helper()
	d, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.R.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		out = append(out, n)
	}
	return out
}

// Migrations go up, all the way down, and up again.
func TestMigrationsUpDownUp(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "m.db")
	m, err := db.NewMigrator(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Up(); err != nil {
		t.Fatal(err)
	}
	v, dirty, err := m.Version()
	if err != nil || dirty || v == 0 {
		t.Fatalf("after up: version %d dirty %v err %v", v, dirty, err)
	}
	up := tables(t, path)
	for _, want := range []string{"users", "charging_sessions", "receipts", "auth_audit", "web_sessions"} {
		if !strings.Contains(","+strings.Join(up, ",")+",", ","+want+",") {
			t.Errorf("after up, table %s is missing (have %v)", want, up)
		}
	}
	if err := m.Down(int(v)); err != nil {
		t.Fatal(err)
	}
	if left := tables(t, path); len(left) != 0 {
		t.Errorf("after down %d, tables remain: %v", v, left)
	}
	if err := m.Up(); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if again := tables(t, path); strings.Join(again, ",") != strings.Join(up, ",") {
		t.Errorf("up after down gives %v, want %v", again, up)
	}
}

// The schema refuses what the domain forbids.
func TestSchemaConstraints(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	mustExec := func(q string, args ...any) {
		t.Helper()
		if _, err := d.W.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	mustExec(`INSERT INTO users (id, public_id, email, name, password_hash, role, created_at) VALUES (1, 'cus_A', 'a@x.test', 'A', 'h', 'customer', 0)`)
	mustExec(`INSERT INTO payment_methods (user_id, brand, last4, exp_month, exp_year, is_default, provider_token, created_at) VALUES (1, 'Visa', '4242', 1, 2030, 1, 't1', 0)`)
	refused := []struct{ name, sql string }{
		{"a second default payment method", `INSERT INTO payment_methods (user_id, brand, last4, exp_month, exp_year, is_default, provider_token, created_at) VALUES (1, 'Visa', '1111', 1, 2030, 1, 't2', 0)`},
		{"a card number instead of last4", `INSERT INTO payment_methods (user_id, brand, last4, exp_month, exp_year, provider_token, created_at) VALUES (1, 'Visa', '4242424242424242', 1, 2030, 't3', 0)`},
		{"an unknown role", `INSERT INTO users (public_id, email, name, password_hash, role, created_at) VALUES ('cus_B', 'b@x.test', 'B', 'h', 'root', 0)`},
		{"a dangling foreign key", `INSERT INTO ev_cards (user_id, visual_number, uid, contract_id, created_at) VALUES (99, 'V', 'U', 'C', 0)`},
	}
	for _, r := range refused {
		if _, err := d.W.Exec(r.sql); err == nil {
			t.Errorf("%s was accepted; want the schema to refuse it", r.name)
		}
	}
}

// Statistics keep the per-index averages and never the sampled values: with samples, SQLite
// compiles a prepared statement again after every new binding of a parameter it looked up in
// them, which undoes statement preparation on the request path.
func TestOptimizeKeepsNoSampledStatistics(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "s.db")
	if err := db.Migrate(path); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { d.Close() }()
	for i := range 300 {
		if _, err := d.W.Exec(`INSERT INTO users (public_id, email, name, password_hash, role, created_at) VALUES (?, ?, 'N', 'h', 'customer', ?)`,
			"cus_"+strconv.Itoa(i), strconv.Itoa(i)+"@x.test", i%7); err != nil {
			t.Fatal(err)
		}
	}
	count := func(table string) int {
		var n int
		if err := d.R.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, err := d.W.Exec(`ANALYZE`); err != nil {
		t.Fatal(err)
	}
	if count("sqlite_stat4") == 0 {
		t.Fatal("ANALYZE wrote no samples: this SQLite lacks STAT4 and the test cannot fail")
	}
	if err := d.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count("sqlite_stat4"); n != 0 {
		t.Errorf("after Optimize, sqlite_stat4 holds %d samples, want none", n)
	}
	if count("sqlite_stat1") == 0 {
		t.Error("after Optimize, sqlite_stat1 is empty: the averages must stay")
	}
	// Opening the file (which optimizes) leaves none either.
	d.W.Exec(`ANALYZE`)
	d.Close()
	if d, err = db.Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	if n := count("sqlite_stat4"); n != 0 {
		t.Errorf("after open, sqlite_stat4 holds %d samples, want none", n)
	}
}
