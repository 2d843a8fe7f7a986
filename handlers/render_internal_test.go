package handlers

import (
	"bytes"
	"database/sql"
	"strings"
	"testing"
	"time"

	"chargedesk/queries"
)

func BenchmarkRenderHome(b *testing.B) {
	pages, err := parseTemplates()
	if err != nil {
		b.Fatal(err)
	}
	u := &queries.User{ID: 3, Name: "Jane Doe", Role: "customer"}
	d := homeData{Summary: queries.CustomerSummaryRow{Name: "Jane Doe", PublicID: "cus_X", Email: "jane@x", Sessions: 27}}
	var recent []queries.ListSessionsRow
	for i := range 5 {
		recent = append(recent, queries.ListSessionsRow{ID: int64(i + 1), Status: "COMPLETED", StartedAt: 1700000000, LocationName: "Somewhere", Standard: "CCS", ReceiptID: 4, GrossCents: 3096, LastEnergyWh: 42000})
	}
	d.Recent = sessionRows(0, recent)
	d.Active = activeSessions(0, []queries.ListActiveSessionsRow{{ID: 9, LocationName: "Here", ChargerName: "C1", Standard: "Type2", MaxPowerW: 22000, StartedAt: 1700000000, EnergyWh: sql.NullInt64{Int64: 5000, Valid: true}}}, time.Unix(1700000000, 0))
	d.Cards = []queries.ListCardsRow{{VisualNumber: "DE-1", Label: "Main"}}
	imp := newBanner(queries.Impersonation{ID: 1, Ticket: "SUP-1234", AllowChanges: 0, ExpiresAt: 1700003600}, "Jane Doe", "cus_X", time.Unix(1700000000, 0))
	navs := &layoutPieces{t: pages["home"]}
	for _, block := range []string{"base", "impersonated", "layout-only"} {
		b.Run(block, func(b *testing.B) {
			t := pages["home"]
			if block == "layout-only" {
				t = pages["error"]
			}
			for b.Loop() {
				var buf bytes.Buffer
				p := &Page{Title: "Home", Nav: "home", User: u, Now: time.Now(), Data: d, Current: map[string]bool{"home": true}}
				if block == "impersonated" {
					p.Imp, p.As, p.AsQ, p.Staff = imp, 3, "?as=3", true
					if p.Banner, err = navs.banner(imp); err != nil {
						b.Fatal(err)
					}
				}
				if p.CustomerNav, err = navs.nav(p.As, p.Nav); err != nil {
					b.Fatal(err)
				}
				if block == "layout-only" {
					p.Data = errorPage{Message: "x"}
				}
				if err := t.ExecuteTemplate(&buf, "base", p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The customer nav is rendered per marker and current entry, and the cache of renderings
// stays bounded however many customers are impersonated.
func TestCustomerNavCache(t *testing.T) {
	t.Parallel()
	pages, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	navs := &layoutPieces{t: pages["home"]}
	h, err := navs.nav(3, "cards")
	if err != nil {
		t.Fatal(err)
	}
	s := string(h)
	for _, want := range []string{`href="/?as=3"`, `href="/cards?as=3" aria-current="page">EV cards`, `href="/activity?as=3">Activity`} {
		if !strings.Contains(s, want) {
			t.Errorf("nav lacks %q:\n%s", want, s)
		}
	}
	if n := strings.Count(s, "aria-current"); n != 1 {
		t.Errorf("%d entries marked current, want 1", n)
	}
	if own, _ := navs.nav(0, "home"); strings.Contains(string(own), "as=") || !strings.Contains(string(own), `href="/" aria-current="page">Home`) {
		t.Errorf("the customer's own nav:\n%s", own)
	}
	for as := range int64(3 * fragmentCacheSize) {
		navs.nav(as+1, "home")
	}
	if len(navs.navs.m) > fragmentCacheSize {
		t.Errorf("%d navs kept, at most %d", len(navs.navs.m), fragmentCacheSize)
	}
}

func TestUnitPrice(t *testing.T) {
	t.Parallel()
	for in, want := range map[int64]string{5500: "€0.55/kWh", 4118: "€0.4118/kWh", 12000: "€1.20/kWh", 0: "€0.00/kWh", 10001: "€1.0001/kWh"} {
		if got := unitPrice("ENERGY", in); got != want {
			t.Errorf("unitPrice(%d) = %q, want %q", in, got, want)
		}
	}
	if got := unitPrice("FLAT", -5000); got != "−€0.50" {
		t.Errorf("a negative flat price: %q", got)
	}
}

func TestStatusLabel(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"ACTIVE": "Charging", "COMPLETED": "Completed", "accepted": "Accepted", "lost": "Lost", "paid": "Paid", "Available": "Available", "": ""} {
		if got := statusLabel(in); got != want {
			t.Errorf("statusLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

// The banner is rendered once per impersonation and minute: the cached piece is what the
// partial gives, the customer's name escaped, and it follows the minutes left.
func TestBannerPiece(t *testing.T) {
	t.Parallel()
	pages, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	l := &layoutPieces{t: pages["home"]}
	imp := queries.Impersonation{ID: 7, Ticket: "SUP-9", ExpiresAt: 1700003600}
	now := time.Unix(1700000000, 0)
	b := newBanner(imp, `<script>alert(1)</script> Jane`, "cus_X", now)
	h, err := l.banner(b)
	if err != nil {
		t.Fatal(err)
	}
	var direct bytes.Buffer
	if err := pages["home"].ExecuteTemplate(&direct, "banner", b); err != nil {
		t.Fatal(err)
	}
	if string(h) != direct.String() {
		t.Errorf("cached banner differs from the partial:\n%s\n%s", h, direct.String())
	}
	if strings.Contains(string(h), "<script>") || !strings.Contains(string(h), "&lt;script&gt;") || !strings.Contains(string(h), "60 min left") {
		t.Errorf("banner:\n%s", h)
	}
	later, _ := l.banner(newBanner(imp, `<script>alert(1)</script> Jane`, "cus_X", now.Add(2*time.Minute)))
	if !strings.Contains(string(later), "58 min left") {
		t.Errorf("two minutes later the banner says:\n%s", later)
	}

	// The memo gives the banner built for an earlier request only while it shows the same.
	b.HTML = h
	l.banners.put(b)
	if got := l.banners.get(imp, b.CustomerName, "cus_X", b.MinutesLeft); got != b {
		t.Errorf("same impersonation, customer and minute: memo gave %v", got)
	}
	extended := imp
	extended.ExpiresAt += 1800
	for name, miss := range map[string]*bannerData{
		"a minute later":   l.banners.get(imp, b.CustomerName, "cus_X", b.MinutesLeft-1),
		"extended":         l.banners.get(extended, b.CustomerName, "cus_X", b.MinutesLeft),
		"renamed customer": l.banners.get(imp, "Jane", "cus_X", b.MinutesLeft),
		"other public id":  l.banners.get(imp, b.CustomerName, "cus_Y", b.MinutesLeft),
	} {
		if miss != nil {
			t.Errorf("%s: the memo gave the old banner", name)
		}
	}
}
