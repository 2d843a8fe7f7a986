package tariff

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// The supply assumed when a current must be derived and the session does not say: 230 V
// phase to neutral, three phases (European AC).
const (
	DefaultVoltage = 230
	DefaultPhases  = 3
)

// Derived says what the engine worked out because the charger did not report it.
type Derived struct {
	// Power: a reading had no power; it is the register's energy to the next reading over
	// the time between them (zero after the last reading).
	Power bool
	// Current: the tariff restricts by current and a reading had none; it is the power over
	// the voltage and the phases (per phase, like a charger's Current.Import).
	Current         bool
	Voltage, Phases int
}

// derive fills in what s's readings lack and t needs, on a copy: every reading gets a power
// (from the register when missing: a charger that sends no power still delivered the energy
// its register counted), and, when t restricts by current, a current. Time is never priced
// as if no current flowed because none was reported.
func derive(t OCPI, s Session) (Session, Derived) {
	var d Derived
	rs := s.sortedReadings()
	for i := range rs {
		if rs[i].W != nil {
			continue
		}
		d.Power = true
		rs[i].W = new(big.Rat)
		if i+1 < len(rs) {
			secs := rs[i+1].At.Sub(rs[i].At).Seconds()
			if secs > 0 {
				wh := new(big.Rat).Sub(rs[i+1].Wh, rs[i].Wh)
				rs[i].W = wh.Quo(wh.Mul(wh, big.NewRat(3600, 1)), new(big.Rat).SetFloat64(secs))
			}
		}
	}
	if t.restrictsCurrent() {
		d.Voltage, d.Phases = s.Voltage, s.Phases
		if d.Voltage == 0 {
			d.Voltage = DefaultVoltage
		}
		if d.Phases == 0 {
			d.Phases = DefaultPhases
		}
		for i := range rs {
			if rs[i].CurrentA == nil {
				d.Current = true
				rs[i].CurrentA = new(big.Rat).Quo(rs[i].W, big.NewRat(int64(d.Voltage*d.Phases), 1))
			}
		}
	}
	s.Readings = rs
	return s, d
}

// restrictsCurrent reports whether an element of t looks at the current.
func (t OCPI) restrictsCurrent() bool {
	return slices.ContainsFunc(t.Elements, func(e OCPIElement) bool {
		return e.Restrictions != nil && (e.Restrictions.MinCurrent != nil || e.Restrictions.MaxCurrent != nil)
	})
}

// Sentence says, for a receipt's explanation and a CDR's remark, what was worked out; "" when
// nothing was.
func (d Derived) Sentence() string {
	var parts []string
	if d.Power {
		parts = append(parts, "the charger did not report its power for part of the session: it was worked out from its meter's energy")
	}
	if d.Current {
		parts = append(parts, fmt.Sprintf("the charger did not report the current, which this tariff's prices depend on: it was worked out from the power at %d V on %d phases", d.Voltage, d.Phases))
	}
	if len(parts) == 0 {
		return ""
	}
	s := strings.Join(parts, "; ") + "."
	return strings.ToUpper(s[:1]) + s[1:]
}
