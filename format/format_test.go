package format

import "testing"

func TestCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1 000", 61234: "61 234", 1234567: "1 234 567", -4200: "−4 200"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestParseEuros(t *testing.T) {
	good := map[string]int64{"2.50": 250, "2,50": 250, "2.5": 250, "2,5": 250, "2": 200, "€2.50": 250, "€ 2,50": 250,
		"2,50 €": 250, "2.50€": 250, "EUR 2.50": 250, " 0.01 ": 1, "9999999.99": 999999999, "0": 0}
	for in, want := range good {
		if got, ok := ParseEuros(in); !ok || got != want {
			t.Errorf("ParseEuros(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "abc", "2.505", "-2", "+2", "1.000,50", "1,000.50", "2..5", "€", "12345678", "2 50", "0x10", "NaN", "1e3"} {
		if got, ok := ParseEuros(in); ok {
			t.Errorf("ParseEuros(%q) = %d, accepted", in, got)
		}
	}
}
