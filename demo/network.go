package demo

import (
	"strings"
	"time"

	"chargedesk/tariff"
)

func i64(v int64) *int64 { return &v }

// Tariffs of the demo network. Prices are excl. VAT in 1/10 000 €, so 0.49 € gross per kWh
// at 19 % is 4118.
var demoTariffs = []struct {
	key string
	t   tariff.Tariff
}{
	{"home", tariff.Tariff{Name: "Home electricity 0.32 €/kWh", Currency: "EUR", Elements: []tariff.Element{
		{Components: []tariff.Component{{Type: tariff.Energy, Price: 2689, VatBP: 1900, StepSize: 1}}},
	}}},
	{"ac", tariff.Tariff{Name: "Public AC 0.49 €/kWh, blocking fee after 4 h", Currency: "EUR", Elements: []tariff.Element{
		{Components: []tariff.Component{{Type: tariff.Energy, Price: 4118, VatBP: 1900, StepSize: 1}}},
		// 0.10 €/min gross after 4 h; the window ends at 6 h, which caps the fee at 12 € gross.
		{Restrictions: tariff.Restrictions{MinDurationS: i64(4 * 3600), MaxDurationS: i64(6 * 3600)},
			Components: []tariff.Component{
				{Type: tariff.Time, Price: 50420, VatBP: 1900, StepSize: 60},
				{Type: tariff.ParkingTime, Price: 50420, VatBP: 1900, StepSize: 60},
			}},
	}}},
	{"spree", tariff.Tariff{Name: "Spreeufer DC: 0.50 € start, 0.55 €/kWh, 1.20 €/h, parking 6 €/h", Currency: "EUR", Elements: []tariff.Element{
		{Components: []tariff.Component{
			{Type: tariff.Flat, Price: 5000, VatBP: 1900, StepSize: 1},
			{Type: tariff.Energy, Price: 5500, VatBP: 1900, StepSize: 100},
			{Type: tariff.Time, Price: 12000, VatBP: 1900, StepSize: 60},
			{Type: tariff.ParkingTime, Price: 60000, VatBP: 1900, StepSize: 300},
		}},
	}}},
	{"dc", tariff.Tariff{Name: "Public DC 0.69 €/kWh", Currency: "EUR", Elements: []tariff.Element{
		{Components: []tariff.Component{{Type: tariff.Energy, Price: 5798, VatBP: 1900, StepSize: 1}}},
	}}},
}

// site is a location with its chargers' connectors, keyed "site/n".
type site struct {
	key, name, address, city, kind string
	lat, lon                       string // WGS84, as OCPI's GeoLocation writes them
	vendor, model                  string
	powerW                         int64
	connectors                     []struct{ standard, powerType, status string }
	tariff                         string
	ownerless                      bool // a home charger whose owner link is missing (Omar's bug)
}

func conns(standard, powerType string, statuses ...string) []struct{ standard, powerType, status string } {
	out := make([]struct{ standard, powerType, status string }, len(statuses))
	for i, st := range statuses {
		out[i] = struct{ standard, powerType, status string }{standard, powerType, st}
	}
	return out
}

var demoSites = []site{
	{key: "garage", lat: "52.501450", lon: "13.403720", name: "Garage – Lindenstraße 12", address: "Lindenstraße 12", city: "10969 Berlin", kind: "home",
		vendor: "Wallbox", model: "Pulsar Plus", powerW: 7400, connectors: conns("Type2", "AC", "Available"), tariff: "home"},
	{key: "alex", lat: "52.521890", lon: "13.413330", name: "Parkhaus Alexanderplatz P2", address: "Alexanderstraße 7, level P2", city: "10178 Berlin", kind: "public",
		vendor: "Keba", model: "KeContact P30", powerW: 22000, connectors: conns("Type2", "AC", "Available", "Available"), tariff: "ac"},
	{key: "spree", lat: "52.512220", lon: "13.426110", name: "Ladepark Spreeufer", address: "Holzmarktstraße 25", city: "10243 Berlin", kind: "public",
		vendor: "ABB", model: "Terra 54", powerW: 50000, connectors: append(conns("CCS", "DC", "Charging"), conns("CHAdeMO", "DC", "Available")...), tariff: "spree"},
	{key: "tempel", lat: "52.463890", lon: "13.386110", name: "Schnellladepark Tempelhof", address: "Tempelhofer Damm 120", city: "12099 Berlin", kind: "public",
		vendor: "Alpitronic", model: "HYC150", powerW: 150000, connectors: conns("CCS", "DC", "Available", "Available"), tariff: "dc"},
	{key: "prenz", lat: "52.545830", lon: "13.412780", name: "Supermarkt Prenzlauer Berg", address: "Schönhauser Allee 80", city: "10439 Berlin", kind: "public",
		vendor: "Mennekes", model: "Amtron Charge Control", powerW: 11000, connectors: conns("Type2", "AC", "Faulted"), tariff: "ac"},
	{key: "birken", lat: "52.431670", lon: "13.230000", name: "Carport – Birkenweg 3", address: "Birkenweg 3", city: "14163 Berlin", kind: "home",
		vendor: "Easee", model: "Home", powerW: 11000, connectors: conns("Type2", "AC", "Available"), tariff: "home", ownerless: true},
}

// network inserts tariffs and the charging sites. Home chargers get their owner later.
func (s *seeder) network() {
	s.tariffs = map[string]int64{}
	s.connectors = map[string]int64{}
	s.evses = map[string]int64{}
	for _, dt := range demoTariffs {
		t := dt.t
		id := s.exec(`INSERT INTO tariffs (name, currency, last_updated) VALUES (?, ?, ?)`, t.Name, t.Currency, s.ago(30*24*time.Hour))
		for pos, el := range t.Elements {
			r := el.Restrictions
			eid := s.exec(`INSERT INTO tariff_elements (tariff_id, position, min_duration_s, max_duration_s) VALUES (?, ?, ?, ?)`,
				id, pos+1, r.MinDurationS, r.MaxDurationS)
			for _, c := range el.Components {
				s.exec(`INSERT INTO price_components (element_id, type, price, vat_bp, step_size) VALUES (?, ?, ?, ?, ?)`,
					eid, c.Type, c.Price, c.VatBP, c.StepSize)
			}
		}
		s.tariffs[dt.key] = id
	}
	for i, st := range demoSites {
		postal, city, _ := strings.Cut(st.city, " ") // "10178 Berlin"
		loc := s.exec(`INSERT INTO locations (name, address, postal_code, city, kind, latitude, longitude) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			st.name, st.address, postal, city, st.kind, st.lat, st.lon)
		ch := s.exec(`INSERT INTO chargers (location_id, ocpp_id, name, vendor, model, max_power_w, heartbeat_interval_s, last_seen_at)
			VALUES (?, ?, ?, ?, ?, ?, 300, ?)`, loc, "CDK-"+st.key+"-01", st.vendor+" "+st.model, st.vendor, st.model, st.powerW, s.ago(40*time.Second))
		for n, c := range st.connectors {
			evse := s.exec(`INSERT INTO evses (charger_id, evse_uid) VALUES (?, ?)`, ch, evseUID(i+1, n+1))
			id := s.exec(`INSERT INTO connectors (evse_id, standard, power_type, max_power_w, status, tariff_id) VALUES (?, ?, ?, ?, ?, ?)`,
				evse, c.standard, c.powerType, st.powerW, c.status, s.tariffs[st.tariff])
			key := st.key + "/" + string(rune('1'+n))
			s.connectors[key] = id
			s.evses[key] = evse
		}
	}
}

func evseUID(site, n int) string {
	return "DE*CDK*E" + string(rune('0'+site)) + "00" + string(rune('0'+n))
}

// tariffOf returns the demo tariff with its database id, ready to freeze on a session.
func (s *seeder) tariffOf(key string) tariff.Tariff {
	for _, dt := range demoTariffs {
		if dt.key == key {
			t := dt.t
			t.ID = s.tariffs[key]
			return t
		}
	}
	panic("demo: no tariff " + key)
}

// siteOf returns the site a connector key belongs to.
func siteOf(connKey string) site {
	for _, st := range demoSites {
		if len(connKey) > len(st.key) && connKey[:len(st.key)+1] == st.key+"/" {
			return st
		}
	}
	panic("demo: no site for " + connKey)
}
