// Package text checks free text people type (a ticket, a reason, a card's name): it must be
// text a reader sees as typed. Control characters, bidi overrides, zero-width and other
// invisible format characters, private-use and non-characters are refused, and so is text
// with no visible letters or digits; the message names the field and the character.
package text

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"chargedesk/errs"
)

// Field describes one text field.
type Field struct {
	Name      string // as the form labels it: "Ticket"
	Max       int    // characters
	Required  bool
	Multiline bool // newlines allowed (a reason typed in a textarea)
}

// Check trims s and returns it, or an errs.Invalid naming the field and the problem.
func (f Field) Check(s string) (string, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if !utf8.ValidString(s) {
		return "", errs.Invalidf("%s must be plain text.", f.Name)
	}
	if s == "" {
		if f.Required {
			return "", errs.Invalidf("%s is required.", f.Name)
		}
		return "", nil
	}
	if n := utf8.RuneCountInString(s); n > f.Max {
		return "", errs.Invalidf("%s is too long: %d characters, %d at most.", f.Name, n, f.Max)
	}
	visible := false
	for _, r := range s {
		if why := refused(r, f.Multiline); why != "" {
			return "", errs.Invalidf("%s contains %s (U+%04X), which a reader would not see as typed. Type it again without it.", f.Name, why, r)
		}
		visible = visible || unicode.IsLetter(r) || unicode.IsDigit(r)
	}
	if !visible {
		return "", errs.Invalidf("%s has no visible letters or digits.", f.Name)
	}
	return s, nil
}

func refused(r rune, multiline bool) string {
	switch {
	case r == '\n' && multiline:
		return ""
	case unicode.IsControl(r):
		return "a control character"
	case unicode.In(r, unicode.Bidi_Control):
		return "a text-direction override"
	case unicode.Is(unicode.Cf, r):
		return "an invisible formatting character"
	case unicode.Is(unicode.Co, r), unicode.Is(unicode.Cs, r), unicode.In(r, unicode.Noncharacter_Code_Point):
		return "a character that is not text"
	case unicode.IsSpace(r) && r != ' ':
		return "an unusual space"
	}
	return ""
}
