package report_test

import (
	"strings"
	"testing"
	"time"

	"chargedesk/report"
)

func TestCheckPeriod(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     string // "" accepted
	}{
		{"the last year", now.AddDate(-1, 0, 0), now, ""},
		{"ending tomorrow", now.Add(-day), now.Add(day), ""},
		{"two years to the day", now.Add(-report.Period), now, ""},
		{"reversed", now.Add(-day), now.Add(-2 * day), "must end after it starts"},
		{"empty", now.Add(-day), now.Add(-day), "must end after it starts"},
		{"in the future", now.Add(day), now.Add(2 * day), "starts in the future"},
		{"too long", now.Add(-report.Period - time.Second), now, "at most two years"},
	} {
		err := report.CheckPeriod(tc.from, tc.to, now)
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// What is not a signed report is refused with a sentence, whatever key it is checked with.
func TestVerifyRefusesWhatIsNotAReport(t *testing.T) {
	t.Parallel()
	key := strings.Repeat("ab", 32)
	for _, tc := range []struct{ name, file, want string }{
		{"not JSON", "PDF-1.3", "not a ChargeDesk access report"},
		{"no report", `{"key":"` + key + `","signature":"x"}`, "not a ChargeDesk access report"},
		{"another key", `{"report":{"v":1},"key":"00","signature":"x"}`, "not by the key you checked against"},
		{"a bad signature", `{"report":{"v":1},"key":"` + key + `","signature":"!!"}`, "changed after it was signed"},
		{"a report that is not JSON", `{"report":"x","key":"` + key + `","signature":"AAAA"}`, "changed after it was signed"},
	} {
		_, err := report.Verify([]byte(tc.file), key)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
