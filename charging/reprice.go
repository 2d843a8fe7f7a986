package charging

import "chargedesk/tariff"

// Reprice prices a completed session again from what it recorded (its frozen tariff and its
// readings), to show which price applied when and to write it as an OCPI CDR. Sessions
// priced by the same engine get the same figures as their receipt.
func Reprice(snapshot string, c Completed) (tariff.OCPI, tariff.Result, error) {
	t, err := tariff.FromSnapshot(snapshot)
	if err != nil {
		return tariff.OCPI{}, tariff.Result{}, err
	}
	r, err := tariff.PriceSession(t, PricingSession(c))
	return t, r, err
}
