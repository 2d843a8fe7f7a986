package handlers

import (
	"bytes"
	"database/sql"
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
	d.Active = activeSessions(0, []queries.ListActiveSessionsRow{{ID: 9, LocationName: "Here", ChargerName: "C1", Standard: "Type2", MaxPowerW: 22000, StartedAt: 1700000000, EnergyWh: sql.NullInt64{Int64: 5000, Valid: true}}})
	d.Cards = []queries.ListCardsRow{{VisualNumber: "DE-1", Label: "Main"}}
	for _, block := range []string{"base", "layout-only"} {
		b.Run(block, func(b *testing.B) {
			t := pages["home"]
			if block == "layout-only" {
				t = pages["error"]
			}
			for b.Loop() {
				var buf bytes.Buffer
				p := &Page{Title: "Home", Nav: "home", User: u, Now: time.Now(), Data: d}
				if block == "layout-only" {
					p.Data = &Error{Message: "x"}
				}
				if err := t.ExecuteTemplate(&buf, "base", p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
