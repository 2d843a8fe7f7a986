// Package handlers is ChargeDesk's HTTP surface: the Gin router, its middleware and one file
// per area of the product. Handlers are methods on App, which holds every dependency.
package handlers

import (
	"cmp"
	"context"
	"errors"
	"html/template"
	"log/slog"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/singleflight"

	"chargedesk/audit"
	"chargedesk/central"
	"chargedesk/db"
	"chargedesk/format"
	"chargedesk/queries"
	"chargedesk/webhook"
	"chargedesk/websession"
)

// Config is what App needs from main.
type Config struct {
	DB         *db.DB
	Log        *slog.Logger
	SessionKey []byte
	// SessionMaxAge bounds a login; zero means 12 hours.
	SessionMaxAge time.Duration
	// SessionIdle ends a login not used for this long; zero means 30 minutes.
	SessionIdle time.Duration
	// Now is the clock; nil means time.Now.
	Now     func() time.Time
	Version string
	// ImpersonationTTL bounds an impersonation; zero means 30 minutes.
	ImpersonationTTL time.Duration
	// ImpersonationMax is how long after its start an impersonation may run when extended
	// (each extension adds ImpersonationTTL); zero means 2 hours, and never less than the TTL.
	ImpersonationMax time.Duration
	// ImpersonationIdle ends an impersonation with no request for this long; zero means 10
	// minutes.
	ImpersonationIdle time.Duration
	// Audit writes the audit chains with the key kept outside the database. Required.
	Audit *audit.Trail
	// CheckpointFile receives a copy of every signed audit checkpoint; empty means none.
	CheckpointFile string
	// WriteBurst and WriteEvery bound one customer's customer-surface writes: WriteBurst at
	// once, then one per WriteEvery. Zero means 20 and 3 s.
	WriteBurst int
	WriteEvery time.Duration
	// Hosts are the names this server answers to (Host header, without port); others get
	// 421. Empty means localhost and 127.0.0.1.
	Hosts []string
	// WebhookURL receives every impersonation and admin event as a signed JSON POST (package
	// webhook), signed with WebhookSecret; empty means no events are queued.
	WebhookURL    string
	WebhookSecret []byte
	// MaintenanceEvery is how often RunMaintenance works; zero means 15 seconds.
	MaintenanceEvery time.Duration
	// ChargerCallTimeout bounds how long a call to a charge point waits for its answer; zero
	// means 15 seconds.
	ChargerCallTimeout time.Duration
}

// App holds the dependencies of every handler.
type App struct {
	db     *db.DB
	r      *queries.Queries    // reader pool
	w      *queries.Queries    // writer pool
	names  *queries.NameSearch // the admin search by name (reader pool)
	pages  map[string]*template.Template
	pieces *layoutPieces // the customer nav and the banner, rendered once per what they show
	// auditRows are audit page rows as rendered, by what they show (auditRowsHTML).
	auditRows fragments[auditRowKey]
	web       *websession.Store
	Log       *slog.Logger
	now       func() time.Time
	version   string
	impTTL    time.Duration
	impMax    time.Duration // the longest an impersonation runs, extensions included
	impIdle   time.Duration
	extendBy  string // what Extend adds, as the banner says it ("30 min")
	trail     *audit.Trail
	hooks     *webhook.Sender // nil without a webhook URL
	cpFile    string
	// writes bounds each customer's writes; violations aggregates privilege violations;
	// ending holds impersonations whose end could not be committed yet.
	writes     *writeLimits
	logins     *loginLimits
	violations *violations
	ending     *pendingEnds
	routes     recentRoutes       // impersonated pages recorded in the last minute
	viewing    singleflight.Group // first views of a page being recorded (recordRoute)
	health     probeWrites
	hosts      map[string]struct{}
	central    *central.Central // the OCPP central system: charge points' connections
	every      time.Duration
}

// cookieName is the login cookie's name: with the __Host- prefix over TLS, so that the
// browser only accepts it Secure, for this host and path /.
func cookieName(c *gin.Context) string {
	if c.Request.TLS != nil {
		return "__Host-chargedesk_session"
	}
	return "chargedesk_session"
}

// New builds the App: it parses every template once.
func New(cfg Config) (*App, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.ImpersonationTTL <= 0 {
		cfg.ImpersonationTTL = 30 * time.Minute
	}
	if cfg.ImpersonationMax <= 0 {
		cfg.ImpersonationMax = 2 * time.Hour
	}
	cfg.ImpersonationMax = max(cfg.ImpersonationMax, cfg.ImpersonationTTL)
	if cfg.ImpersonationIdle <= 0 {
		cfg.ImpersonationIdle = 10 * time.Minute
	}
	if cfg.Audit == nil {
		return nil, errors.New("handlers: Config.Audit is required (the audit key)")
	}
	if cfg.WriteBurst <= 0 {
		cfg.WriteBurst = 20
	}
	if cfg.WriteEvery <= 0 {
		cfg.WriteEvery = 3 * time.Second
	}
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = 30 * time.Minute
	}
	if cfg.SessionMaxAge == 0 {
		cfg.SessionMaxAge = 12 * time.Hour
	}
	hosts := map[string]struct{}{}
	for _, h := range append(cfg.Hosts, "localhost", "127.0.0.1", "::1") {
		hosts[strings.ToLower(h)] = struct{}{}
	}
	// Every query is prepared once per pooled connection instead of parsed and planned on
	// every call.
	r, err := queries.Prepare(context.Background(), cfg.DB.R)
	if err != nil {
		return nil, err
	}
	w, err := queries.Prepare(context.Background(), cfg.DB.W)
	if err != nil {
		return nil, err
	}
	names, err := queries.PrepareNameSearch(context.Background(), cfg.DB.R)
	if err != nil {
		return nil, err
	}
	pages, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	store := websession.New(w, r, cfg.SessionKey, cfg.SessionMaxAge)
	store.Now = cfg.Now
	store.Idle = cfg.SessionIdle
	gin.SetMode(gin.ReleaseMode)
	a := &App{
		db:       cfg.DB,
		r:        r,
		w:        w,
		names:    names,
		pages:    pages,
		pieces:   &layoutPieces{t: pages["home"]},
		web:      store,
		Log:      cfg.Log,
		now:      cfg.Now,
		version:  cfg.Version,
		impTTL:   cfg.ImpersonationTTL,
		impMax:   cfg.ImpersonationMax,
		impIdle:  cfg.ImpersonationIdle,
		extendBy: format.Span(cfg.ImpersonationTTL),
		trail:    cfg.Audit.WithPrepared(w),
		cpFile:   cfg.CheckpointFile,

		writes:     newWriteLimits(cfg.WriteBurst, cfg.WriteEvery),
		logins:     newLoginLimits(),
		violations: &violations{open: map[violationKey]*violationWindow{}},
		ending:     &pendingEnds{m: map[int64]pendingEnd{}},
		hosts:      hosts,
		central:    central.New(cfg.DB, cfg.Now, cfg.Log),
		every:      cmp.Or(cfg.MaintenanceEvery, 15*time.Second),
	}
	a.central.Server.CallTimeout = cfg.ChargerCallTimeout
	if cfg.WebhookURL != "" {
		a.trail = a.trail.WithEvents()
		a.hooks = &webhook.Sender{URL: cfg.WebhookURL, Secret: cfg.WebhookSecret}
	}
	return a, nil
}
