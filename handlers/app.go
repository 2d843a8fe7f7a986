// Package handlers is ChargeDesk's HTTP surface: the Gin router, its middleware and one file
// per area of the product. Handlers are methods on App, which holds every dependency.
package handlers

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"chargedesk/replica"
	"chargedesk/report"

	"github.com/gin-gonic/gin"

	"chargedesk/audit"
	"chargedesk/central"
	"chargedesk/db"
	"chargedesk/format"
	"chargedesk/impersonation"
	"chargedesk/limits"
	"chargedesk/mail"
	"chargedesk/queries"
	"chargedesk/sso"
	"chargedesk/webhook"
	"chargedesk/websession"
)

// Config is what App needs from main: the services main built. App builds none of its own.
type Config struct {
	DB *db.DB
	// Reader and Writer are the queries prepared on DB's reader and writer pools; Names is
	// the admin search by name (reader pool).
	Reader, Writer *queries.Queries
	Names          *queries.NameSearch
	// Trail writes the audit chains with the key kept outside the database (and queues
	// their events when there is a webhook).
	Trail *audit.Trail
	Web   *websession.Store    // logins
	Guard *impersonation.Guard // impersonation ends and page records
	Limit *limits.Limits       // write and login limits, violation windows
	OCPP  *central.Central     // the charge points' central system
	Hooks *webhook.Sender      // nil without a webhook URL
	Log   *slog.Logger
	// Now is the clock; nil means time.Now.
	Now     func() time.Time
	Version string
	// ImpersonationTTL bounds an impersonation.
	ImpersonationTTL time.Duration
	// ImpersonationMax is how long after its start an impersonation may run when extended
	// (each extension adds ImpersonationTTL); at least the TTL.
	ImpersonationMax time.Duration
	// ImpersonationIdle ends an impersonation with no request for this long.
	ImpersonationIdle time.Duration
	// Hosts are the names this server answers to (Host header, without port); others get
	// 421. Empty means localhost and 127.0.0.1.
	Hosts []string
	// RequireStaffMFA: a staff member signs in with a second factor, and one without any
	// reaches nothing but enrolling one. StepUpWindow is how long a factor used counts for
	// the sensitive actions (stepUp); app.Build sets its default.
	RequireStaffMFA bool
	StepUpWindow    time.Duration
	// NoMFAReason says why staff are not asked for a factor when RequireStaffMFA is off
	// ("demo"): the console shows "Second factor not required (demo)".
	NoMFAReason string
	// SSO is the staff's identity provider (OpenID Connect), or nil. NoStaffPasswords
	// leaves it as the only way in for staff (--staff-password-login off).
	SSO              *sso.Provider
	NoStaffPasswords bool
	// TicketURL links every ticket id back to the ticket system (--ticket-url), with
	// {ticket} where the id goes; "" shows ids as text.
	TicketURL string
	// PublicURL is the address people use (--public-url), e.g. https://support.example.com
	// behind a proxy that ends TLS: single sign-on's redirect and the passkeys' origin are
	// built from it; without it, from the request. An https one makes cookies Secure.
	PublicURL string
	// TrustedProxies are the networks whose X-Forwarded-For and X-Forwarded-Proto are
	// believed (--trusted-proxy); none by default.
	TrustedProxies []netip.Prefix
	// Replica is the continuous copy of the database (--replica), or nil: its position is
	// shown in /healthz, the dashboard and /metrics.
	Replica Replica
	// Reports makes the signed access reports (a checkpoint first, then one read).
	Reports *report.Service
	// Mail queues notices by email; nil when email is off (no --smtp-url).
	Mail *mail.Outbox
}

// Replica is where the database's continuous copy stands.
type Replica interface {
	Status(ctx context.Context) (replica.Status, error)
}

// App holds the dependencies of every handler. Its only state of its own is what pages show
// kept for reuse (pieces, auditRows, eventTags): the rules' state lives in the services.
type App struct {
	db     *db.DB
	r      *queries.Queries    // reader pool
	w      *queries.Queries    // writer pool
	names  *queries.NameSearch // the admin search by name (reader pool)
	pages  map[string]*template.Template
	pieces *layoutPieces // the customer nav and the banner, rendered once per what they show
	// auditRows are audit page rows as rendered, by what they show (auditRowsHTML).
	auditRows fragments[auditRowKey]
	eventTags tagList // the audit page's event picker (pickers)
	web       *websession.Store
	guard     *impersonation.Guard
	limits    *limits.Limits
	central   *central.Central
	hooks     *webhook.Sender // nil without a webhook URL
	trail     *audit.Trail
	Log       *slog.Logger
	now       func() time.Time
	version   string
	impTTL    time.Duration
	impMax    time.Duration // the longest an impersonation runs, extensions included
	impIdle   time.Duration
	extendBy  string // what Extend adds, as the banner says it ("30 min")
	hosts     map[string]struct{}
	staffMFA  bool          // RequireStaffMFA
	stepUpFor time.Duration // StepUpWindow
	// noMFAReason is NoMFAReason
	noMFAReason string
	sso         *sso.Provider // nil without single sign-on
	noStaffPass bool          // staff may not sign in with a password (SSO only)
	tickets     TicketLinks   // TicketURL
	publicURL   string        // PublicURL, without a trailing slash
	publicHTTPS bool          // PublicURL is https
	proxies     []netip.Prefix
	replica     Replica // nil without --replica
	reports     *report.Service
	mail        *mail.Outbox // nil: email is off
}

// cookieName is the login cookie's name: with the __Host- prefix over HTTPS, so that the
// browser only accepts it Secure, for this host and path /.
func (a *App) cookieName(c *gin.Context) string {
	if a.HTTPS(c.Request) {
		return "__Host-chargedesk_session"
	}
	return "chargedesk_session"
}

// HTTPS reports whether the browser reached us over HTTPS: a TLS connection of our own, a
// trusted proxy's X-Forwarded-Proto https, or a public URL that is https (a proxy ends TLS).
func (a *App) HTTPS(r *http.Request) bool {
	return r.TLS != nil || a.publicHTTPS || (a.fromTrustedProxy(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https"))
}

// fromTrustedProxy reports whether the request's peer is one of --trusted-proxy's networks.
func (a *App) fromTrustedProxy(r *http.Request) bool {
	if len(a.proxies) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	for _, p := range a.proxies {
		if p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

// origin is the scheme and host people reach this server at: --public-url when set (a proxy
// may end TLS in front of us), else the request's.
func (a *App) origin(c *gin.Context) string {
	if a.publicURL != "" {
		if u, err := url.Parse(a.publicURL); err == nil && u.Host != "" && strings.EqualFold(u.Hostname(), hostOnly(c.Request.Host)) {
			return u.Scheme + "://" + u.Host
		}
	}
	scheme := "http"
	if a.HTTPS(c.Request) {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

// hostOnly is a Host header without its port.
func hostOnly(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}

// New builds the App from main's services; it parses every template once.
func New(cfg Config) (*App, error) {
	switch {
	case cfg.DB == nil || cfg.Reader == nil || cfg.Writer == nil || cfg.Names == nil:
		return nil, errors.New("handlers: Config needs DB, Reader, Writer and Names")
	case cfg.Trail == nil:
		return nil, errors.New("handlers: Config.Trail is required (the audit key)")
	case cfg.Web == nil || cfg.Guard == nil || cfg.Limit == nil || cfg.OCPP == nil || cfg.Reports == nil:
		return nil, errors.New("handlers: Config needs Web, Guard, Limit, OCPP and Reports")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.NoStaffPasswords && cfg.SSO == nil {
		return nil, errors.New("handlers: staff password login is off but there is no single sign-on: nobody on the staff could sign in")
	}
	if cfg.StepUpWindow <= 0 {
		return nil, errors.New("handlers: Config needs a StepUpWindow (app.Build sets the default)")
	}
	if cfg.ImpersonationTTL <= 0 || cfg.ImpersonationMax < cfg.ImpersonationTTL || cfg.ImpersonationIdle <= 0 {
		return nil, errors.New("handlers: Config needs ImpersonationTTL, ImpersonationIdle and an ImpersonationMax of at least the TTL (app.Build sets the defaults)")
	}
	hosts := map[string]struct{}{}
	for _, h := range append(cfg.Hosts, "localhost", "127.0.0.1", "::1") {
		hosts[strings.ToLower(h)] = struct{}{}
	}
	pages, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	gin.SetMode(gin.ReleaseMode)
	return &App{
		db:          cfg.DB,
		r:           cfg.Reader,
		w:           cfg.Writer,
		names:       cfg.Names,
		pages:       pages,
		pieces:      &layoutPieces{t: pages["home"]},
		web:         cfg.Web,
		guard:       cfg.Guard,
		limits:      cfg.Limit,
		central:     cfg.OCPP,
		hooks:       cfg.Hooks,
		trail:       cfg.Trail,
		Log:         cfg.Log,
		now:         cfg.Now,
		version:     cfg.Version,
		impTTL:      cfg.ImpersonationTTL,
		impMax:      cfg.ImpersonationMax,
		impIdle:     cfg.ImpersonationIdle,
		extendBy:    format.Span(cfg.ImpersonationTTL),
		hosts:       hosts,
		staffMFA:    cfg.RequireStaffMFA,
		stepUpFor:   cfg.StepUpWindow,
		noMFAReason: cfg.NoMFAReason,
		sso:         cfg.SSO,
		noStaffPass: cfg.NoStaffPasswords,
		tickets:     TicketLinks(cfg.TicketURL),
		publicURL:   strings.TrimSuffix(cfg.PublicURL, "/"),
		publicHTTPS: strings.HasPrefix(strings.ToLower(cfg.PublicURL), "https://"),
		proxies:     cfg.TrustedProxies,
		replica:     cfg.Replica,
		reports:     cfg.Reports,
		mail:        cfg.Mail,
	}, nil
}
