package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"chargedesk/app"
	"chargedesk/audit"
	"chargedesk/bench"
	"chargedesk/db"
	"chargedesk/demo"
	"chargedesk/queries"
	"chargedesk/websession"
)

// cmdBench is `chargedesk bench`: it serves the database in this process and measures the
// pages support and drivers use most, each beside the bare-page anchor, and prints a table.
func cmdBench(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dbPath := newFlags("bench [--conns 32] [--duration 5s] [--pages a,b]", "Measures pages under load (a closed loop of --conns clients for --duration each) against a bare-page anchor\n(one indexed query of 20 rows and html/template through Gin), in this process, on a copy-safe read of DB.\nGrow a big database first with: chargedesk demo --scale customers=100000,sessions=5000000,audit=10000000 --db big.db", stdout)
	conns := fs.Int("conns", 32, "requests in flight")
	dur := fs.Duration("duration", 5*time.Second, "how long each page is measured (in all rounds together)")
	rounds := fs.Int("rounds", 3, "measure the pages in this many interleaved rounds (duration/rounds each), so that a\nslow spell of the machine falls on every page rather than on one")
	only := fs.String("pages", "", "measure only these pages (comma-separated names from the table)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the measured pages (the anchor included) to this file")
	writes := fs.Duration("writes", 0, "instead of pages, measure audited writes for this long (e.g. 20s): --writers goroutines each\ncommitting one impersonation_audit row per transaction, as an impersonated request does;\nthe rows are appended to DB's audit trail")
	writers := fs.Int("writers", 16, "concurrent writers for --writes")
	chargers := fs.Int("chargers", 0, "while the pages are measured, N simulated charge points are connected over OCPP 1.6J\n(loopback), each charging with MeterValues every --meter-every and a heartbeat every 30 s\n(registered in DB the first time: LOAD-00001…, with a driver each); then their OCPP calls'\nlatency is printed, and a reconnect storm is measured (all dropped and back at once)")
	meterEvery := fs.Duration("meter-every", 60*time.Second, "how often each of the --chargers sends MeterValues")
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return fmt.Errorf("unexpected argument %q", pos[0])
	}
	if _, err := os.Stat(*dbPath); err != nil {
		return fmt.Errorf("%w (grow one with chargedesk demo --scale …)", err)
	}
	d, keyless, err := openMigrated(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer d.Close()
	trail, _, err := openTrail(ctx, d, auditKeyFile("", *dbPath), audit.CheckpointFileFor(*dbPath), keyless)
	if err != nil {
		return err
	}
	key, err := websession.LoadKey(ctx, d.W, os.Getenv("CHARGEDESK_SESSION_KEY"))
	if err != nil {
		return err
	}
	svc, err := app.Build(app.Options{DB: d, Trail: trail, Log: slog.New(slog.DiscardHandler), SessionKey: key, Version: version})
	if err != nil {
		return err
	}
	var connected atomic.Int64
	svc.Central.Server.CountChanged = func(n int) { connected.Store(int64(n)); chargePointsConnected(n) }
	base, stopApp, err := serveLocal(svc.HTTP.Routes())
	if err != nil {
		return err
	}
	defer stopApp()
	anchor, stopAnchor, err := serveLocal(bench.Anchor(d.R))
	if err != nil {
		return err
	}
	defer stopAnchor()
	pages, err := benchPages(ctx, d, base, anchor+"/anchor")
	if err != nil {
		return err
	}
	if *writes > 0 {
		if *profile != "" {
			stop, err := startProfile(*profile)
			if err != nil {
				return err
			}
			defer stop()
		}
		return benchWrites(ctx, d, trail, *writers, *writes, stdout)
	}
	var fleet *fleetProcess
	if *chargers > 0 {
		t0 := time.Now()
		runtime.GC()
		before := rssKB()
		if fleet, err = startFleet(*dbPath, "ws"+strings.TrimPrefix(base, "http")+"/ocpp/1.6", *chargers, *meterEvery); err != nil {
			return err
		}
		defer func() {
			if fleet != nil {
				fleet.stop()
			}
		}()
		runtime.GC()
		fmt.Fprintf(stdout, "%d charge points (another process, `chargedesk fleet`) connected and charging in %.1f s: OCPP 1.6J over loopback,\nMeterValues every %s, heartbeat every 30 s; this process's memory grew by %.1f kB per connected charge point\n",
			*chargers, time.Since(t0).Seconds(), *meterEvery, float64(rssKB()-before)/float64(*chargers))
		fleet.ask("mark") // the calls measured from here are the steady state's
	}
	usage := cpuTime()
	var fleetCPU time.Duration
	if fleet != nil {
		fleetCPU = fleet.cpu()
	}
	wall := time.Now()
	fmt.Fprintf(stdout, "%d connections, %s per page in %d interleaved rounds, database %s\n\n", *conns, *dur, max(1, *rounds), *dbPath)
	fmt.Fprintf(stdout, "%-26s %10s %9s %9s %9s %7s\n", "page", "req/s", "p50 ms", "p99 ms", "× anchor", "errors")
	var measured []bench.Page
	for _, p := range pages {
		if *only == "" || p.Name == "anchor" || strings.Contains(","+*only+",", ","+p.Name+",") {
			measured = append(measured, p)
		}
	}
	if *profile != "" {
		stop, err := startProfile(*profile) // the anchor's share is in it too
		if err != nil {
			return err
		}
		defer stop()
	}
	*rounds = max(1, *rounds)
	results := make([][]bench.Result, len(measured))
	for range *rounds {
		for i, p := range measured {
			results[i] = append(results[i], bench.Run(ctx, p, *conns, *dur/time.Duration(*rounds)))
		}
	}
	var anchorRate float64
	for i, p := range measured {
		r := bench.Merge(results[i]...)
		if p.Name == "anchor" {
			anchorRate = r.PerSecond
		}
		fmt.Fprintf(stdout, "%-26s %10.0f %9.2f %9.2f %9.2f %7d\n", p.Name, r.PerSecond, ms(r.P50), ms(r.P99), r.PerSecond/anchorRate, r.Errs)
	}
	impersonationCost(stdout, measured, results)
	fmt.Fprintf(stdout, "\nmemory (server, anchor and load generator in one process): %s\n", memoryStatus())
	elapsed := time.Since(wall).Seconds()
	fmt.Fprintf(stdout, "CPU while measuring: this process (server, anchor, load generator) %.2f of %d cores", (cpuTime()-usage).Seconds()/elapsed, runtime.NumCPU())
	if fleet != nil {
		fmt.Fprintf(stdout, "; the charge points' process %.2f (RSS %s)", (fleet.cpu()-fleetCPU).Seconds()/elapsed, fleet.rss())
		n := connected.Load()
		fmt.Fprintf(stdout, "\nOCPP calls in the steady state (the fleet's round trips, ms): %s", strings.TrimPrefix(fleet.ask("calls"), "calls "))
		fmt.Fprintf(stdout, "\nreconnect storm: all %d dropped at once; back (connected, booted, connectors reported), ms: %s", *chargers, strings.TrimPrefix(fleet.ask("storm"), "storm "))
		if !fleet.lines.Scan() {
			fmt.Fprint(stdout, " (no answer)")
		} else {
			fmt.Fprintf(stdout, "\n  OCPP calls during the storm, ms: %s", strings.TrimPrefix(fleet.lines.Text(), "calls "))
		}
		fmt.Fprintf(stdout, "\nmemory after the storm: %s", memoryStatus())
		last := fleet.stop()
		fleet = nil
		fmt.Fprintf(stdout, "\ncharge points: %d of %d connected before the storm; the fleet says %q (a boot after the first is a reconnect)", n, *chargers, last)
	}
	fmt.Fprintln(stdout)
	return nil
}

// impersonationCost prints the impersonated home's throughput over the plain home's, overall
// and round by round: the two are measured back to back in each round, so a round's ratio is
// the least disturbed by the machine's slow spells, and the spread shows how far to trust it.
func impersonationCost(stdout io.Writer, pages []bench.Page, results [][]bench.Result) {
	home := slices.IndexFunc(pages, func(p bench.Page) bool { return p.Name == "home" })
	imp := slices.IndexFunc(pages, func(p bench.Page) bool { return p.Name == "home-impersonated" })
	if home < 0 || imp < 0 {
		return
	}
	var rounds []string
	var ratios []float64
	for r := range results[home] {
		ratios = append(ratios, results[imp][r].PerSecond/results[home][r].PerSecond)
		rounds = append(rounds, fmt.Sprintf("%.3f", ratios[r]))
	}
	slices.Sort(ratios)
	fmt.Fprintf(stdout, "\nhome-impersonated ÷ home: %.3f overall, median round %.3f (round by round: %s)\n",
		bench.Merge(results[imp]...).PerSecond/bench.Merge(results[home]...).PerSecond, ratios[len(ratios)/2], strings.Join(rounds, ", "))
}

// cpuTime is the CPU this process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchWrites measures audited writes: each writer commits one route row of the bench's
// impersonation per transaction through the group-commit writer, as an impersonated request
// does, for dur; then it prints the rate, the latency and the process's peak memory.
func benchWrites(ctx context.Context, d *db.DB, trail *audit.Trail, writers int, dur time.Duration, stdout io.Writer) error {
	var imp, admin, cust int64
	err := d.R.QueryRowContext(ctx, `SELECT id, admin_user_id, customer_user_id FROM impersonations WHERE ended_at IS NULL AND ticket = 'BENCH-1' ORDER BY id DESC LIMIT 1`).Scan(&imp, &admin, &cust)
	if err != nil {
		return fmt.Errorf("the bench impersonation: %w", err)
	}
	w, err := queries.Prepare(ctx, d.W)
	if err != nil {
		return err
	}
	trail = trail.WithPrepared(w)
	var sync string
	d.W.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync)
	var n atomic.Int64
	batches := d.Batches()
	r := bench.Loop(ctx, writers, dur, func(ctx context.Context) error {
		i := n.Add(1)
		return d.CriticalTx(ctx, func(tx *sql.Tx) error {
			_, err := trail.WriteRoute(ctx, tx, time.Now().Unix(), audit.RouteEntry{ImpersonationID: imp, Admin: admin, Customer: cust,
				Method: http.MethodGet, Route: "/sessions/:id", Path: fmt.Sprintf("/sessions/%d?as=%d", i, cust), Status: http.StatusOK, Outcome: audit.Viewed})
			return err
		})
	})
	fmt.Fprintf(stdout, "audited writes: %d writers for %s, synchronous=%s (2 = FULL)\n", writers, dur, sync)
	fmt.Fprintf(stdout, "%.0f writes/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms, %d errors, %.1f writes per commit\n",
		r.PerSecond, ms(r.P50), ms(r.P99), ms(r.Max), r.Errs, float64(r.Requests)/float64(max(1, d.Batches()-batches)))
	fmt.Fprintf(stdout, "memory: %s\n", memoryStatus())
	return nil
}

// procStatus is the value of field (VmRSS, VmHWM…) in a process's /proc status file
// ("/proc/self/status"), e.g. "84 128 kB", or "unknown" (not Linux, or the process is gone).
func procStatus(file, field string) string {
	b, err := os.ReadFile(file)
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// rssKB is this process's resident memory in kB, or 0 where that is unknown.
func rssKB() int64 {
	n, _ := strconv.ParseInt(strings.TrimSuffix(procStatus("/proc/self/status", "VmRSS"), " kB"), 10, 64)
	return n
}

// memoryStatus is the process's resident memory now and at its peak (Linux), and the Go
// runtime's share of it.
func memoryStatus() string {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return fmt.Sprintf("RSS %s, peak RSS %s (Go runtime holds %d MB of it, its heap %d MB in use, goroutine stacks %d MB)",
		procStatus("/proc/self/status", "VmRSS"), procStatus("/proc/self/status", "VmHWM"), m.Sys>>20, m.HeapInuse>>20, m.StackInuse>>20)
}

// startProfile starts the CPU profiler into path; the returned func stops it and closes the file.
func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// serveLocal serves h on a loopback port and returns its base URL.
func serveLocal(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// benchPages logs in the biggest fleet customer (or Jane) and a support agent impersonating
// them, and lists the pages to measure.
func benchPages(ctx context.Context, d *db.DB, base, anchor string) ([]bench.Page, error) {
	driver := demo.FleetEmail(1)
	var cust, session, receipt int64
	if err := d.R.QueryRowContext(ctx, `SELECT id FROM users WHERE email = ?`, driver).Scan(&cust); err != nil {
		driver = demo.JaneEmail
		if err := d.R.QueryRowContext(ctx, `SELECT id FROM users WHERE email = ?`, driver).Scan(&cust); err != nil {
			return nil, errors.New("the database has neither a fleet customer nor Jane: grow it with chargedesk demo --scale …")
		}
	}
	d.R.QueryRowContext(ctx, `SELECT id FROM charging_sessions WHERE user_id = ? ORDER BY started_at DESC LIMIT 1`, cust).Scan(&session)
	d.R.QueryRowContext(ctx, `SELECT id FROM receipts WHERE user_id = ? ORDER BY issued_at DESC LIMIT 1`, cust).Scan(&receipt)
	customer, err := benchLogin(base, driver)
	if err != nil {
		return nil, err
	}
	admin := "support01@chargedesk.test"
	if err := d.R.QueryRowContext(ctx, `SELECT 1 FROM users WHERE email = ?`, admin).Scan(new(int)); err != nil {
		admin = demo.AdminEmail
	}
	var adminID int64
	d.R.QueryRowContext(ctx, `SELECT id FROM users WHERE email = ?`, admin).Scan(&adminID)
	staff, err := benchLogin(base, admin)
	if err != nil {
		return nil, err
	}
	if err := benchImpersonate(base, staff, cust); err != nil {
		return nil, err
	}
	year := time.Now().AddDate(-1, 0, 0)
	as := fmt.Sprintf("?as=%d", cust)
	json := staff.Clone()
	json.Set("Accept", "application/json")
	return []bench.Page{
		{Name: "anchor", URL: anchor},
		{Name: "home", URL: base + "/", Header: customer},
		{Name: "home-impersonated", URL: base + "/" + as, Header: staff},
		{Name: "activity", URL: base + "/activity", Header: customer},
		{Name: "search-jane", URL: base + "/admin/customers?q=jane", Header: staff},
		{Name: "admin-customer", URL: fmt.Sprintf("%s/admin/customers/%d", base, cust), Header: staff},
		{Name: "audit-admin-family", URL: base + "/admin/audit?tag=admin.*", Header: staff},
		{Name: "audit-year-ago", URL: base + "/admin/audit?from=" + year.Format("2006-01-02") + "&to=" + year.AddDate(0, 0, 7).Format("2006-01-02"), Header: staff},
		{Name: "audit-first-page", URL: base + "/admin/audit", Header: staff},
		{Name: "audit-user-tag", URL: fmt.Sprintf("%s/admin/audit?user=%d&tag=admin.*", base, adminID), Header: staff},
		{Name: "audit-json", URL: base + "/admin/audit", Header: json},
		{Name: "receipt", URL: fmt.Sprintf("%s/receipts/%d", base, receipt), Header: customer},
		{Name: "session", URL: fmt.Sprintf("%s/sessions/%d", base, session), Header: customer},
	}, nil
}

// benchLogin logs in with the demo password and returns the session cookie as a header.
func benchLogin(base, email string) (http.Header, error) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.PostForm(base+"/login", url.Values{"email": {email}, "password": {demo.DefaultPassword}})
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("log in as %s: %s (does the database use the demo password?)", email, res.Status)
	}
	h := http.Header{}
	for _, c := range res.Cookies() {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	return h, nil
}

func benchImpersonate(base string, staff http.Header, cust int64) error {
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	end, _ := http.NewRequest(http.MethodPost, base+"/api/customer/impersonation/end", nil)
	end.Header = staff.Clone()
	if res, err := hc.Do(end); err == nil {
		res.Body.Close()
	}
	form := url.Values{"customer_user_id": {fmt.Sprint(cust)}, "ticket": {"BENCH-1"}, "reason": {"Benchmark of the impersonated pages"}}
	req, _ := http.NewRequest(http.MethodPost, base+"/api/customer/impersonation/start", strings.NewReader(form.Encode()))
	req.Header = staff.Clone()
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("start impersonating: %s", res.Status)
	}
	return nil
}
