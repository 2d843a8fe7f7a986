package charging

import (
	"math/big"
	"sync"
	"time"

	"chargedesk/queries"
	"chargedesk/tariff"
)

// Completed is a finished session's facts, as the tariff engine needs them.
type Completed struct {
	StartedAt, StoppedAt, ChargingEndedAt int64 // unix seconds; parking from ChargingEndedAt to StoppedAt
	MeterStartWh, MeterStopWh             int64
	Readings                              []queries.ListReadingsRow
	TimeZone                              string // the location's IANA zone; "" is the network's (tariff.Zone)
}

// PricingSession is c as the engine reads it, in its location's zone: the meter at its start
// value when the session started, the readings while energy flowed (each no lower than the
// one before and no higher than the stop value), and the stop value when charging ended. A
// reading's power (and current) is what the charger reported, from its instant on; where it
// reported none, the engine works it out from the register (tariff.Derived), so energy the
// register counted is always priced, samples or not.
func PricingSession(c Completed) tariff.Session {
	start, stop := time.Unix(c.StartedAt, 0), time.Unix(c.StoppedAt, 0)
	end := min(max(c.ChargingEndedAt, c.StartedAt), c.StoppedAt)
	s := tariff.Session{Start: start, Stop: stop, Zone: zone(c.TimeZone)}
	if end < c.StoppedAt {
		t := time.Unix(end, 0)
		s.ChargingStopped = &t
	}
	first := tariff.Reading{At: start, Wh: ratOf(c.MeterStartWh)} // power unknown until a reading says
	if len(c.Readings) > 0 && c.Readings[0].At <= c.StartedAt {
		first.W, first.CurrentA = power(c.Readings[0]), current(c.Readings[0])
	}
	s.Readings = append(s.Readings, first)
	wh := c.MeterStartWh
	for _, r := range c.Readings {
		if r.At <= c.StartedAt || r.At > end {
			continue
		}
		wh = min(max(wh, r.EnergyWh), c.MeterStopWh)
		s.Readings = append(s.Readings, tariff.Reading{At: time.Unix(r.At, 0), Wh: ratOf(wh), W: power(r), CurrentA: current(r)})
	}
	if last := s.Readings[len(s.Readings)-1]; last.At.Unix() < end || last.Wh.Num().Int64() != c.MeterStopWh {
		s.Readings = append(s.Readings, tariff.Reading{At: time.Unix(max(end, last.At.Unix()), 0), Wh: ratOf(c.MeterStopWh), W: new(big.Rat)})
	}
	return s
}

// power is a reading's power as reported, nil when the charger did not report it.
func power(r queries.ListReadingsRow) *big.Rat {
	if r.PowerKnown == 0 {
		return nil
	}
	return ratOf(r.PowerW)
}

// current is a reading's current per phase in A, nil when not reported.
func current(r queries.ListReadingsRow) *big.Rat {
	if !r.CurrentMa.Valid {
		return nil
	}
	return big.NewRat(r.CurrentMa.Int64, 1000)
}

func ratOf(v int64) *big.Rat { return big.NewRat(v, 1) }

// zones are the time zones loaded so far, by name.
var zones sync.Map

// zone is the named zone, or the network's when the name is empty or unknown.
func zone(name string) *time.Location {
	if name == "" {
		return tariff.Zone
	}
	if z, ok := zones.Load(name); ok {
		return z.(*time.Location)
	}
	z, err := time.LoadLocation(name)
	if err != nil {
		return tariff.Zone
	}
	zones.Store(name, z)
	return z
}
