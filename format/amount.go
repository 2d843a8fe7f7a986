package format

import (
	"regexp"
	"strconv"
	"strings"
)

var amountRE = regexp.MustCompile(`^([0-9]{1,7})(?:[.,]([0-9]{1,2}))?$`)

// ParseEuros reads a euro amount as people type it into cents: "2.50", "2,50", "2.5", "2",
// "€2.50", "2,50 €", "EUR 2.50". At most two decimals and 9 999 999 euros; no signs, no
// thousands separators (is "1.000" one thousand or one?).
func ParseEuros(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	for _, affix := range []string{"€", "EUR", "eur"} {
		s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, affix), affix))
	}
	m := amountRE.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	frac := m[2]
	for len(frac) < 2 {
		frac += "0"
	}
	w, _ := strconv.ParseInt(m[1], 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	return w*100 + f, true
}
