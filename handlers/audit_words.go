package handlers

// The audit log, the impersonation timeline and the ticket note in words a support lead
// reads: "Sam Admin (admin) refunded €1.00 on Jane Doe's receipt #25". Row ids, tags and raw
// fields stay on the page behind "Technical details".

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
)

// person is a user as an audit sentence names them.
type person struct {
	ID         int64
	Name, Role string
}

// String is "Sam Admin (admin)" for staff, "Jane Doe" for a customer, "ChargeDesk" for no one.
func (p person) String() string {
	switch {
	case p.ID == 0:
		return "ChargeDesk"
	case p.Name == "":
		return fmt.Sprintf("user #%d", p.ID)
	case p.Role == "admin" || p.Role == "support":
		return p.Name + " (" + p.Role + ")"
	}
	return p.Name
}

// possessive is "Jane Doe's".
func (p person) possessive() string {
	s := p.String()
	if strings.HasSuffix(s, "s") {
		return s + "'"
	}
	return s + "'s"
}

// meta reads an audit row's metadata fields.
type meta map[string]any

func (m meta) str(k string) string {
	switch v := m[k].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatInt(int64(v), 10)
	case bool:
		if v {
			return "yes"
		}
		return "no"
	}
	return ""
}

func (m meta) num(k string) int64 {
	v, _ := m[k].(float64)
	return int64(v)
}

func (m meta) yes(k string) bool { v, _ := m[k].(bool); return v || m.str(k) == "1" }

// endedWords say how an impersonation ended (its end_via).
var endedWords = map[string]string{
	"exit": "with Exit", "logout": "by signing out", "expired": "when it expired", "idle": "after sitting idle",
	"server_restart": "when ChargeDesk restarted", "role_revoked": "because the agent lost the role",
	"admin_disabled": "because the agent's account was disabled", "customer_disabled": "because the account was disabled",
	"customer_promoted": "because the account became staff", "kill_switch": "when impersonation was turned off",
	"grant_revoked": "when the customer took back their permission", "marker_removed": "when a page without the marker was opened",
}

// auditSentence words one auth_audit row: who did what to whom.
func auditSentence(tag string, actor, target person, m meta) string {
	a, t := actor.String(), target.String()
	mode := "read-only"
	if m.yes("allow_changes") {
		mode = "changes allowed"
	}
	switch tag {
	case "impersonation.start":
		return fmt.Sprintf("%s started impersonating %s — ticket %s, %s: \u201c%s\u201d", a, t, m.str("ticket"), mode, m.str("reason"))
	case "impersonation.end":
		how := endedWords[m.str("via")]
		if how == "" {
			how = "(" + m.str("via") + ")"
		}
		s := fmt.Sprintf("%s stopped impersonating %s %s", a, t, how)
		if d := m.num("duration_s"); d > 0 {
			s += ", after " + duration(d)
		}
		return s
	case "impersonation.extend":
		return fmt.Sprintf("%s extended the impersonation of %s until %s", a, t, clock(m.num("expires_at")))
	case "admin.refund":
		s := fmt.Sprintf("%s refunded %s on %s receipt #%s (credit note %s)", a, money(m.num("amount_cents")), target.possessive(), m.str("receipt_id"), m.str("credit_note"))
		if r := m.str("customer_reason"); r != "" {
			s += ", telling them \u201c" + r + "\u201d"
		}
		return s
	case "admin.reservation_restore":
		return fmt.Sprintf("%s restored %s cancelled reservation #%s", a, target.possessive(), m.str("reservation_id"))
	case "admin.card_reissue", "admin.card.reissue":
		return fmt.Sprintf("%s re-issued %s EV card #%s as %s", a, target.possessive(), m.str("card_id"), m.str("new_visual_number"))
	case "admin.session_force_stop":
		return fmt.Sprintf("%s force-stopped %s charging session #%s", a, target.possessive(), m.str("session_id"))
	case "admin.session.release":
		return fmt.Sprintf("%s released %s held session #%s and issued its receipt", a, target.possessive(), m.str("session_id"))
	case "admin.session.void":
		return fmt.Sprintf("%s voided %s held session #%s (nothing charged)", a, target.possessive(), m.str("session_id"))
	case "admin.consent.request":
		return fmt.Sprintf("%s asked %s for access to their account — ticket %s: \u201c%s\u201d", a, t, m.str("ticket"), m.str("reason"))
	case "customer.consent.allow":
		return fmt.Sprintf("%s let support see their account until %s (ticket %s)", a, clock(m.num("until")), m.str("ticket"))
	case "customer.consent.deny":
		return fmt.Sprintf("%s did not let support see their account (ticket %s)", a, m.str("ticket"))
	case "customer.consent.revoke":
		return fmt.Sprintf("%s took back support's access to their account (%d impersonations ended)", a, m.num("impersonations_ended"))
	case "admin.review.start":
		return fmt.Sprintf("%s opened access review #%s (%s to %s)", a, m.str("review_id"), day(m.num("from")), day(m.num("to")))
	case "admin.review.decision":
		return fmt.Sprintf("%s decided in access review #%s about %s: %s", a, m.str("review_id"), t, decisionWords(m.str("decision"), m.str("role")))
	case "admin.review.signoff":
		return fmt.Sprintf("%s signed off access review #%s: %d kept, %d role changes, %d disabled", a, m.str("review_id"), m.num("kept"), m.num("role_changes"), m.num("disabled"))
	case "admin.access_report":
		return fmt.Sprintf("%s made an access report of %s account (%s to %s, %s)", a, target.possessive(), dateOf(m.str("from")), dateOf(m.str("to")), m.str("format"))
	case "admin.approval.request":
		return fmt.Sprintf("%s asked a colleague's approval to impersonate %s (protected) — ticket %s", a, t, m.str("ticket"))
	case "admin.approval.approve":
		return fmt.Sprintf("%s approved impersonating %s — ticket %s", a, t, m.str("ticket"))
	case "admin.customer.protect":
		return fmt.Sprintf("%s protected %s account", a, target.possessive())
	case "admin.customer.unprotect":
		return fmt.Sprintf("%s removed the protection of %s account", a, target.possessive())
	case "admin.customer.disable", "admin.staff.disable":
		return fmt.Sprintf("%s disabled %s account", a, target.possessive())
	case "admin.customer.enable", "admin.staff.enable":
		return fmt.Sprintf("%s enabled %s account again", a, target.possessive())
	case "admin.staff.create", "admin.user.create":
		return fmt.Sprintf("%s added the account of %s", a, t)
	case "admin.staff.role":
		return fmt.Sprintf("%s changed %s role from %s to %s", a, target.possessive(), m.str("from"), m.str("to"))
	case "admin.staff.link":
		return fmt.Sprintf("%s issued a one-time password link for %s", a, t)
	case "admin.staff.signout":
		return fmt.Sprintf("%s signed %s out everywhere (%s sessions): \u201c%s\u201d", a, t, m.str("sessions_ended"), m.str("reason"))
	case "admin.staff.mfa_reset":
		return fmt.Sprintf("%s reset the second factors of %s", a, t)
	case "admin.settings.impersonation":
		if m.yes("enabled") {
			return a + " turned impersonation on"
		}
		return a + " turned impersonation off for everyone"
	case "admin.charger_register":
		return fmt.Sprintf("%s registered a charger", a)
	case "admin.charger_password":
		return fmt.Sprintf("%s set a charger's password", a)
	case "admin.charger_call":
		return fmt.Sprintf("%s sent %s to a charger", a, strings.TrimSpace(m.str("action")))
	case "login.success":
		if f := m.str("factor"); f != "" && f != "none" {
			return fmt.Sprintf("%s signed in (password and %s)", a, f)
		}
		return a + " signed in"
	case "login.failure":
		who := m.str("email")
		if who == "" {
			who = a
		}
		return fmt.Sprintf("A sign-in as %s failed", who)
	case "logout":
		return a + " signed out"
	case "privilege_violation":
		return fmt.Sprintf("%s was refused: %s", a, m.str("what"))
	case "mfa.add":
		return a + " added a second factor"
	case "mfa.remove":
		return a + " removed a second factor"
	case "mfa.recovery.new":
		return a + " made new recovery codes"
	case "mfa.recovery.use":
		return fmt.Sprintf("%s signed in with a recovery code (%s left)", a, m.str("remaining"))
	case "password.change":
		return a + " changed their password"
	case "session.end":
		if m["others"] == true {
			return fmt.Sprintf("%s signed out every other session of theirs (%s)", a, m.str("sessions_ended"))
		}
		return fmt.Sprintf("%s signed out a session of theirs (%s, from %s)", a, cmp.Or(m.str("device"), "unknown browser"), cmp.Or(m.str("signed_in_from"), "an unrecorded address"))
	case "password.set":
		return t + " set a password with a one-time link"
	case "audit.rekey":
		return a + " rotated the audit key"
	}
	return fmt.Sprintf("%s: %s", a, strings.ReplaceAll(strings.ReplaceAll(tag, ".", " "), "_", " "))
}

// pageNames say which page of the customer's account a route is, by its route pattern.
var pageNames = map[string]string{
	"/": "home page", "/chargers": "chargers", "/chargers/:id": "charger", "/sessions": "charging sessions",
	"/sessions/:id": "charging session", "/sessions/:id/stop": "stop-charging page", "/receipts/:id": "receipt",
	"/cards": "EV cards", "/cards/:id/block": "block-card page", "/reservations": "reservations",
	"/reservations/:id/cancel": "cancel-reservation page", "/payment-methods": "payment methods",
	"/payment-methods/:id/delete": "remove-payment-method page", "/activity": "activity",
	"/activity/report": "access report",
}

// writeNames say what a write of the customer surface does, by its route pattern.
var writeNames = map[string]string{
	"/sessions": "start charging", "/sessions/:id/stop": "stop charging", "/cards": "order an EV card",
	"/cards/:id/block": "block an EV card", "/reservations": "make a reservation", "/reservations/:id/cancel": "cancel a reservation",
	"/payment-methods": "add a payment method", "/payment-methods/:id/default": "change the default payment method",
	"/payment-methods/:id/delete": "remove a payment method", "/support-access": "grant support access",
	"/support-access/revoke": "revoke support access",
}

// pastTense of the writes, for the ones that went through.
var pastTense = map[string]string{
	"start charging": "started charging", "stop charging": "stopped charging", "order an EV card": "ordered an EV card",
	"block an EV card": "blocked an EV card", "make a reservation": "made a reservation", "cancel a reservation": "cancelled a reservation",
	"add a payment method": "added a payment method", "change the default payment method": "changed the default payment method",
	"remove a payment method": "removed a payment method", "grant support access": "granted support access",
	"revoke support access": "revoked support access",
}

// routeWords words one impersonated request: "viewed the receipt #25", "blocked an EV card",
// "tried to start charging — refused". path is the address asked, for the id.
func routeWords(method, route, path, outcome string) string {
	if route == startRoute {
		return "opened the account"
	}
	if method == "GET" || method == "HEAD" {
		name := pageNames[route]
		if name == "" {
			name = "page " + route
		}
		if id := lastID(path); id != "" && strings.Contains(route, ":id") {
			name += " #" + id
		}
		return "viewed the " + name
	}
	act := writeNames[route]
	if act == "" {
		act = "send " + method + " " + route
	}
	if outcome == "changed" {
		if done := pastTense[act]; done != "" {
			return done
		}
		return act
	}
	return "tried to " + act + " — refused"
}

// lastID is the id segment of a path like /receipts/25?as=3 (the last numeric one).
func lastID(path string) string {
	path, _, _ = strings.Cut(path, "?")
	parts := strings.Split(path, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		if _, ok := parseID(parts[i]); ok {
			return parts[i]
		}
	}
	return ""
}

// dateOf is the date of an RFC 3339 time ("2026-12-07"), or the text as it is.
func dateOf(s string) string {
	if len(s) >= 10 {
		return s[:10]
	}
	return s
}
