package handlers

import (
	"errors"
	"net/url"
	"strings"
)

// TicketLinks turns a ticket id into a link back to the ticket system (--ticket-url, e.g.
// https://desk.example.com/tickets/{ticket}); "" links nothing.
type TicketLinks string

// CheckTicketURL checks a --ticket-url: an http(s) address with {ticket} in it.
func CheckTicketURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(strings.ReplaceAll(s, "{ticket}", "x"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || !strings.Contains(s, "{ticket}") {
		return errors.New("--ticket-url must be an http(s) address with {ticket} where the ticket id goes, e.g. https://desk.example.com/tickets/{ticket}")
	}
	return nil
}

// Href is the ticket's address, or "" without a ticket system.
func (t TicketLinks) Href(ticket string) string {
	if t == "" || ticket == "" {
		return ""
	}
	return strings.ReplaceAll(string(t), "{ticket}", url.PathEscape(ticket))
}
