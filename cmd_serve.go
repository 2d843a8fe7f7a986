package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"chargedesk/format"
	"chargedesk/handlers"
	"chargedesk/mail"
	"chargedesk/queries"
	"chargedesk/replica"
	"chargedesk/sso"

	"chargedesk/app"
	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/demo"
	"chargedesk/websession"
)

func cmdServe(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	fs, dbPath := newFlags("serve [flags]", "Runs the web server. Migrates the database first; with --demo, seeds an empty one.", stdout)
	addr := fs.String("addr", envOr("CHARGEDESK_ADDR", "127.0.0.1:8080"), "listen address (env CHARGEDESK_ADDR)")
	ttl := fs.Duration("impersonation-ttl", 30*time.Minute, "how long an impersonation lasts before it ends by itself")
	impMax := fs.Duration("impersonation-max", 2*time.Hour, "how long after its start an impersonation may run when support extends it (each extension adds --impersonation-ttl)")
	sessionMax := fs.Duration("session-max", 12*time.Hour, "a login ends after this long, used or not")
	sessionIdle := fs.Duration("session-idle", 30*time.Minute, "a login not used for this long ends")
	impIdle := fs.Duration("impersonation-idle", 10*time.Minute, "an impersonation with no request for this long ends (end_via idle); default the shorter of 10m and --impersonation-ttl")
	withDemo := fs.Bool("demo", false, "seed the demo data when the database has no users (never touches one that has)")
	demoPassword := fs.String("demo-password", envOr("CHARGEDESK_DEMO_PASSWORD", demo.DefaultPassword), "password of every demo login (env CHARGEDESK_DEMO_PASSWORD)")
	keyFile := fs.String("audit-key-file", "", "the audit key, created (mode 0600) on first start; keep a copy elsewhere (env CHARGEDESK_AUDIT_KEY_FILE; default DB.audit-key)")
	retention := fs.String("audit-retention", envOr("CHARGEDESK_AUDIT_RETENTION", ""), "prune audit rows older than this, e.g. 730d (days) or 17520h, archived first to --audit-archive (and the replica); default: keep every row (env CHARGEDESK_AUDIT_RETENTION)")
	archiveDir := fs.String("audit-archive", envOr("CHARGEDESK_AUDIT_ARCHIVE", ""), "directory of the signed archive segments of pruned audit rows (default DB.audit-archive)")
	cpFile := fs.String("audit-checkpoints", envOr("CHARGEDESK_AUDIT_CHECKPOINTS", ""), "file that receives every signed audit checkpoint, to ship off the machine (env CHARGEDESK_AUDIT_CHECKPOINTS; default DB.audit-checkpoints)")
	ticketURL := fs.String("ticket-url", envOr("CHARGEDESK_TICKET_URL", ""), "link every ticket id to your ticket system, {ticket} where the id goes, e.g. https://desk.example.com/tickets/{ticket} (env CHARGEDESK_TICKET_URL)")
	publicURL := fs.String("public-url", envOr("CHARGEDESK_PUBLIC_URL", ""), "the address people use, e.g. https://support.example.com (env CHARGEDESK_PUBLIC_URL); its host is allowed")
	allowedHosts := fs.String("allowed-hosts", envOr("CHARGEDESK_ALLOWED_HOSTS", ""), "more host names to answer to, comma-separated (env CHARGEDESK_ALLOWED_HOSTS); always: localhost, 127.0.0.1 and the host of --addr")
	webhookURL := fs.String("webhook-url", envOr("CHARGEDESK_WEBHOOK_URL", ""), "send every impersonation and admin event here as a signed JSON POST (env CHARGEDESK_WEBHOOK_URL)")
	smtpURL := fs.String("smtp-url", envOr("CHARGEDESK_SMTP_URL", ""), "send notices by email through this server: smtp://user:password@host:587 (STARTTLS), smtps://… (TLS), ?tls=none for a local relay (env CHARGEDESK_SMTP_URL; prefer the variable: flags show in ps); without it, email notices are off")
	mailFrom := fs.String("mail-from", envOr("CHARGEDESK_MAIL_FROM", ""), "the address notices come from, e.g. \"ChargeDesk <support@example.com>\" (env CHARGEDESK_MAIL_FROM; needed with --smtp-url)")
	webhookSecret := fs.String("webhook-secret", envOr("CHARGEDESK_WEBHOOK_SECRET", ""), "the secret that signs the webhooks, at least 16 characters (env CHARGEDESK_WEBHOOK_SECRET)")
	requireMFA := fs.Bool("require-staff-mfa", true, "staff sign in with a second factor (passkey or authenticator app) and reach nothing but enrolling one until they have it; --demo turns it off unless given")
	stepUpWindow := fs.Duration("step-up-window", 15*time.Minute, "how long a second factor used counts for the sensitive actions (impersonation, approvals, admin tools, staff, settings)")
	oidcIssuer := fs.String("oidc-issuer", envOr("CHARGEDESK_OIDC_ISSUER", ""), "single sign-on for staff: the OpenID Connect provider, e.g. https://login.example.com (env CHARGEDESK_OIDC_ISSUER)")
	oidcClient := fs.String("oidc-client-id", envOr("CHARGEDESK_OIDC_CLIENT_ID", ""), "ChargeDesk's client id at the provider (env CHARGEDESK_OIDC_CLIENT_ID)")
	oidcSecret := fs.String("oidc-client-secret", envOr("CHARGEDESK_OIDC_CLIENT_SECRET", ""), "ChargeDesk's client secret at the provider (env CHARGEDESK_OIDC_CLIENT_SECRET; prefer the variable: flags show in ps)")
	oidcTrustMFA := fs.Bool("oidc-trust-mfa", false, "count the provider's amr/acr saying it checked a second factor as ChargeDesk's second factor")
	staffPasswords := fs.String("staff-password-login", "on", "on, or off to leave single sign-on as the only way in for staff")
	tlsCert := fs.String("tls-cert", envOr("CHARGEDESK_TLS_CERT", ""), "serve HTTPS with this certificate (PEM; with --tls-key; env CHARGEDESK_TLS_CERT); HSTS is sent")
	tlsKey := fs.String("tls-key", envOr("CHARGEDESK_TLS_KEY", ""), "the certificate's private key (PEM; env CHARGEDESK_TLS_KEY)")
	var proxies []netip.Prefix
	fs.Func("trusted-proxy", "a proxy (IP or CIDR, repeatable or comma-separated) whose X-Forwarded-For and X-Forwarded-Proto are believed; none by default", func(v string) error {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			p, err := netip.ParsePrefix(part)
			if err != nil {
				a, aerr := netip.ParseAddr(part)
				if aerr != nil {
					return fmt.Errorf("%q is not an IP address or a CIDR like 10.0.0.0/8", part)
				}
				p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
			}
			proxies = append(proxies, p.Masked())
		}
		return nil
	})
	var replicaURL string
	fs.Func("replica", "replicate the database continuously to file:///path or s3://bucket/prefix?endpoint=… (Litestream; AWS_* credentials from the environment; env CHARGEDESK_REPLICA)", func(v string) error {
		if replicaURL != "" {
			return errors.New("one --replica per server (Litestream keeps one replica per database)")
		}
		replicaURL = v
		return nil
	})
	metricsAddr := fs.String("metrics-addr", envOr("CHARGEDESK_METRICS_ADDR", ""), "also serve /metrics (Prometheus text, no login) on this address, e.g. 127.0.0.1:9100; staff see it at /metrics anyway")
	logFormat := fs.String("log-format", envOr("CHARGEDESK_LOG_FORMAT", "text"), "text or json (one slog record per line on stderr)")
	reserveMB := fs.Int64("disk-reserve-mb", db.DefaultReserve>>20, "free disk space (MB) kept for audit rows and impersonation ends; below it ordinary writes are refused")
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return fmt.Errorf("unexpected argument %q", pos[0])
	}
	noMFAReason := ""
	if !*requireMFA {
		noMFAReason = "turned off with --require-staff-mfa=false"
	}
	if *withDemo && !flagGiven(fs, "require-staff-mfa") {
		*requireMFA, noMFAReason = false, "demo"
	}
	keep, err := audit.ParseRetention(*retention)
	if err != nil {
		return badInput{err}
	}
	var mailer *mail.Sender
	if *smtpURL != "" {
		m, err := mail.Parse(*smtpURL, *mailFrom)
		if err != nil {
			return badInput{err}
		}
		mailer = m
	}
	if err := handlers.CheckTicketURL(*ticketURL); err != nil {
		return badInput{err}
	}
	if err := checkLifetimes(fs, lifetimes{sessionIdle, sessionMax, ttl, impIdle, impMax}); err != nil {
		return badInput{err}
	}
	if *stepUpWindow < time.Minute || *stepUpWindow > 12*time.Hour {
		return fmt.Errorf("--step-up-window must be between 1m and 12h, not %s", *stepUpWindow)
	}
	var provider *sso.Provider
	if *oidcIssuer != "" || *oidcClient != "" || *oidcSecret != "" {
		var err error
		if provider, err = sso.New(sso.Config{Issuer: *oidcIssuer, ClientID: *oidcClient, ClientSecret: *oidcSecret, TrustMFA: *oidcTrustMFA}); err != nil {
			return badInput{err}
		}
	}
	var noStaffPasswords bool
	switch *staffPasswords {
	case "on", "true":
	case "off", "false":
		if provider == nil {
			return badInput{errors.New("--staff-password-login off needs single sign-on (--oidc-issuer, --oidc-client-id, --oidc-client-secret): otherwise no staff member could sign in")}
		}
		noStaffPasswords = true
	default:
		return badInput{fmt.Errorf("--staff-password-login must be on or off, not %q", *staffPasswords)}
	}
	if replicaURL == "" {
		replicaURL = os.Getenv("CHARGEDESK_REPLICA")
	}
	if replicaURL != "" {
		if err := replica.Check(replicaURL); err != nil {
			return badInput{err}
		}
	}
	switch *logFormat {
	case "text":
	case "json":
		log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	default:
		return badInput{fmt.Errorf("--log-format must be text or json, not %q", *logFormat)}
	}
	if *metricsAddr != "" {
		if _, err := net.ResolveTCPAddr("tcp", *metricsAddr); err != nil {
			return badInput{fmt.Errorf("--metrics-addr %q is not an address to listen on: %v", *metricsAddr, err)}
		}
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return badInput{errors.New("--tls-cert and --tls-key go together: give both, or neither")}
	}
	if *tlsCert != "" {
		if _, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey); err != nil {
			return badInput{fmt.Errorf("--tls-cert/--tls-key: %v", err)}
		}
	}
	if _, err := net.ResolveTCPAddr("tcp", *addr); err != nil {
		return badInput{fmt.Errorf("--addr %q is not an address to listen on (host:port, e.g. 127.0.0.1:8080): %v", *addr, err)}
	}
	started := time.Now()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *reserveMB < 0 {
		return fmt.Errorf("--disk-reserve-mb must be 0 or more, not %d", *reserveMB)
	}
	before, err := db.MigrateFrom(*dbPath)
	if err != nil {
		return fmt.Errorf("open %s: %w", *dbPath, err)
	}
	reserve := *reserveMB << 20
	if reserve == 0 {
		reserve = -1 // no reserve
	}
	d, err := db.OpenWith(ctx, *dbPath, db.Options{Reserve: reserve})
	if err != nil {
		return fmt.Errorf("open %s: %w", *dbPath, err)
	}
	defer d.Close()
	if *cpFile == "" {
		*cpFile = audit.CheckpointFileFor(*dbPath)
	}
	trail, newKey, err := openTrail(ctx, d, auditKeyFile(*keyFile, *dbPath), *cpFile, before < db.KeyedSchema)
	if err != nil {
		return err
	}

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
	if *webhookURL != "" {
		if u, err := url.Parse(*webhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--webhook-url must be an http or https address, not %q", *webhookURL)
		}
		if len(*webhookSecret) < 16 {
			return errors.New("--webhook-url needs --webhook-secret (or CHARGEDESK_WEBHOOK_SECRET) of at least 16 characters to sign the events")
		}
	}
	hosts, err := serveHosts(*addr, *publicURL, *allowedHosts)
	if err != nil {
		return err
	}
	var rep *replica.Replicator
	if replicaURL != "" {
		if rep, err = replica.Start(ctx, *dbPath, replicaURL, log); err != nil {
			return err
		}
		defer rep.Close(context.Background()) // after the server and the housekeeping stopped: ships what is left
	}
	var repStatus handlers.Replica
	if rep != nil {
		repStatus = rep
		// The checkpoint file (public evidence) goes to the replica too, whenever it grew.
		shipped := int64(-1)
		ship := func() {
			st, err := os.Stat(*cpFile)
			if err != nil || st.Size() == shipped {
				return
			}
			if err := replica.ShipEvidence(context.Background(), replicaURL, *cpFile, replica.CheckpointsName); err != nil {
				log.Warn("replica: the checkpoint file could not be shipped", "err", err)
				return
			}
			shipped = st.Size()
		}
		ship()
		go func() {
			t := time.NewTicker(15 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					ship()
					if st, err := rep.Status(ctx); err != nil {
						log.Warn("replica: its position could not be read", "replica", replicaURL, "err", err)
					} else if st.Behind > 200 {
						log.Warn("replica: lagging", "replica", replicaURL, "transactions_behind", st.Behind)
					}
				}
			}
		}()
		defer ship() // the last checkpoint, written at shutdown
	}
	if *archiveDir == "" {
		*archiveDir = *dbPath + ".audit-archive"
	}
	var ship func(context.Context, string) error
	if replicaURL != "" {
		ship = func(ctx context.Context, local string) error {
			return replica.ShipEvidence(ctx, replicaURL, local, "audit-archive/"+filepath.Base(local))
		}
	}
	svc, err := app.Build(app.Options{DB: d, Trail: trail, CheckpointFile: *cpFile, Log: log, Version: version,
		AuditRetention: keep, AuditArchive: *archiveDir, ShipArchive: ship,
		SessionKey: key, SessionMaxAge: *sessionMax, SessionIdle: *sessionIdle,
		ImpersonationTTL: *ttl, ImpersonationMax: *impMax, ImpersonationIdle: *impIdle,
		Hosts: hosts, WebhookURL: *webhookURL, WebhookSecret: []byte(*webhookSecret), Mail: mailer,
		RequireStaffMFA: *requireMFA, StepUpWindow: *stepUpWindow, NoMFAReason: noMFAReason,
		SSO: provider, NoStaffPasswords: noStaffPasswords, PublicURL: *publicURL, TicketURL: *ticketURL, TrustedProxies: proxies, Replica: repStatus})
	if err != nil {
		return err
	}
	svc.Central.Server.CountChanged = chargePointsConnected
	svc.Guard.Sweep(ctx, true) // every start has its end, even across a restart
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           svc.HTTP.Routes(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	maintained := make(chan struct{})
	go func() { svc.Tasks.Run(ctx, 0); close(maintained) }()
	if mailer != nil {
		go mailer.Run(ctx, d, time.Now, log)
	}
	if svc.Hooks != nil {
		go svc.Hooks.Run(ctx, d, time.Now, log)
	}

	scheme := "http"
	if *tlsCert != "" {
		scheme = "https"
	}
	url := scheme + "://" + ln.Addr().String() + "/"
	fmt.Fprintf(stdout, "ChargeDesk %s listening on %s (database %s, ready in %d ms)\n", version, url, *dbPath, time.Since(started).Milliseconds())
	switch {
	case seeded != nil:
		fmt.Fprint(stdout, seeded.String())
	case *withDemo:
		fmt.Fprintf(stdout, "--demo: %s already has users, so nothing was seeded.\n", *dbPath)
		if n, err := queries.New(d.R).CountUsersByEmail(ctx, demo.AdminEmail); err == nil && n == 1 {
			fmt.Fprint(stdout, demo.Logins(*demoPassword)) // the demo from an earlier start: its logins still work
		}
	}
	if rep != nil {
		fmt.Fprintf(stdout, "Replicating continuously to %s (position in /healthz and /metrics; restore with chargedesk restore --replica URL OUT.db).\n", replicaURL)
	}
	if *requireMFA {
		fmt.Fprintf(stdout, "Staff sign in with a second factor (--require-staff-mfa); sensitive actions ask for it again after %s (--step-up-window).\n", format.Span(*stepUpWindow))
	} else {
		fmt.Fprintf(stdout, "Second factor not required for staff (%s).\n", noMFAReason)
	}
	if provider != nil {
		fmt.Fprintf(stdout, "Staff single sign-on with %s (register %s/login/sso/callback as the redirect URI)%s.\n", provider.Issuer(), strings.TrimSuffix(cmp.Or(*publicURL, url), "/"),
			map[bool]string{true: "; staff passwords are off"}[noStaffPasswords])
	}
	if newKey {
		fmt.Fprintf(stdout, "Made the audit key %s: keep a copy somewhere else; without it the audit trail cannot be verified.\n", auditKeyFile(*keyFile, *dbPath))
	}
	if *withDemo && *tlsCert != "" {
		fmt.Fprintln(stdout, "Demo: the simulated charge points are not started over TLS (they would not trust your certificate).")
	} else if *withDemo {
		fmt.Fprintf(stdout, "Demo: a simulated charge point per charger connects over OCPP 1.6J to ws://%s/ocpp/1.6/{id} (never use --demo in production).\n", ln.Addr())
		go func() {
			if _, err := demo.ChargePoints(ctx, d, "ws://"+ln.Addr().String()+"/ocpp/1.6", log, 0); err != nil && ctx.Err() == nil {
				log.Error("demo: simulated charge points", "err", err)
			}
		}()
	}

	if *metricsAddr != "" {
		mln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			return err
		}
		msrv := &http.Server{Handler: http.HandlerFunc(svc.HTTP.Metrics), ReadHeaderTimeout: 5 * time.Second}
		go msrv.Serve(mln)
		defer msrv.Close()
		fmt.Fprintf(stdout, "Metrics (Prometheus text) on http://%s/metrics\n", mln.Addr())
	}
	errc := make(chan error, 1)
	go func() {
		if *tlsCert != "" {
			errc <- srv.ServeTLS(ln, *tlsCert, *tlsKey)
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	svc.Central.Server.Close() // their WebSockets are not requests: Shutdown does not wait for them
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	<-maintained // its last checkpoint is written before the database closes
	log.Info("stopped cleanly")
	return nil
}

// openTrail loads the audit key (creating it on first start) and signs a checkpoint. A new
// key for a database that already has signed checkpoints is refused: the key was lost or
// swapped, and a new one would make tampered history look intact. A new key for a database
// with audit rows but no checkpoint (made before keys existed) adopts those rows: the first
// checkpoint pins them.
func openTrail(ctx context.Context, d *db.DB, keyFile, cpFile string, keyless bool) (*audit.Trail, bool, error) {
	key, created, err := audit.LoadOrCreateKey(keyFile)
	if err != nil {
		return nil, false, err
	}
	var checkpoints, rows int64
	if err := d.R.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM audit_checkpoints), (SELECT count(*) FROM auth_audit) + (SELECT count(*) FROM impersonation_audit)`).Scan(&checkpoints, &rows); err != nil {
		return nil, false, err
	}
	// A missing key is a stop, not a fresh start: a new key never adopts a trail that was
	// kept with one (whoever deleted the key could have rewritten the rows). Only a database
	// whose schema predates keys has rows to adopt, once, on its first upgrade.
	if created && (checkpoints > 0 || (rows > 0 && !keyless)) {
		os.Remove(keyFile)
		return nil, false, fmt.Errorf("audit key file %s is missing, but this database's audit trail (%d rows, %d checkpoints) was kept with a key: "+
			"put the key file back from your copy (or name it with --audit-key-file); ChargeDesk does not start with a new key over it", keyFile, rows, checkpoints)
	}
	trail := audit.NewTrail(key)
	if _, err := trail.Checkpoint(ctx, d, cpFile, time.Now(), created); err != nil {
		return nil, false, fmt.Errorf("audit checkpoint: %w", err)
	}
	return trail, created, nil
}

// serveHosts is the Host allow-list: the host of --addr, of --public-url, and --allowed-hosts.
func serveHosts(addr, publicURL, extra string) ([]string, error) {
	var hosts []string
	if h, _, err := net.SplitHostPort(addr); err == nil && h != "" && h != "0.0.0.0" && h != "::" {
		hosts = append(hosts, h)
	}
	if publicURL != "" {
		u, err := url.Parse(publicURL)
		if err != nil || u.Hostname() == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("--public-url %q is not an http(s) address like https://support.example.com", publicURL)
		}
		hosts = append(hosts, u.Hostname())
	}
	for _, h := range strings.Split(extra, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	return hosts, nil
}

// flagGiven reports whether name was set on the command line (not left at its default).
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// lifetimes are serve's duration flags that bound each other.
type lifetimes struct{ sessionIdle, sessionMax, ttl, impIdle, impMax *time.Duration }

// checkLifetimes checks them before anything is opened, naming the flag at fault. The
// impersonation idle limit follows the TTL unless it was given: min(10m, TTL).
func checkLifetimes(fs *flag.FlagSet, l lifetimes) error {
	if *l.sessionMax < time.Minute || *l.sessionMax > 30*24*time.Hour {
		return fmt.Errorf("--session-max must be between 1m and 720h, not %s", *l.sessionMax)
	}
	if *l.sessionIdle < time.Minute || *l.sessionIdle > *l.sessionMax {
		return fmt.Errorf("--session-idle (%s) must be at least 1m and at most --session-max (%s)", *l.sessionIdle, *l.sessionMax)
	}
	if *l.ttl < time.Minute || *l.ttl > 8*time.Hour {
		return fmt.Errorf("--impersonation-ttl must be between 1m and 8h, not %s", *l.ttl)
	}
	if !flagGiven(fs, "impersonation-idle") {
		*l.impIdle = min(*l.impIdle, *l.ttl)
	}
	if *l.impIdle < time.Minute || *l.impIdle > *l.ttl {
		return fmt.Errorf("--impersonation-idle (%s) must be at least 1m and at most --impersonation-ttl (%s)", *l.impIdle, *l.ttl)
	}
	if *l.impMax < *l.ttl || *l.impMax > 12*time.Hour {
		return fmt.Errorf("--impersonation-max (%s) must be at least --impersonation-ttl (%s) and at most 12h", *l.impMax, *l.ttl)
	}
	return nil
}
