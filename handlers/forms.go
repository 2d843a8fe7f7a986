package handlers

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// formID reads a positive id from a form field; ok is false for anything else.
func formID(c *gin.Context, field string) (int64, bool) {
	s := strings.TrimSpace(c.PostForm(field))
	if s == "" || len(s) > 18 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// formText reads a trimmed text field and checks it is valid UTF-8 of at most max characters.
func formText(c *gin.Context, field string, max int) (string, bool) {
	s := strings.TrimSpace(c.PostForm(field))
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

// dateRange reads a from/to pair of local dates (YYYY-MM-DD, either may be empty) as the unix
// range [from, end of to). Its error is a sentence for the person.
func dateRange(from, to string) (fromAt, toAt int64, err error) {
	day := func(s string) (int64, error) {
		t, err := time.ParseInLocation("2006-01-02", s, displayZone)
		if err != nil {
			return 0, fmt.Errorf("Dates look like 2026-11-24; %q is not one.", truncate(s, 40))
		}
		return t.Unix(), nil
	}
	fromAt, toAt = 0, math.MaxInt64
	if from != "" {
		if fromAt, err = day(from); err != nil {
			return
		}
	}
	if to != "" {
		if toAt, err = day(to); err != nil {
			return
		}
		toAt += 24 * 3600 // the "to" day is included
	}
	if fromAt >= toAt {
		err = errors.New("The start date must be on or before the end date.")
	}
	return
}
