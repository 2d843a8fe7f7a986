package demo

import (
	"database/sql"
	"fmt"
	"time"

	"chargedesk/charging"
)

func nullInt(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: v != 0} }

// card adds an EV card; replacedBy links a replaced card to its successor.
func (s *seeder) card(user int64, label, status string, replacedBy int64, created time.Time) int64 {
	s.cardSeq++
	return s.exec(`INSERT INTO ev_cards (user_id, visual_number, uid, contract_id, label, status, replaced_by_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		user, fmt.Sprintf("DE-EVX-%06d", 120+s.cardSeq), fmt.Sprintf("04A1%08X", 0x5C3E1000+s.cardSeq*7919),
		fmt.Sprintf("DE*CDK*C%07d", user*10), label, status, nullInt(replacedBy), created.Unix())
}

// paymentMethod adds a tokenised card.
func (s *seeder) paymentMethod(user int64, brand, last4 string, expiry time.Time, isDefault bool) int64 {
	s.tokenSeq++
	def := 0
	if isDefault {
		def = 1
	}
	return s.exec(`INSERT INTO payment_methods (user_id, brand, last4, exp_month, exp_year, is_default, provider_token, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		user, brand, last4, int(expiry.Month()), expiry.Year(), def, fmt.Sprintf("tok_demo_%04d", s.tokenSeq), s.ago(200*24*time.Hour))
}

func (s *seeder) reservation(user, card int64, conn string, start time.Time, d time.Duration, status string) int64 {
	var cancelled sql.NullInt64
	if status == "cancelled" {
		cancelled = nullInt(s.ago(3 * time.Hour))
	}
	return s.exec(`INSERT INTO reservations (user_id, evse_id, card_id, starts_at, ends_at, status, created_at, cancelled_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		user, s.evses[conn], card, start.Unix(), start.Add(d).Unix(), status, start.Add(-26*time.Hour).Unix(), cancelled)
}

func (s *seeder) activity(user int64, at time.Time, kind, summary, actor string) {
	s.exec(`INSERT INTO activity (user_id, at, kind, summary, actor_role) VALUES (?, ?, ?, ?, ?)`, user, at.Unix(), kind, summary, actor)
}

func (s *seeder) owns(user int64, siteKey string) {
	s.exec(`UPDATE chargers SET owner_user_id = ? WHERE ocpp_id = ?`, user, "CDK-"+siteKey+"-01")
}

func (s *seeder) favourite(user int64, siteKey string) {
	s.exec(`INSERT INTO favourite_chargers (user_id, charger_id, created_at) SELECT ?, id, ? FROM chargers WHERE ocpp_id = ?`,
		user, s.ago(90*24*time.Hour), "CDK-"+siteKey+"-01")
}

// at returns local wall-clock time h:m on the day `days` before now.
func (s *seeder) at(days, h, m int) time.Time {
	d := s.now.In(zone()).AddDate(0, 0, -days)
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, zone())
}

// jane is the runbook's main customer: a home wallbox, public charging, one session now, one
// stuck, a partly refunded receipt, a lost card, a card about to expire.
func (s *seeder) jane(u int64) {
	s.owns(u, "garage")
	s.favourite(u, "alex")
	s.favourite(u, "spree")
	card := s.card(u, "Model 3 key fob", "active", 0, s.now.AddDate(-1, 0, 0))
	spare := s.card(u, "Spare card", "active", 0, s.now.AddDate(0, -2, 0))
	s.card(u, "First card", "replaced", spare, s.now.AddDate(-1, -1, 0))
	s.card(u, "Glovebox card", "lost", 0, s.now.AddDate(0, -6, 0))
	visa := s.paymentMethod(u, "Visa", "4242", s.now.AddDate(2, 0, 0), true)
	s.paymentMethod(u, "Mastercard", "4444", s.now.AddDate(0, 0, 20), false)

	s.history(u, card, visa, 22, 1)
	// Overnight at home: 31 kWh.
	s.session(plan{user: u, card: card, pm: visa, conn: "garage/1", start: s.at(6, 22, 10), chargingS: 4*3600 + 18*60,
		parkingS: 2*3600 + 12*60, energyWh: 31_000, every: 15 * time.Minute, endedBy: charging.EndedByStation, reason: "EV disconnected"}, true)
	// Public AC: 19.9 kWh, 5 h 10 min connected, so 70 min of blocking fee.
	s.session(plan{user: u, card: card, pm: visa, conn: "alex/1", start: s.at(10, 9, 5), chargingS: 2 * 3600,
		parkingS: 3*3600 + 10*60, energyWh: 19_900, every: 10 * time.Minute, endedBy: charging.EndedByStation, reason: "EV disconnected"}, true)
	// The DOMAIN.md worked example, €30.96, then partly refunded.
	dc := s.session(plan{user: u, card: card, pm: visa, conn: "spree/1", start: s.at(3, 17, 20), chargingS: 2250,
		parkingS: 690, energyWh: 42_265, socFrom: 22, every: 3 * time.Minute, endedBy: charging.EndedByDriver, reason: "Stopped in the app"}, true)
	receipt := s.receiptOf(dc)
	s.exec(`INSERT INTO refunds (receipt_id, user_id, amount_cents, reason, reference, credit_note_number, created_by_user_id, created_at)
		VALUES (?, ?, 500, 'Charger interrupted the session twice; goodwill refund', 'SUP-1187', 'CN-2026-000001', 1, ?)`,
		receipt, u, s.ago(2*24*time.Hour))
	s.activity(u, s.now.Add(-48*time.Hour), "refund", "Refund of €5.00 on receipt "+charging.ReceiptNumber(s.at(3, 17, 20).Unix()+2940, dc)+" (credit note CN-2026-000001)", "support")

	// Reservations: one cancelled but restorable (tomorrow), one expired, one upcoming.
	s.reservation(u, card, "alex/1", s.at(-1, 9, 0), 30*time.Minute, "cancelled")
	s.reservation(u, card, "tempel/1", s.at(8, 18, 0), 30*time.Minute, "expired")
	s.reservation(u, card, "spree/2", s.at(-3, 7, 30), 45*time.Minute, "accepted")

	s.activity(u, s.now.AddDate(0, -2, 0), "card", "Reported card DE-EVX-000123 (First card) lost; replaced by DE-EVX-000122 (Spare card)", "customer")
	s.activity(u, s.now.Add(-5*24*time.Hour), "card", "Reported card DE-EVX-000124 (Glovebox card) lost", "customer")
	s.activity(u, s.now.Add(-3*time.Hour), "reservation", "Cancelled the reservation at Parkhaus Alexanderplatz P2 for tomorrow 09:00", "customer")
	s.activity(u, s.now.AddDate(0, 0, -200), "payment", "Added Visa ••4242 as the default payment method", "customer")
}

// janeNow adds Jane's two sessions still ACTIVE; it runs last, because history elsewhere may
// use the same connectors and a connector holds one ACTIVE session at most.
func (s *seeder) janeNow(u int64) {
	var card, spare, visa int64
	if s.err == nil {
		s.err = s.tx.QueryRowContext(s.ctx, `SELECT
			(SELECT id FROM ev_cards WHERE user_id = ?1 AND label = 'Model 3 key fob'),
			(SELECT id FROM ev_cards WHERE user_id = ?1 AND label = 'Spare card'),
			(SELECT id FROM payment_methods WHERE user_id = ?1 AND is_default = 1)`, u).Scan(&card, &spare, &visa)
	}
	// Stuck: started two days ago, last reading 19 h ago, connector already Available.
	stuckStart := s.now.Add(-48 * time.Hour)
	stuck := s.session(plan{user: u, card: spare, pm: visa, conn: "alex/2", start: stuckStart, chargingS: 29 * 3600,
		energyWh: 38_500, every: 30 * time.Minute}, false)
	s.stuckLog(stuck, "alex", stuckStart, stuckStart.Add(29*time.Hour))

	// Charging now at Spreeufer: 25 minutes in, battery 34 % → 52 %.
	s.session(plan{user: u, card: card, pm: visa, conn: "spree/1", start: s.now.Add(-25 * time.Minute), chargingS: 25 * 60,
		energyWh: 13_500, socFrom: 34, every: 2 * time.Minute}, false)
	s.exec(`UPDATE connectors SET status = 'Charging' WHERE id = ?`, s.connectors["spree/1"])

}

// omar's home charger at Birkenweg lost its owner link: he charges there but it is not in
// his list, the runbook's "missing charger".
func (s *seeder) omar(u int64) {
	card := s.card(u, "Ioniq 5 card", "active", 0, s.now.AddDate(0, -8, 0))
	mc := s.paymentMethod(u, "Mastercard", "5454", s.now.AddDate(1, 6, 0), true)
	s.favourite(u, "tempel")
	for i, days := range []int{2, 9, 16} {
		s.session(plan{user: u, card: card, pm: mc, conn: "birken/1", start: s.at(days, 19, 30+i), chargingS: 3 * 3600,
			parkingS: 8 * 3600, energyWh: int64(24_000 + i*3_100), every: 15 * time.Minute, endedBy: charging.EndedByStation, reason: "EV disconnected"}, true)
	}
	s.history(u, card, mc, 5, 2)
	s.activity(u, s.now.AddDate(0, -8, 0), "payment", "Added Mastercard ••5454 as the default payment method", "customer")
}

// others adds the rest of the drivers; Lena's latest receipt was priced with the DC tariff at
// an AC charger (the runbook's "tariff that looks wrong"). Returns how many.
func (s *seeder) others() int {
	people := []struct{ email, name string }{
		{"lena@example.com", "Lena Fischer"}, {"lukas@example.com", "Lukas Weber"},
		{"mia@example.com", "Mia Schneider"}, {"noah@example.com", "Noah Becker"},
		{"emma@example.com", "Emma Hoffmann"}, {"felix@example.com", "Felix Wagner"},
		{"sofia@example.com", "Sofia Rossi"}, {"ahmed@example.com", "Ahmed Yılmaz"},
		{"chloe@example.com", "Chloé Martin"}, {"jonas@example.com", "Jonas Schulz"},
		{"priya@example.com", "Priya Nair"}, {"tomasz@example.com", "Tomasz Nowak"},
	}
	brands := []string{"Visa", "Mastercard", "Amex", "SEPA"}
	for i, p := range people {
		u := s.user(p.email, p.name, "customer")
		card := s.card(u, "Charging card", "active", 0, s.now.AddDate(0, -3-i, 0))
		var pm int64
		if p.email != "tomasz@example.com" { // Tomasz has no payment method on file
			pm = s.paymentMethod(u, brands[i%len(brands)], fmt.Sprintf("%04d", 1000+i*733%9000), s.now.AddDate(1+i%3, i, 0), true)
		}
		s.history(u, card, pm, 1+i%4, 10+i)
		if p.email == "lena@example.com" {
			s.session(plan{user: u, card: card, pm: pm, conn: "alex/1", tariff: "dc", start: s.at(1, 8, 15), chargingS: 2 * 3600,
				parkingS: 600, energyWh: 21_400, every: 10 * time.Minute, endedBy: charging.EndedByStation, reason: "EV disconnected"}, true)
		}
		if p.email == "felix@example.com" {
			s.exec(`UPDATE users SET status = 'disabled' WHERE id = ?`, u)
		}
	}
	return len(people)
}

func zone() *time.Location { return tariffZone }

// stuckLog writes what the charger's protocol log showed when session went stuck: the start,
// its last meter values, and the connection dropping mid-transaction with no StopTransaction
// (a power cut at the car park). The charger's simulator reconnects at start-up and reports
// the connector Available, which completes the story.
func (s *seeder) stuckLog(session int64, site string, start, lastReading time.Time) {
	if s.err != nil {
		return
	}
	var charger, meter int64
	var uid, card string
	if s.err = s.tx.QueryRowContext(s.ctx, `SELECT (SELECT id FROM chargers WHERE ocpp_id = ?), c.uid, c.visual_number, s.meter_start_wh
		FROM charging_sessions s JOIN ev_cards c ON c.id = s.card_id WHERE s.id = ?`, "CDK-"+site+"-01", session).Scan(&charger, &uid, &card, &meter); s.err != nil {
		return
	}
	rows := []struct {
		at                         time.Time
		direction, action, message string
	}{
		{start, "in", "StartTransaction", fmt.Sprintf(`{"connectorId":2,"idTag":"%s","meterStart":%d,"timestamp":"%s"}`, uid, meter, start.UTC().Format(time.RFC3339))},
		{start, "note", "StartTransaction", fmt.Sprintf("session #%d started with card %s", session, card)},
		{start, "out", "StartTransaction", fmt.Sprintf(`{"idTagInfo":{"status":"Accepted"},"transactionId":%d}`, session)},
		{lastReading, "in", "MeterValues", fmt.Sprintf(`{"connectorId":2,"transactionId":%d,"meterValue":[…]} (the last one)`, session)},
		{lastReading.Add(4 * time.Minute), "note", "Disconnected", "WebSocket connection closed; open transactions stay open until the charge point reports them"},
		{lastReading.Add(4 * time.Minute), "note", "Disconnected", fmt.Sprintf("the connection dropped mid-transaction (no close frame): session #%d never got its StopTransaction", session)},
	}
	for _, r := range rows {
		s.exec(`INSERT INTO ocpp_log (charger_id, at, direction, action, message) VALUES (?, ?, ?, ?, ?)`, charger, r.at.Unix(), r.direction, r.action, r.message)
	}
}
