package handlers

import (
	"strconv"
	"strings"
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
