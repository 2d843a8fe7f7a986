package tariff

import (
	"math/big"
	"time"
)

// CDR is an OCPI 2.2.1 CDR object (module CDRs). The pricing fields are always there; who
// charged where (token, location, session id) when the caller knows them.
type CDR struct {
	CountryCode          string           `json:"country_code"`
	PartyID              string           `json:"party_id"`
	ID                   string           `json:"id"`
	StartDateTime        time.Time        `json:"start_date_time"`
	EndDateTime          time.Time        `json:"end_date_time"`
	SessionID            string           `json:"session_id,omitempty"`
	CdrToken             *CdrToken        `json:"cdr_token,omitempty"`
	AuthMethod           string           `json:"auth_method,omitempty"`
	CdrLocation          *CdrLocation     `json:"cdr_location,omitempty"`
	Currency             string           `json:"currency"`
	Tariffs              []OCPI           `json:"tariffs"`
	ChargingPeriods      []ChargingPeriod `json:"charging_periods"`
	TotalCost            Price            `json:"total_cost"`
	TotalFixedCost       *Price           `json:"total_fixed_cost,omitempty"`
	TotalEnergy          Decimal          `json:"total_energy"` // kWh
	TotalEnergyCost      *Price           `json:"total_energy_cost,omitempty"`
	TotalTime            Decimal          `json:"total_time"` // hours, charging and parking
	TotalTimeCost        *Price           `json:"total_time_cost,omitempty"`
	TotalParkingTime     Decimal          `json:"total_parking_time"` // hours
	TotalParkingCost     *Price           `json:"total_parking_cost,omitempty"`
	TotalReservationCost *Price           `json:"total_reservation_cost,omitempty"`
	Remark               string           `json:"remark,omitempty"`
	LastUpdated          time.Time        `json:"last_updated"`
}

// CdrToken is the token a session was started with (OCPI 2.2.1 requires every field).
type CdrToken struct {
	CountryCode string `json:"country_code"`
	PartyID     string `json:"party_id"`
	UID         string `json:"uid"`
	Type        string `json:"type"` // RFID for an EV card
	ContractID  string `json:"contract_id"`
}

// GeoLocation is a place's WGS84 coordinates, as OCPI writes them: decimal strings.
type GeoLocation struct {
	Latitude  string `json:"latitude"`
	Longitude string `json:"longitude"`
}

// CdrLocation is where the session took place.
type CdrLocation struct {
	ID                 string      `json:"id"`
	Name               string      `json:"name,omitempty"`
	Address            string      `json:"address"`
	City               string      `json:"city"`
	PostalCode         string      `json:"postal_code,omitempty"`
	Country            string      `json:"country"`
	Coordinates        GeoLocation `json:"coordinates"`
	EvseUID            string      `json:"evse_uid"`
	EvseID             string      `json:"evse_id"`
	ConnectorID        string      `json:"connector_id"`
	ConnectorStandard  string      `json:"connector_standard"`
	ConnectorFormat    string      `json:"connector_format"`
	ConnectorPowerType string      `json:"connector_power_type"`
}

// ChargingPeriod is a period of the CDR: when it started and what it measured.
type ChargingPeriod struct {
	StartDateTime time.Time      `json:"start_date_time"`
	Dimensions    []CdrDimension `json:"dimensions"`
	TariffID      string         `json:"tariff_id,omitempty"`
}

// CdrDimension is one measured volume of a period.
type CdrDimension struct {
	Type   string  `json:"type"`
	Volume Decimal `json:"volume"`
}

// CDR is the result as a CDR with id: its periods, volumes and costs. Money is rounded to the
// cent (the totals once, from exact amounts); volumes to six decimals.
func (r Result) CDR(id string, lastUpdated time.Time) CDR {
	s := r.Session
	c := CDR{CountryCode: r.Tariff.CountryCode, PartyID: r.Tariff.PartyID, ID: id, StartDateTime: s.Start.UTC(), EndDateTime: s.Stop.UTC(),
		Currency: r.Tariff.Currency, Tariffs: []OCPI{r.Tariff}, LastUpdated: lastUpdated.UTC()}
	if s.ReservationStart != nil {
		c.StartDateTime = s.ReservationStart.UTC()
	}
	c.TotalCost = r.rounded(r.ExclVAT, r.InclVAT)
	c.Remark = r.Derived.Sentence()
	c.CdrToken, c.AuthMethod, c.CdrLocation = s.Token, s.AuthMethod, s.Location
	for i := range c.Tariffs {
		if c.Tariffs[i].LastUpdated == nil { // a tariff frozen before ChargeDesk kept the date
			at := c.StartDateTime
			c.Tariffs[i].LastUpdated = &at
		}
	}
	energy, parking := new(big.Rat), new(big.Rat)
	total := big.NewRat(s.Stop.Sub(s.Start).Nanoseconds(), 1e9)
	for _, p := range r.Merged() {
		cp := ChargingPeriod{StartDateTime: p.Start.UTC(), TariffID: r.Tariff.ID}
		switch p.Kind {
		case Charging:
			energy.Add(energy, p.EnergyWh)
			cp.Dimensions = append(cp.Dimensions, CdrDimension{Energy, Decimal{kWh(p.EnergyWh)}}, CdrDimension{Time, Decimal{hours(p.Seconds)}})
			if p.PowerW.Sign() > 0 {
				cp.Dimensions = append(cp.Dimensions, CdrDimension{"MAX_POWER", Decimal{kWh(p.PowerW)}})
			}
			if p.CurrentA != nil {
				cp.Dimensions = append(cp.Dimensions, CdrDimension{"MAX_CURRENT", Decimal{p.CurrentA}})
			}
		case Parking:
			parking.Add(parking, p.Seconds)
			cp.Dimensions = append(cp.Dimensions, CdrDimension{ParkingTime, Decimal{hours(p.Seconds)}})
		case Reserved:
			cp.Dimensions = append(cp.Dimensions, CdrDimension{"RESERVATION_TIME", Decimal{hours(p.Seconds)}})
		}
		c.ChargingPeriods = append(c.ChargingPeriods, cp)
	}
	if s.ReservationExpired {
		total = new(big.Rat)
	}
	c.TotalEnergy, c.TotalTime, c.TotalParkingTime = Decimal{kWh(energy)}, Decimal{hours(total)}, Decimal{hours(parking)}
	part := func(p Price) *Price {
		if p.ExclVAT.Rat().Sign() == 0 && p.InclVAT.Rat().Sign() == 0 {
			return nil
		}
		x := r.rounded(p.ExclVAT.Rat(), p.InclVAT.Rat())
		return &x
	}
	c.TotalFixedCost, c.TotalEnergyCost, c.TotalTimeCost = part(r.Fixed), part(r.Energy), part(r.Time)
	c.TotalParkingCost, c.TotalReservationCost = part(r.Parking), part(r.Reservation)
	return c
}

// rounded is a price rounded to the cent, incl. VAT only when every amount had a VAT rate.
func (r Result) rounded(excl, incl *big.Rat) Price {
	p := Price{ExclVAT: Decimal{roundRat(excl, 2)}}
	if r.InclKnown {
		p.InclVAT = &Decimal{roundRat(incl, 2)}
	}
	return p
}

func kWh(wh *big.Rat) *big.Rat  { return new(big.Rat).Quo(wh, big.NewRat(1000, 1)) }
func hours(s *big.Rat) *big.Rat { return new(big.Rat).Quo(s, big.NewRat(3600, 1)) }
