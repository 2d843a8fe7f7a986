// Package app assembles ChargeDesk: from an open database and its audit trail it builds every
// service — logins, the impersonation guard, the limits, the OCPP central system, the webhook
// sender, the housekeeping — and hands them to the HTTP layer. `serve` calls Build and runs
// what it returns; the bench and the tests build the same thing, so what they test is what
// runs.
package app

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"time"

	"chargedesk/audit"
	"chargedesk/central"
	"chargedesk/db"
	"chargedesk/handlers"
	"chargedesk/impersonation"
	"chargedesk/limits"
	"chargedesk/mail"
	"chargedesk/maintenance"
	"chargedesk/queries"
	"chargedesk/report"
	"chargedesk/sso"
	"chargedesk/users"
	"chargedesk/webhook"
	"chargedesk/websession"
)

// Options are the settings of one server. Zero values mean the defaults each field names.
type Options struct {
	DB *db.DB
	// Trail writes the audit chains with the key kept outside the database. Required.
	Trail *audit.Trail
	// CheckpointFile receives a copy of every signed audit checkpoint; empty means none.
	CheckpointFile string
	// AuditRetention prunes audit rows older than this, archived to AuditArchive and shipped
	// by ShipArchive (--audit-retention; zero keeps every row).
	AuditRetention time.Duration
	AuditArchive   string
	ShipArchive    func(ctx context.Context, path string) error
	// Mail sends the notices by email (--smtp-url); nil turns email off, and the features
	// that would send one say so.
	Mail    *mail.Sender
	Log     *slog.Logger // nil: slog.Default()
	Now     func() time.Time
	Version string
	// SessionKey signs the login cookies; SessionMaxAge bounds a login (12 h) and
	// SessionIdle ends one not used for this long (30 min).
	SessionKey                 []byte
	SessionMaxAge, SessionIdle time.Duration
	// ImpersonationTTL bounds an impersonation (30 min), ImpersonationMax is how long after
	// its start extensions may make it run (2 h, never less than the TTL), ImpersonationIdle
	// ends one with no request for this long (10 min).
	ImpersonationTTL, ImpersonationMax, ImpersonationIdle time.Duration
	// WriteBurst and WriteEvery bound one customer's writes: WriteBurst at once, then one per
	// WriteEvery (20 and 3 s).
	WriteBurst int
	WriteEvery time.Duration
	// Hosts are the names this server answers to besides localhost.
	Hosts []string
	// WebhookURL receives every impersonation and admin event as a signed JSON POST, signed
	// with WebhookSecret; empty means no events are queued.
	WebhookURL    string
	WebhookSecret []byte
	// ChargerCallTimeout bounds how long a call to a charge point waits (15 s).
	ChargerCallTimeout time.Duration
	// RequireStaffMFA: staff sign in with a second factor and reach nothing but enrolment
	// until they have one (serve turns it on unless --demo). StepUpWindow is how long a
	// factor used counts for the sensitive actions (15 min).
	RequireStaffMFA bool
	StepUpWindow    time.Duration
	// NoMFAReason says why staff are not asked for a factor when RequireStaffMFA is off.
	NoMFAReason string
	// SSO is the staff's identity provider (OpenID Connect), or nil; NoStaffPasswords makes
	// it the only way in for staff.
	SSO              *sso.Provider
	NoStaffPasswords bool
	// PublicURL is the address people use (--public-url).
	PublicURL string
	// TicketURL links ticket ids to the ticket system (--ticket-url).
	TicketURL string
	// TrustedProxies are the networks whose X-Forwarded-For/-Proto are believed.
	TrustedProxies []netip.Prefix
	// Replica is the database's continuous copy (--replica), or nil.
	Replica handlers.Replica
}

// Services are ChargeDesk's parts, built once.
type Services struct {
	HTTP    *handlers.App
	Guard   *impersonation.Guard
	Limits  *limits.Limits
	Web     *websession.Store
	Central *central.Central
	Hooks   *webhook.Sender // nil without a webhook URL
	Tasks   *maintenance.Tasks
	Trail   *audit.Trail
	DB      *db.DB
	Log     *slog.Logger
	Now     func() time.Time
}

// Build makes every service and the HTTP layer from o. It starts nothing: serve runs the
// HTTP server, Tasks.Run, the webhook sender and (with --demo) the charge points.
func Build(o Options) (*Services, error) {
	if o.DB == nil || o.Trail == nil {
		return nil, errors.New("app: Options.DB and Options.Trail are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	o.SessionMaxAge = cmp.Or(o.SessionMaxAge, 12*time.Hour)
	o.SessionIdle = cmp.Or(o.SessionIdle, 30*time.Minute)
	o.ImpersonationTTL = cmp.Or(o.ImpersonationTTL, 30*time.Minute)
	o.ImpersonationMax = max(cmp.Or(o.ImpersonationMax, 2*time.Hour), o.ImpersonationTTL)
	o.ImpersonationIdle = cmp.Or(o.ImpersonationIdle, 10*time.Minute)
	o.StepUpWindow = cmp.Or(o.StepUpWindow, 15*time.Minute)
	ctx := context.Background()
	// Every query is prepared once per pooled connection instead of parsed and planned on
	// every call.
	r, err := queries.Prepare(ctx, o.DB.R)
	if err != nil {
		return nil, err
	}
	w, err := queries.Prepare(ctx, o.DB.W)
	if err != nil {
		return nil, err
	}
	names, err := queries.PrepareNameSearch(ctx, o.DB.R)
	if err != nil {
		return nil, err
	}
	s := &Services{DB: o.DB, Log: o.Log, Now: o.Now, Trail: o.Trail.WithPrepared(w), Limits: limits.New(o.WriteBurst, o.WriteEvery)}
	if o.WebhookURL != "" {
		s.Trail = s.Trail.WithEvents()
		s.Hooks = &webhook.Sender{URL: o.WebhookURL, Secret: o.WebhookSecret}
	}
	var outbox *mail.Outbox // nil: email is off
	if o.Mail != nil {
		outbox = &mail.Outbox{}
		// A person is told by email when their own sign-in changes, in the change's transaction.
		s.Trail = s.Trail.WithHook(users.SecurityNotices(outbox, o.PublicURL))
	}
	s.Web = websession.New(w, r, o.SessionKey, o.SessionMaxAge)
	s.Web.Now, s.Web.Idle = o.Now, o.SessionIdle
	s.Guard = impersonation.NewGuard(impersonation.GuardConfig{DB: o.DB, Trail: s.Trail, Reader: r, Log: o.Log, Now: o.Now, Idle: o.ImpersonationIdle})
	s.Central = central.New(o.DB, o.Now, o.Log)
	s.Central.Prepared(r, w)
	s.Central.Server.CallTimeout = o.ChargerCallTimeout
	s.Tasks = &maintenance.Tasks{DB: o.DB, Trail: s.Trail, CheckpointFile: o.CheckpointFile, Guard: s.Guard, Limits: s.Limits,
		Web: s.Web, Central: s.Central, Log: o.Log, Now: o.Now,
		Retention: o.AuditRetention, ArchiveDir: o.AuditArchive, Ship: o.ShipArchive}
	s.HTTP, err = handlers.New(handlers.Config{
		DB: o.DB, Reader: r, Writer: w, Names: names, Trail: s.Trail,
		Web: s.Web, Guard: s.Guard, Limit: s.Limits, OCPP: s.Central, Hooks: s.Hooks,
		Log: o.Log, Now: o.Now, Version: o.Version, Hosts: o.Hosts,
		ImpersonationTTL: o.ImpersonationTTL, ImpersonationMax: o.ImpersonationMax, ImpersonationIdle: o.ImpersonationIdle,
		RequireStaffMFA: o.RequireStaffMFA, StepUpWindow: o.StepUpWindow, NoMFAReason: o.NoMFAReason,
		SSO: o.SSO, NoStaffPasswords: o.NoStaffPasswords, PublicURL: o.PublicURL, TicketURL: o.TicketURL,
		TrustedProxies: o.TrustedProxies, Replica: o.Replica,
		Reports: &report.Service{DB: o.DB, Trail: s.Trail, CheckpointFile: o.CheckpointFile}, Mail: outbox,
	})
	if err != nil {
		return nil, err
	}
	s.Web.HTTPS = s.HTTP.HTTPS // Secure cookies wherever the browser used HTTPS
	return s, nil
}

// DeliverWebhooks sends the events due now (none without a webhook URL) and returns how
// many were delivered.
func (s *Services) DeliverWebhooks(ctx context.Context) (int, error) {
	if s.Hooks == nil {
		return 0, nil
	}
	return s.Hooks.DeliverDue(ctx, s.DB, s.Now())
}
