package handlers

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"chargedesk/access"
)

// parseID reads an id from a path, a form or a query string (access.ParseID).
func parseID(s string) (int64, bool) { return access.ParseID(s) }

// formID reads a positive id from a form field.
func formID(c *gin.Context, field string) (int64, bool) {
	return parseID(strings.TrimSpace(c.PostForm(field)))
}

// textParam checks free text: trimmed, valid UTF-8, at most max characters.
func textParam(s string, max int) (string, bool) {
	s = strings.TrimSpace(s)
	return s, utf8.ValidString(s) && utf8.RuneCountInString(s) <= max
}

// formValues keeps what the person typed, to refill a form after a problem.
func formValues(c *gin.Context, fields ...string) map[string]string {
	m := make(map[string]string, len(fields))
	for _, f := range fields {
		v := c.PostForm(f)
		if !utf8.ValidString(v) || len(v) > 500 {
			v = ""
		}
		m[f] = v
	}
	return m
}

// dateRange reads a from/to pair (either may be empty) as the unix range [from, to). Each is a
// local date (YYYY-MM-DD; a "to" date includes its whole day) or an RFC 3339 instant. Its
// error is a sentence for the person.
func dateRange(from, to string) (fromAt, toAt int64, err error) {
	parse := func(s string, endOfDay bool) (int64, error) {
		if t, err := time.ParseInLocation("2006-01-02", s, displayZone); err == nil {
			if endOfDay {
				t = t.AddDate(0, 0, 1)
			}
			return t.Unix(), nil
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.Unix(), nil
		}
		return 0, errBadRequest(fmt.Sprintf("Dates look like 2026-11-24 (or 2026-11-24T14:02:00Z); %q is not one.", truncate(s, 40)))
	}
	fromAt, toAt = 0, math.MaxInt64
	if from != "" {
		if fromAt, err = parse(from, false); err != nil {
			return
		}
	}
	if to != "" {
		if toAt, err = parse(to, true); err != nil {
			return
		}
	}
	if fromAt >= toAt {
		err = errBadRequest("The start date must be on or before the end date.")
	}
	return
}
