package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"chargedesk/demo"
	"chargedesk/handlers"
	"chargedesk/websession"
)

func cmdServe(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	fs, dbPath := newFlags("serve [flags]", "Runs the web server. Migrates the database first; with --demo, seeds an empty one.", stdout)
	addr := fs.String("addr", envOr("CHARGEDESK_ADDR", "127.0.0.1:8080"), "listen address (env CHARGEDESK_ADDR)")
	ttl := fs.Duration("impersonation-ttl", 30*time.Minute, "how long an impersonation lasts before it ends by itself")
	withDemo := fs.Bool("demo", false, "seed the demo data when the database has no users (never touches one that has)")
	demoPassword := fs.String("demo-password", envOr("CHARGEDESK_DEMO_PASSWORD", demo.DefaultPassword), "password of every demo login (env CHARGEDESK_DEMO_PASSWORD)")
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return fmt.Errorf("unexpected argument %q", pos[0])
	}
	started := time.Now()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	d, err := openMigrated(ctx, *dbPath)
	if err != nil {
		return fmt.Errorf("open %s: %w", *dbPath, err)
	}
	defer d.Close()

	var seeded *demo.Summary
	if *withDemo {
		if seeded, err = demo.SeedIfEmpty(ctx, d, *demoPassword, time.Now()); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	key, err := websession.LoadKey(ctx, d.W, os.Getenv("CHARGEDESK_SESSION_KEY"))
	if err != nil {
		return err
	}
	if *ttl < time.Minute || *ttl > 8*time.Hour {
		return fmt.Errorf("--impersonation-ttl must be between 1m and 8h, not %s", *ttl)
	}
	app, err := handlers.New(handlers.Config{DB: d, Log: log, SessionKey: key, Version: version, ImpersonationTTL: *ttl})
	if err != nil {
		return err
	}
	app.SweepImpersonations(ctx, true) // every start has its end, even across a restart
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           app.Routes(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go app.RunMaintenance(ctx)

	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(stdout, "ChargeDesk %s listening on %s (database %s, ready in %d ms)\n", version, url, *dbPath, time.Since(started).Milliseconds())
	switch {
	case seeded != nil:
		fmt.Fprint(stdout, seeded.String())
	case *withDemo:
		fmt.Fprintf(stdout, "--demo: %s already has users, so nothing was seeded.\n", *dbPath)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped cleanly")
	return nil
}
