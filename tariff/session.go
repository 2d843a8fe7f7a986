package tariff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"time"
)

// Session is what a charging session did, as the engine prices it: when it started and
// stopped, when energy stopped flowing (parking from then on), where (for local time), and
// its meter readings. A reservation before it, or a reservation that expired without one,
// is priced too.
type Session struct {
	Start, Stop     time.Time
	ChargingStopped *time.Time // nil: charging until Stop
	Zone            *time.Location
	Readings        []Reading // in time order; energy cumulative
	// ReservationStart is when a reservation for this session began (it lasts until Start);
	// with ReservationExpired, the reservation ran until Start and no session followed.
	ReservationStart   *time.Time
	ReservationExpired bool
	// Voltage (phase to neutral) and Phases of the supply, for deriving a current the
	// readings lack (derive); 0 means DefaultVoltage and DefaultPhases.
	Voltage, Phases int
	// Token, AuthMethod and Location are who charged where, for the CDR (nil/"" when unknown).
	Token      *CdrToken
	AuthMethod string
	Location   *CdrLocation
}

// Reading is one meter reading: cumulative energy, and the power (and, when known, the
// current per phase) drawn from this instant until the next reading.
type Reading struct {
	At       time.Time
	Wh       *big.Rat
	W        *big.Rat // nil when the charger did not report it: derived from the register
	CurrentA *big.Rat // nil when the charger does not report it
}

// sessionJSON is SESSION.json as `chargedesk tariff price` reads it; the field names are a
// contract with tools outside the project.
type sessionJSON struct {
	Start              string        `json:"start"`
	Stop               string        `json:"stop"`
	ChargingStopped    string        `json:"charging_stopped,omitempty"`
	TimeZone           string        `json:"time_zone"`
	Readings           []readingJSON `json:"readings"`
	ReservationStart   string        `json:"reservation_start,omitempty"`
	ReservationExpired bool          `json:"reservation_expired,omitempty"`
	Voltage            *int          `json:"voltage,omitempty"`
	Phases             *int          `json:"phases,omitempty"`
	CdrToken           *CdrToken     `json:"cdr_token,omitempty"`
	AuthMethod         string        `json:"auth_method,omitempty"`
	CdrLocation        *CdrLocation  `json:"cdr_location,omitempty"`
}

type readingJSON struct {
	At string   `json:"at"`
	Wh *Decimal `json:"wh"`
	W  *Decimal `json:"w,omitempty"`
	A  *Decimal `json:"a,omitempty"`
}

// ParseSession reads SESSION.json: {"start", "stop", "charging_stopped" (optional),
// "time_zone" (IANA), "readings": [{"at", "wh", "w" (optional), "a" (optional)}], for a
// reservation "reservation_start" and "reservation_expired", and "voltage" and "phases"
// (optional: 230 V and 3 phases) for deriving a current the readings lack}. Errors name the
// field.
func ParseSession(b []byte) (Session, error) {
	if err := checkNumbers(b, []string{"wh", "w", "a"}); err != nil {
		return Session{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var in sessionJSON
	if err := dec.Decode(&in); err != nil {
		return Session{}, jsonError(err)
	}
	var s Session
	var err error
	parse := func(field, v string, required bool) (*time.Time, error) {
		if v == "" {
			if required {
				return nil, fmt.Errorf("%s: missing (an RFC 3339 time such as 2026-11-24T16:55:00+01:00)", field)
			}
			return nil, nil
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not an RFC 3339 time (such as 2026-11-24T16:55:00+01:00)", field, v)
		}
		return &t, nil
	}
	start, err := parse("start", in.Start, true)
	if err != nil {
		return Session{}, err
	}
	stop, err := parse("stop", in.Stop, true)
	if err != nil {
		return Session{}, err
	}
	s.Start, s.Stop = *start, *stop
	if in.TimeZone == "" {
		return Session{}, fmt.Errorf("time_zone: missing (an IANA name such as Europe/Berlin)")
	}
	if s.Zone, err = time.LoadLocation(in.TimeZone); err != nil {
		return Session{}, fmt.Errorf("time_zone: %q is not an IANA time zone (such as Europe/Berlin)", in.TimeZone)
	}
	if s.ChargingStopped, err = parse("charging_stopped", in.ChargingStopped, false); err != nil {
		return Session{}, err
	}
	if s.ReservationStart, err = parse("reservation_start", in.ReservationStart, false); err != nil {
		return Session{}, err
	}
	s.ReservationExpired = in.ReservationExpired
	s.Token, s.AuthMethod, s.Location = in.CdrToken, in.AuthMethod, in.CdrLocation
	switch s.AuthMethod {
	case "", "AUTH_REQUEST", "COMMAND", "WHITELIST":
	default:
		return Session{}, fmt.Errorf("auth_method: %q is not AUTH_REQUEST, COMMAND or WHITELIST", s.AuthMethod)
	}
	if in.Voltage != nil {
		if *in.Voltage < 100 || *in.Voltage > 1000 {
			return Session{}, fmt.Errorf("voltage: %d V is not a supply voltage (100 to 1000, phase to neutral; 230 in Europe)", *in.Voltage)
		}
		s.Voltage = *in.Voltage
	}
	if in.Phases != nil {
		if *in.Phases < 1 || *in.Phases > 3 {
			return Session{}, fmt.Errorf("phases: %d is not 1, 2 or 3", *in.Phases)
		}
		s.Phases = *in.Phases
	}
	for i, r := range in.Readings {
		at, err := parse(fmt.Sprintf("readings[%d].at", i), r.At, true)
		if err != nil {
			return Session{}, err
		}
		if r.Wh == nil {
			return Session{}, fmt.Errorf("readings[%d].wh: missing (the meter's cumulative energy in Wh)", i)
		}
		rd := Reading{At: *at, Wh: r.Wh.Rat()}
		if r.W != nil {
			rd.W = r.W.Rat()
		}
		if r.A != nil {
			rd.CurrentA = r.A.Rat()
		}
		s.Readings = append(s.Readings, rd)
	}
	return s, s.Validate()
}

// Validate says what is wrong with s, naming the field.
func (s Session) Validate() error {
	switch {
	case s.Zone == nil:
		return fmt.Errorf("time_zone: missing")
	case s.Stop.Before(s.Start):
		return fmt.Errorf("stop: %s is before start %s", s.Stop.Format(time.RFC3339), s.Start.Format(time.RFC3339))
	case s.ChargingStopped != nil && (s.ChargingStopped.Before(s.Start) || s.ChargingStopped.After(s.Stop)):
		return fmt.Errorf("charging_stopped: must be between start and stop")
	case s.ReservationStart != nil && s.ReservationStart.After(s.Start):
		return fmt.Errorf("reservation_start: must not be after start (the reservation ends when the session starts)")
	case s.ReservationExpired && s.ReservationStart == nil:
		return fmt.Errorf("reservation_expired: needs reservation_start")
	}
	for i, r := range s.Readings {
		switch {
		case r.At.Before(s.Start) || r.At.After(s.Stop):
			return fmt.Errorf("readings[%d].at: %s is outside the session (start to stop)", i, r.At.Format(time.RFC3339))
		case i > 0 && r.At.Before(s.Readings[i-1].At):
			return fmt.Errorf("readings[%d].at: readings must be in time order", i)
		case i > 0 && r.Wh.Cmp(s.Readings[i-1].Wh) < 0:
			return fmt.Errorf("readings[%d].wh: the meter counts up; %s Wh is less than the reading before", i, r.Wh.FloatString(1))
		case r.Wh.Sign() < 0:
			return fmt.Errorf("readings[%d].wh: must not be negative", i)
		case r.W != nil && r.W.Sign() < 0:
			return fmt.Errorf("readings[%d].w: must not be negative", i)
		}
	}
	if s.ReservationExpired && len(s.Readings) > 1 && s.Readings[len(s.Readings)-1].Wh.Cmp(s.Readings[0].Wh) != 0 {
		return fmt.Errorf("reservation_expired: an expired reservation has no charging, but the readings show energy")
	}
	return nil
}

// sortedReadings is s's readings in time order (a copy).
func (s Session) sortedReadings() []Reading {
	rs := slices.Clone(s.Readings)
	slices.SortStableFunc(rs, func(a, b Reading) int { return a.At.Compare(b.At) })
	return rs
}

// JSON is s as SESSION.json (what ParseSession reads): `chargedesk tariff price` on it and the
// session's tariff prices it exactly as ChargeDesk did. What a reading did not report is left
// out, so that the engine works it out the same way.
func (s Session) JSON() ([]byte, error) {
	ts := func(t time.Time) string { return t.In(s.Zone).Format(time.RFC3339Nano) }
	out := sessionJSON{Start: ts(s.Start), Stop: ts(s.Stop), TimeZone: s.Zone.String(), ReservationExpired: s.ReservationExpired,
		CdrToken: s.Token, AuthMethod: s.AuthMethod, CdrLocation: s.Location}
	if s.ChargingStopped != nil {
		out.ChargingStopped = ts(*s.ChargingStopped)
	}
	if s.ReservationStart != nil {
		out.ReservationStart = ts(*s.ReservationStart)
	}
	if s.Voltage != 0 {
		out.Voltage = &s.Voltage
	}
	if s.Phases != 0 {
		out.Phases = &s.Phases
	}
	for _, r := range s.Readings {
		rj := readingJSON{At: ts(r.At), Wh: &Decimal{r.Wh}}
		if r.W != nil {
			rj.W = &Decimal{r.W}
		}
		if r.CurrentA != nil {
			rj.A = &Decimal{r.CurrentA}
		}
		out.Readings = append(out.Readings, rj)
	}
	return json.MarshalIndent(out, "", "  ")
}
