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
// one before and no higher than the stop value), and the stop value when charging ended.
// Power is that of each reading from its instant on.
func PricingSession(c Completed) tariff.Session {
	start, stop := time.Unix(c.StartedAt, 0), time.Unix(c.StoppedAt, 0)
	end := min(max(c.ChargingEndedAt, c.StartedAt), c.StoppedAt)
	s := tariff.Session{Start: start, Stop: stop, Zone: zone(c.TimeZone)}
	if end < c.StoppedAt {
		t := time.Unix(end, 0)
		s.ChargingStopped = &t
	}
	var firstW int64
	if len(c.Readings) > 0 {
		firstW = c.Readings[0].PowerW
	}
	s.Readings = append(s.Readings, reading(c.StartedAt, c.MeterStartWh, firstW))
	wh := c.MeterStartWh
	for _, r := range c.Readings {
		if r.At <= c.StartedAt || r.At > end {
			continue
		}
		wh = min(max(wh, r.EnergyWh), c.MeterStopWh)
		s.Readings = append(s.Readings, reading(r.At, wh, r.PowerW))
	}
	if last := s.Readings[len(s.Readings)-1]; last.At.Unix() < end || last.Wh.Num().Int64() != c.MeterStopWh {
		s.Readings = append(s.Readings, reading(max(end, last.At.Unix()), c.MeterStopWh, 0))
	}
	return s
}

func reading(at, wh, w int64) tariff.Reading {
	return tariff.Reading{At: time.Unix(at, 0), Wh: ratOf(wh), W: ratOf(w)}
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
