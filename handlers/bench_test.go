package handlers_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"chargedesk/audit"
	"chargedesk/bench"
	"chargedesk/demo"
)

// The admin console at scale: 100 000 customers and 1 000 000 audit rows (800 000 auth_audit,
// 200 000 impersonation_audit, hash-chained through the real audit writer). Run with
//
//	go test ./handlers/ -run '^$' -bench Admin -benchtime 300x
//
// Each benchmark reports p50 and p99 latency of a request through the real router.

const (
	benchCustomers  = 100_000
	benchAuthRows   = 800_000
	benchImps       = 20_000
	benchRoutesEach = 10
)

var (
	firstNames = []string{"Anna", "Ben", "Clara", "David", "Elif", "Finn", "Greta", "Hannes", "Ida", "Jonas", "Katja", "Lukas", "Mara", "Noah", "Olga", "Paul", "Rosa", "Samir", "Tara", "Ulf"}
	lastNames  = []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann"}
)

// bigApp is a test app over a database grown to benchmark size.
func bigApp(b *testing.B) (*testApp, string) {
	b.Helper()
	ta := newTestApp(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	err := ta.db.Tx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.Prepare(`INSERT INTO users (public_id, email, name, password_hash, role, created_at) VALUES (?, ?, ?, 'x', 'customer', ?)`)
		if err != nil {
			return err
		}
		for i := range benchCustomers {
			first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
			if _, err := stmt.Exec(fmt.Sprintf("cus_B%011d", i), fmt.Sprintf("%s.%s%d@example.net", strings.ToLower(first), strings.ToLower(last), i),
				first+" "+last, time.Now().Unix()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	admin := ta.userID(demo.AdminEmail)
	tags := []string{"login.success", "login.success", "login.success", "login.failure", "logout", "admin.refund", "privilege_violation"}
	err = ta.db.Tx(ctx, func(tx *sql.Tx) error {
		impStmt, err := tx.Prepare(`INSERT INTO impersonations (admin_user_id, customer_user_id, ticket, reason, allow_changes, started_at, expires_at, ended_at, end_via)
			VALUES (?, ?, ?, 'bench', 0, ?, ?, ?, 'exit')`)
		if err != nil {
			return err
		}
		at := time.Now().Add(-365 * 24 * time.Hour)
		imps := 0
		for i := range benchAuthRows {
			at = at.Add(30 * time.Second)
			cust := int64(20 + rng.IntN(benchCustomers-10))
			e := audit.Entry{Tag: tags[rng.IntN(len(tags))], Actor: cust, IP: "10.0.0.1", Metadata: map[string]any{"email": "x@example.net"}}
			if i%(benchAuthRows/benchImps) == 0 && imps < benchImps {
				res, err := impStmt.Exec(admin, cust, fmt.Sprintf("SUP-%d", i), at.Unix(), at.Add(30*time.Minute).Unix(), at.Add(5*time.Minute).Unix())
				if err != nil {
					return err
				}
				imp, _ := res.LastInsertId()
				imps++
				e = audit.Entry{Tag: audit.TagImpersonationStart, Actor: admin, Target: cust, Metadata: map[string]any{"customer_user_id": cust, "impersonation_id": imp}}
				for r := range benchRoutesEach {
					if _, err := ta.trail.WriteRoute(ctx, tx, at.Unix()+int64(r), audit.RouteEntry{ImpersonationID: imp, Admin: admin, Customer: cust,
						Method: "GET", Route: "/sessions", Path: "/sessions", Status: 200, Outcome: audit.Viewed}); err != nil {
						return err
					}
				}
			}
			if _, err := ta.trail.Write(ctx, tx, at, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ta.db.W.Exec(`ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("grew the database to %d customers, %d auth_audit and %d impersonation_audit rows in %s",
		ta.count(`SELECT count(*) FROM users`), ta.count(`SELECT count(*) FROM auth_audit`), ta.count(`SELECT count(*) FROM impersonation_audit`), time.Since(start).Round(time.Second))
	return ta, loginCookie(b, ta)
}

func loginCookie(b *testing.B, ta *testApp) string {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"email": {demo.AdminEmail}, "password": {demo.DefaultPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	ta.app.Routes().ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == "chargedesk_session" {
			return c.Name + "=" + c.Value
		}
	}
	b.Fatal("no session cookie")
	return ""
}

// measure runs the requests round-robin through the router and reports p50/p99.
func measure(b *testing.B, ta *testApp, cookie string, paths []string, header ...string) {
	h := ta.app.Routes()
	var took []time.Duration
	i := 0
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, paths[i%len(paths)], nil)
		req.Header.Set("Cookie", cookie)
		for j := 0; j+1 < len(header); j += 2 {
			req.Header.Set(header[j], header[j+1])
		}
		rec := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(rec, req)
		took = append(took, time.Since(t0))
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d", paths[i%len(paths)], rec.Code)
		}
		i++
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
}

func BenchmarkAdminAtScale(b *testing.B) {
	ta, cookie := bigApp(b)
	b.Run("search", func(b *testing.B) {
		measure(b, ta, cookie, []string{
			"/admin/customers?q=Schmidt",          // name substring, thousands of matches, first page
			"/admin/customers?q=anna.m",           // email prefix
			"/admin/customers?q=cus_B00000054321", // Public ID
			"/admin/customers?q=lara",             // name substring inside "Clara"
			"/admin/customers?q=zzz",              // nothing
		})
	})
	b.Run("audit-page", func(b *testing.B) {
		measure(b, ta, cookie, []string{"/admin/audit", "/admin/audit?tag=admin.refund", "/admin/audit?tag=admin.*", "/admin/audit?user=500", "/admin/audit?impersonation=777"})
	})
	b.Run("audit-json", func(b *testing.B) {
		measure(b, ta, cookie, []string{"/admin/audit", "/admin/audit?user=1", "/admin/audit?tag=impersonation.start"}, "Accept", "application/json")
	})
}

// The customer pages on the demo database, through the real router, one at a time: CPU and
// allocations per request (-benchmem), for working on the request path. Run with
//
//	go test ./handlers/ -run '^$' -bench CustomerPages -benchmem
func BenchmarkCustomerPages(b *testing.B) {
	ta := newTestApp(b)
	c := ta.client()
	c.login(demo.JaneEmail)
	cookie := c.cookie()
	admin := adminClient(b, ta)
	jane := ta.userID(demo.JaneEmail)
	if r := admin.startImpersonating(jane, "SUP-1", false); r.status != http.StatusSeeOther {
		b.Fatalf("impersonating: %d", r.status)
	}
	staff := admin.cookie()
	h := ta.app.Routes()
	anchor := bench.Anchor(ta.db.R) // the bare page: one indexed query and html/template in Gin
	b.Run("anchor", func(b *testing.B) {
		for b.Loop() {
			rec := httptest.NewRecorder()
			anchor.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/anchor", nil))
			if rec.Code != http.StatusOK {
				b.Fatalf("anchor: %d", rec.Code)
			}
		}
	})
	for _, path := range []string{"/", fmt.Sprintf("/?as=%d", jane), "/activity", "/sessions", "/cards"} {
		who := cookie
		if strings.Contains(path, "as=") {
			who = staff
		}
		b.Run(strings.TrimPrefix(path, "/"), func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.Host = "localhost"
				req.Header.Set("Cookie", "chargedesk_session="+who)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", path, rec.Code)
				}
			}
		})
	}
}
