package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"chargedesk/audit"
	"chargedesk/charging"
	"chargedesk/db"
	"chargedesk/queries"
)

// Scale is how big a generated database is: `chargedesk demo --scale
// customers=100000,sessions=5000000,audit=10000000`.
type Scale struct {
	Customers, Sessions, Audit int
}

// ParseScale reads "customers=N,sessions=N,audit=N" (any subset; the rest stay as given).
func ParseScale(s string, sc Scale) (Scale, error) {
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(strings.ReplaceAll(v, "_", ""))
		if !ok || err != nil || n < 0 {
			return sc, fmt.Errorf("--scale: %q is not name=number (names: customers, sessions, audit)", part)
		}
		switch k {
		case "customers":
			sc.Customers = n
		case "sessions":
			sc.Sessions = n
		case "audit":
			sc.Audit = n
		default:
			return sc, fmt.Errorf("--scale: unknown name %q (names: customers, sessions, audit)", k)
		}
	}
	return sc, nil
}

// Fleet customers are the few accounts with tens of thousands of sessions (a taxi or
// delivery fleet); FleetEmail(1) is the biggest.
func FleetEmail(n int) string { return fmt.Sprintf("fleet%d@example.net", n) }

// idOffset keeps a generated customer's card and payment method ids (customer id + offset)
// clear of the demo's own rows.
const idOffset = 10_000_000_000

// batch is how many rows a generator transaction writes before it commits.
const batch = 50_000

var commonFirst = []string{"Jane", "Anna", "Ben", "Clara", "David", "Elif", "Finn", "Greta", "Hannes", "Ida", "Jonas", "Katja", "Lukas",
	"Mara", "Noah", "Olga", "Paul", "Rosa", "Samir", "Tara", "Jan", "Janek", "Janina", "Johanna"}
var commonLast = []string{"Doe", "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
	"Koch", "Richter", "Klein", "Wolf", "Neumann", "Schwarz", "Braun", "Krüger", "Hofmann"}

// Grow adds sc's customers, sessions (each completed, with a receipt, a receipt line and two
// meter readings, spread over two years; a few fleet customers hold 6 % of them) and audit
// rows (logins, admin tools, and impersonations by ten support admins with their start and
// end rows and route rows, in a valid keyed chain) to a seeded demo database, committing every
// few ten thousand rows. It reports progress to out.
func Grow(ctx context.Context, d *db.DB, trail *audit.Trail, sc Scale, now time.Time, out io.Writer) error {
	g := &grower{ctx: ctx, d: d, trail: trail, sc: sc, now: now.UTC().Truncate(time.Second), rng: rand.New(rand.NewPCG(7, 11)), out: out}
	// A bulk load: a large page cache for the one writer connection while it grows (the
	// default 2 MB makes every index insert a read from the file, and each index built after
	// the load sorts within it: 10 M audit rows' indexes sort in memory), restored after.
	// SQLite takes the pages only as it uses them, so a small run costs nothing; the 10 M-row
	// run peaks near 4.7 GB resident.
	if _, err := d.W.ExecContext(ctx, `PRAGMA cache_size = -2097152`); err != nil { // 2 GB
		return err
	}
	defer d.W.ExecContext(context.WithoutCancel(ctx), `PRAGMA cache_size = -2000`)
	steps := []struct {
		what string
		fn   func() error
	}{{"staff", g.staff}, {"customers", g.customers}, {"sessions", g.sessions}, {"audit", g.audit}}
	for _, s := range steps {
		start := time.Now()
		if err := s.fn(); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
		fmt.Fprintf(out, "  %-9s done in %s\n", s.what, time.Since(start).Round(time.Second))
	}
	_, err := d.W.ExecContext(ctx, `ANALYZE`)
	return err
}

// withoutIndexes runs load with the secondary indexes of tables dropped, and builds them
// again after it, each in one sorted pass: inserting millions of rows into a B-tree keyed by
// customer (random) costs a page write per row once the index outgrows the cache; building
// it afterwards sorts once. An index that cannot be built again fails Grow.
func (g *grower) withoutIndexes(tables []string, load func() error) error {
	type index struct{ name, sql string }
	var idx []index
	for _, t := range tables {
		rows, err := g.d.W.QueryContext(g.ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`, t)
		if err != nil {
			return err
		}
		for rows.Next() {
			var i index
			if err := rows.Scan(&i.name, &i.sql); err != nil {
				rows.Close()
				return err
			}
			idx = append(idx, i)
		}
		rows.Close()
	}
	for _, i := range idx {
		if _, err := g.d.W.ExecContext(g.ctx, `DROP INDEX "`+i.name+`"`); err != nil {
			return err
		}
	}
	loadErr := load()
	start := time.Now()
	for _, i := range idx { // also after a failed load: the schema is whole again
		if _, err := g.d.W.ExecContext(context.WithoutCancel(g.ctx), i.sql); err != nil {
			return errors.Join(loadErr, fmt.Errorf("rebuild index %s: %w", i.name, err))
		}
	}
	if loadErr == nil && len(idx) > 0 {
		fmt.Fprintf(g.out, "    %d indexes built in %s\n", len(idx), time.Since(start).Round(time.Second))
	}
	return loadErr
}

type grower struct {
	ctx        context.Context
	d          *db.DB
	trail      *audit.Trail
	sc         Scale
	now        time.Time
	rng        *rand.Rand
	out        io.Writer
	admins     []int64
	firstCust  int64 // the first generated customer's id (with card firstCust-… see cardOf)
	custs      int
	connectors []connector
}

type connector struct {
	id       int64
	snapshot string
	unit     int64 // energy price, 1/10 000 € per kWh
}

// chunked runs fn(tx, st, i) for i in [0, n) in transactions of batch rows, with stmts
// prepared once per transaction (a statement parsed once, not once per row) as st.
func (g *grower) chunked(n int, stmts []string, fn func(tx *sql.Tx, st []*sql.Stmt, i int) error) error {
	for lo := 0; lo < n; lo += batch {
		err := g.d.CriticalTx(g.ctx, func(tx *sql.Tx) error {
			st := make([]*sql.Stmt, len(stmts))
			for k, q := range stmts {
				var err error
				if st[k], err = tx.PrepareContext(g.ctx, q); err != nil {
					return err
				}
				defer st[k].Close()
			}
			for i := lo; i < min(n, lo+batch); i++ {
				if err := fn(tx, st, i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if n > batch {
			fmt.Fprintf(g.out, "    %d/%d\r", min(n, lo+batch), n)
		}
	}
	return nil
}

func (g *grower) staff() error {
	var hash string
	if err := g.d.R.QueryRowContext(g.ctx, `SELECT password_hash FROM users WHERE email = ?`, AdminEmail).Scan(&hash); err != nil {
		return fmt.Errorf("the database has no demo admin; run serve --demo on it first: %w", err)
	}
	return g.d.CriticalTx(g.ctx, func(tx *sql.Tx) error {
		for i := 1; i <= 10; i++ {
			var id int64
			err := tx.QueryRowContext(g.ctx, `INSERT INTO users (public_id, email, name, password_hash, role, created_at) VALUES (?, ?, ?, ?, 'admin', ?)
				ON CONFLICT (email) DO UPDATE SET name = excluded.name RETURNING id`,
				fmt.Sprintf("adm_SUPPORT%03d", i), fmt.Sprintf("support%02d@chargedesk.test", i), fmt.Sprintf("Support Agent %d", i), hash, g.now.Unix()).Scan(&id)
			if err != nil {
				return err
			}
			g.admins = append(g.admins, id)
		}
		return nil
	})
}

func (g *grower) customers() error {
	var hash string
	g.d.R.QueryRowContext(g.ctx, `SELECT password_hash FROM users WHERE email = ?`, JaneEmail).Scan(&hash)
	if err := g.d.R.QueryRowContext(g.ctx, `SELECT coalesce(max(id), 0) + 1 FROM users`).Scan(&g.firstCust); err != nil {
		return err
	}
	g.custs = g.sc.Customers
	return g.chunked(g.sc.Customers, nil, func(tx *sql.Tx, _ []*sql.Stmt, i int) error {
		first, last := commonFirst[g.rng.IntN(len(commonFirst))], commonLast[g.rng.IntN(len(commonLast))]
		email := fmt.Sprintf("%s.%s%d@example.net", strings.ToLower(first), strings.ToLower(last), i)
		name := first + " " + last
		if i < g.fleets() {
			email, name = FleetEmail(i+1), fmt.Sprintf("Fleet Logistics %d GmbH", i+1)
		}
		id := g.firstCust + int64(i)
		created := g.now.Add(-time.Duration(g.rng.IntN(730*24)) * time.Hour).Unix()
		if _, err := tx.ExecContext(g.ctx, `INSERT INTO users (id, public_id, email, name, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?, 'customer', ?)`,
			id, fmt.Sprintf("cus_G%011d", i), email, name, hash, created); err != nil {
			return err
		}
		if _, err := tx.ExecContext(g.ctx, `INSERT INTO ev_cards (id, user_id, visual_number, uid, contract_id, label, created_at) VALUES (?, ?, ?, ?, ?, 'Car', ?)`,
			id+idOffset, id, fmt.Sprintf("DE-EVG-%09d", i), fmt.Sprintf("G%013X", i), fmt.Sprintf("DE*CDK*G%09d", i), created); err != nil {
			return err
		}
		_, err := tx.ExecContext(g.ctx, `INSERT INTO payment_methods (id, user_id, brand, last4, exp_month, exp_year, is_default, provider_token, created_at) VALUES (?, ?, 'Visa', '4242', 12, ?, 1, ?, ?)`,
			id+idOffset, id, g.now.Year()+3, fmt.Sprintf("tok_G%d", i), created)
		return err
	})
}

// fleets is how many fleet customers there are.
func (g *grower) fleets() int { return max(1, g.sc.Customers/20_000) }

func (g *grower) loadConnectors() error {
	rows, err := g.d.R.QueryContext(g.ctx, `SELECT id, tariff_id FROM connectors ORDER BY id`)
	if err != nil {
		return err
	}
	type ct struct{ id, tariff int64 }
	var cs []ct
	for rows.Next() {
		var c ct
		rows.Scan(&c.id, &c.tariff)
		cs = append(cs, c)
	}
	rows.Close()
	for _, c := range cs {
		t, err := charging.LoadTariff(g.ctx, queries.New(g.d.R), c.tariff)
		if err != nil {
			return err
		}
		unit := int64(4900)
		for _, e := range t.Elements {
			for _, p := range e.Components {
				if p.Type == "ENERGY" {
					unit = p.Price
				}
			}
		}
		g.connectors = append(g.connectors, connector{id: c.id, snapshot: t.OCPI().Snapshot(), unit: unit})
	}
	return nil
}

// owner is the customer of the i-th generated session: 6 % go to the fleets, the rest are
// spread over everyone.
func (g *grower) owner(i int) int64 {
	if g.custs == 0 {
		return 0
	}
	if i%100 < 6 {
		return g.firstCust + int64(i%g.fleets())
	}
	return g.firstCust + int64(g.rng.IntN(g.custs))
}

func (g *grower) sessions() error {
	if g.custs == 0 || g.sc.Sessions == 0 {
		return nil
	}
	if err := g.loadConnectors(); err != nil {
		return err
	}
	span := int64(730 * 24 * 3600)
	return g.withoutIndexes([]string{"charging_sessions", "meter_readings", "receipts", "receipt_lines"}, func() error {
		return g.chunked(g.sc.Sessions, []string{
			`INSERT INTO charging_sessions (user_id, connector_id, card_id, payment_method_id, status, started_at, charging_ended_at, stopped_at,
			meter_start_wh, meter_stop_wh, tariff_snapshot, stop_reason, ended_by) VALUES (?, ?, ?, ?, 'COMPLETED', ?, ?, ?, 0, ?, ?, 'EV disconnected', 'station') RETURNING id`,
			`INSERT INTO meter_readings (session_id, at, energy_wh, power_w) VALUES (?, ?, 0, 11000), (?, ?, ?, 0)`,
			`INSERT INTO receipts (session_id, user_id, number, status, net_cents, vat_cents, gross_cents, issued_at) VALUES (?, ?, ?, 'paid', ?, ?, ?, ?) RETURNING id`,
			`INSERT INTO receipt_lines (receipt_id, position, dimension, measured_qty, billed_qty, unit_price, vat_bp, net_cents) VALUES (?, 1, 'ENERGY', ?, ?, ?, 1900, ?)`,
		}, func(_ *sql.Tx, st []*sql.Stmt, i int) error {
			cust := g.owner(i)
			c := g.connectors[g.rng.IntN(len(g.connectors))]
			start := g.now.Unix() - span + int64(i)*span/int64(g.sc.Sessions) // in time order, like life
			dur := int64(1800 + g.rng.IntN(4*3600))
			wh := int64(5000 + g.rng.IntN(40000))
			var sid int64
			if err := st[0].QueryRowContext(g.ctx, cust, c.id, cust+idOffset, cust+idOffset, start, start+dur, start+dur, wh, c.snapshot).Scan(&sid); err != nil {
				return err
			}
			if _, err := st[1].ExecContext(g.ctx, sid, start, sid, start+dur, wh); err != nil {
				return err
			}
			net := (wh*c.unit/1000 + 50) / 100 / 119 * 100
			vat := net * 19 / 100
			var rid int64
			if err := st[2].QueryRowContext(g.ctx, sid, cust, fmt.Sprintf("R-G-%09d", i), net, vat, net+vat, start+dur).Scan(&rid); err != nil {
				return err
			}
			_, err := st[3].ExecContext(g.ctx, rid, wh, wh, c.unit, net)
			return err
		})
	})
}

// audit writes sc.Audit rows over two years in time order: 80 % logins (one in ten a
// failure), 5 % admin tools, the rest impersonations (a start, three route rows, an end).
func (g *grower) audit() error {
	if g.sc.Audit == 0 {
		return nil
	}
	return g.withoutIndexes([]string{"auth_audit", "impersonation_audit", "impersonations"}, g.auditRows)
}

// auditRows writes the audit rows of audit, a batch per transaction.
func (g *grower) auditRows() error {
	tags := []string{"admin.refund", "admin.card_reissue", "admin.reservation_restore", "admin.session_force_stop"}
	span := int64(730 * 24 * 3600)
	written := 0
	for written < g.sc.Audit {
		err := g.d.CriticalTx(g.ctx, func(tx *sql.Tx) error {
			ap, err := g.trail.Appender(g.ctx, tx)
			if err != nil {
				return err
			}
			defer ap.Close()
			for n := 0; n < batch && written < g.sc.Audit; n++ {
				at := time.Unix(g.now.Unix()-span+int64(written)*span/int64(g.sc.Audit), 0)
				cust := g.owner(written)
				if cust == 0 {
					cust = 2
				}
				switch r := g.rng.IntN(100); {
				case r < 80:
					tag := "login.success"
					if r < 8 {
						tag = "login.failure"
					}
					_, err = ap.Auth(g.ctx, at, audit.Entry{Tag: tag, Actor: cust, IP: fmt.Sprintf("10.%d.%d.%d", r, cust%250, written%250), UserAgent: "Mozilla/5.0", Metadata: map[string]any{"email": fmt.Sprintf("c%d@example.net", cust)}})
					written++
				case r < 85:
					_, err = ap.Auth(g.ctx, at, audit.Entry{Tag: tags[r%len(tags)], Actor: g.admins[r%len(g.admins)], Target: cust,
						Metadata: map[string]any{"customer_user_id": cust, "reason": "ticket follow-up", "reference": "SUP-" + strconv.Itoa(written)}})
					written++
				default:
					err = g.impersonation(tx, ap, at, g.admins[written%len(g.admins)], cust, written)
					written += 5
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(g.out, "    %d/%d\r", min(written, g.sc.Audit), g.sc.Audit)
	}
	return nil
}

func (g *grower) impersonation(tx *sql.Tx, ap *audit.Appender, at time.Time, admin, cust int64, n int) error {
	start, end := at.Unix(), at.Unix()+300
	ticket := fmt.Sprintf("SUP-%d", 10000+n)
	var id int64
	err := tx.QueryRowContext(g.ctx, `INSERT INTO impersonations (admin_user_id, customer_user_id, ticket, reason, allow_changes, started_at, expires_at, ended_at, end_via)
		VALUES (?, ?, ?, 'Customer reports a bug', 0, ?, ?, ?, 'exit') RETURNING id`, admin, cust, ticket, start, start+1800, end).Scan(&id)
	if err != nil {
		return err
	}
	if _, err := ap.Auth(g.ctx, at, audit.Entry{Tag: audit.TagImpersonationStart, Actor: admin, Target: cust, Metadata: map[string]any{
		"customer_user_id": cust, "impersonation_id": id, "ticket": ticket, "reason": "Customer reports a bug", "allow_changes": false, "expires_at": start + 1800,
	}}); err != nil {
		return err
	}
	for k, p := range []string{"/", "/sessions", "/chargers"} {
		if err := ap.Route(g.ctx, start+int64(k), audit.RouteEntry{ImpersonationID: id, Admin: admin, Customer: cust, Method: "GET", Route: p,
			Path: fmt.Sprintf("%s?as=%d", p, cust), Status: 200, Outcome: audit.Viewed}); err != nil {
			return err
		}
	}
	endRow, err := ap.Auth(g.ctx, time.Unix(end, 0), audit.Entry{Tag: audit.TagImpersonationEnd, Actor: admin, Target: cust, Metadata: map[string]any{
		"customer_user_id": cust, "impersonation_id": id, "via": "exit", "ticket": ticket, "duration_s": 300,
	}})
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(g.ctx, `UPDATE impersonations SET end_audit_id = ? WHERE id = ?`, endRow, id)
	return err
}
