package demo

import (
	"math"
	"time"

	"chargedesk/charging"
	"chargedesk/queries"
	"chargedesk/tariff"
)

// plan describes one demo charging session.
type plan struct {
	user, card, pm int64
	conn           string // connector key, "site/n"
	tariff         string // tariff key; "" means the connector's own
	start          time.Time
	chargingS      int64 // seconds with energy flowing
	parkingS       int64 // seconds connected after charging
	energyWh       int64
	socFrom        int64 // 0 = no state of charge reported (AC wallboxes)
	every          time.Duration
	endedBy        string
	reason         string
}

// meterReadings spreads energyWh over chargingS with a realistic curve: full power, then a
// taper over the last third (DC) or flat (AC). It returns the readings as (offset s, Wh, W).
func meterReadings(p plan, dc bool) (at []int64, wh []int64, w []int64) {
	n := max(2, int(time.Duration(p.chargingS)*time.Second/p.every))
	shape := make([]float64, n)
	var area float64
	for i := range shape {
		x := float64(i) / float64(n-1)
		shape[i] = 1
		if dc && x > 0.6 {
			shape[i] = 1 - (x-0.6)*1.6
		}
		area += shape[i]
	}
	step := float64(p.chargingS) / float64(n-1)
	scale := float64(p.energyWh) / (area * step / 3600) // W per shape unit
	var energy float64
	for i := range shape {
		if i > 0 {
			energy += shape[i-1] * scale * step / 3600
		}
		at = append(at, int64(math.Round(float64(i)*step)))
		wh = append(wh, int64(math.Round(energy)))
		w = append(w, int64(math.Round(shape[i]*scale)))
	}
	wh[n-1] = p.energyWh
	w[n-1] = 0
	return at, wh, w
}

// session inserts a session with its readings. It stays ACTIVE when stop is false.
func (s *seeder) session(p plan, stop bool) int64 {
	if s.err != nil {
		return 0
	}
	st := siteOf(p.conn)
	key := p.tariff
	if key == "" {
		key = st.tariff
	}
	t := s.tariffOf(key)
	meterStart := int64(1_250_000 + s.sessions*37_000)
	var pm = nullInt(p.pm)
	id, err := s.q.InsertSession(s.ctx, queries.InsertSessionParams{
		ActingAs: p.user, ConnectorID: s.connectors[p.conn], CardID: p.card, PaymentMethodID: pm,
		StartedAt: p.start.Unix(), MeterStartWh: meterStart, TariffSnapshot: t.OCPI().Snapshot(),
	})
	if err != nil {
		s.err = err
		return 0
	}
	s.sessions++
	at, wh, w := meterReadings(p, st.connectors[0].powerType == "DC")
	if !stop && p.socFrom > 0 {
		w[len(w)-1] = w[len(w)-2] // still charging: the newest reading has power
	}
	const battery = 75_000 // Wh
	for i := range at {
		var soc = nullInt(0)
		if p.socFrom > 0 {
			soc = nullInt(min(100, p.socFrom+wh[i]*100/battery))
		}
		if err := s.q.InsertMeterReading(s.ctx, queries.InsertMeterReadingParams{
			SessionID: id, ActingAs: p.user, At: p.start.Unix() + at[i], EnergyWh: meterStart + wh[i], PowerW: w[i], SocPct: soc, PowerKnown: 1,
		}); err != nil {
			s.err = err
			return 0
		}
	}
	if !stop {
		return id
	}
	meterStop := meterStart + p.energyWh
	chargingEnd := p.start.Add(time.Duration(p.chargingS) * time.Second)
	if _, err := charging.Stop(s.ctx, s.tx, charging.StopRequest{
		SessionID: id, ActingAs: p.user,
		At:          chargingEnd.Add(time.Duration(p.parkingS) * time.Second),
		MeterStopWh: &meterStop, ChargingEndedAt: &chargingEnd,
		EndedBy: p.endedBy, Reason: p.reason,
	}); err != nil {
		s.err = err
	}
	return id
}

// history adds count ordinary completed sessions for user over the past months.
func (s *seeder) history(user, card, pm int64, count int, seed int) {
	sites := []string{"alex/1", "alex/2", "tempel/1", "tempel/2", "spree/2", "prenz/1"}
	for i := 0; i < count; i++ {
		k := seed*7 + i*13
		conn := sites[k%len(sites)]
		dc := siteOf(conn).connectors[0].powerType == "DC"
		energy := int64(8_000 + (k*2_731)%34_000)
		var chargingS int64
		if dc {
			chargingS = energy * 3600 / 60_000
		} else {
			chargingS = energy * 3600 / 10_500
		}
		start := s.now.Add(-time.Duration(8+i*4+k%3) * 24 * time.Hour).Truncate(time.Hour).Add(time.Duration(7+k%12) * time.Hour)
		var soc int64
		if dc {
			soc = int64(15 + k%30)
		}
		s.session(plan{user: user, card: card, pm: pm, conn: conn, start: start, chargingS: chargingS,
			parkingS: int64(60 * (3 + k%20)), energyWh: energy, socFrom: soc, every: 10 * time.Minute,
			endedBy: charging.EndedByStation, reason: "EV disconnected"}, true)
	}
}

// receiptOf returns the receipt id issued for a session.
func (s *seeder) receiptOf(sessionID int64) int64 {
	var id int64
	if s.err == nil {
		s.err = s.tx.QueryRowContext(s.ctx, `SELECT id FROM receipts WHERE session_id = ?`, sessionID).Scan(&id)
	}
	return id
}

// tariffZone is where demo wall-clock times mean local time.
var tariffZone = tariff.Zone
