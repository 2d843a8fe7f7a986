package text_test

import (
	"strings"
	"testing"

	"chargedesk/errs"
	"chargedesk/text"
)

func TestCheck(t *testing.T) {
	ticket := text.Field{Name: "Ticket", Max: 64, Required: true}
	reason := text.Field{Name: "Reason", Max: 1000, Required: true, Multiline: true}
	tests := []struct {
		f       text.Field
		in      string
		want    string // the stored text, when accepted
		problem string // a part of the message, when refused
	}{
		{ticket, "  SUP-1234 ", "SUP-1234", ""},
		{ticket, "Kundin Müller – Ladekarte", "Kundin Müller – Ladekarte", ""},
		{ticket, "<b>SUP</b>", "<b>SUP</b>", ""}, // stored as typed; escaped on output
		{reason, "line one\r\nline two", "line one\nline two", ""},
		{ticket, "SUP-1\n2", "", "a control character (U+000A)"},
		{ticket, "SUP-\u200b1234", "", "an invisible formatting character (U+200B)"},
		{ticket, "\ufeffSUP-1", "", "an invisible formatting character (U+FEFF)"},
		{ticket, "SUP-\u202e4321", "", "a text-direction override (U+202E)"},
		{reason, "bug \x1b[31m red", "", "a control character (U+001B)"},
		{reason, "tab\there", "", "a control character (U+0009)"},
		{ticket, "SUP\u00a0123", "", "an unusual space (U+00A0)"},
		{ticket, "\ue000", "", "a character that is not text (U+E000)"},
		{ticket, "--- ...", "", "no visible letters or digits"},
		{ticket, "   ", "", "Ticket is required"},
		{ticket, strings.Repeat("x", 65), "", "too long: 65 characters, 64 at most"},
		{ticket, "a\xffb", "", "must be plain text"},
	}
	for _, tt := range tests {
		got, err := tt.f.Check(tt.in)
		switch {
		case tt.problem == "" && (err != nil || got != tt.want):
			t.Errorf("%s %q: got %q, %v; want %q", tt.f.Name, tt.in, got, err, tt.want)
		case tt.problem != "" && (err == nil || !strings.Contains(err.Error(), tt.problem) || errs.CodeOf(err) != errs.Invalid):
			t.Errorf("%s %q: %v; want Invalid mentioning %q", tt.f.Name, tt.in, err, tt.problem)
		}
	}
}
