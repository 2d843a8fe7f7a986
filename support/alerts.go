package support

import (
	"context"
	"fmt"
	"strings"
	"time"

	"chargedesk/account"
	"chargedesk/charging"
	"chargedesk/format"
	"chargedesk/queries"
)

// Alert is one thing wrong with (or worth knowing about) a customer's account, for the top of
// their page in the console: how bad, what, and where to look.
type Alert struct {
	Level string // bad, warn or info
	Text  string
	// Section is the part of the customer's console page that shows it (sessions, payment,
	// cards, reservations), or "audit": the customer's audit trail, filtered by AuditTag
	// when set.
	Section  string
	AuditTag string
}

// alertWindow is how far back support access and privilege violations count.
const alertWindow = 30 * 24 * time.Hour

// AccountAlerts is what is wrong with customer's account at now, worst first: stuck sessions,
// sessions held for review, chargers with a wrong clock, no or expired payment method, lost and blocked cards, privilege violations; then what is
// worth knowing: expiring payment methods, upcoming reservations, recent support access.
// Every read is bounded (a handful of rows through indexes).
func AccountAlerts(ctx context.Context, q *queries.Queries, customer int64, now time.Time) ([]Alert, error) {
	var bad, warn, info []Alert
	open, err := q.CustomerOpenSessions(ctx, customer)
	if err != nil {
		return nil, err
	}
	for _, s := range open {
		if why := charging.StuckReasons(now, s.StartedAt, s.LastSeenAt, s.HeartbeatIntervalS, s.ConnectorStatus, s.LastReadingAt); len(why) > 0 {
			bad = append(bad, Alert{"bad", fmt.Sprintf("Session #%d, open since %s, looks stuck: %s. Force-stop it below.", s.ID, format.When(s.StartedAt), strings.Join(why, "; ")), "sessions", ""})
		}
	}
	held, err := q.HeldSessions(ctx, customer)
	if err != nil {
		return nil, err
	}
	for _, h := range held {
		bad = append(bad, Alert{"bad", fmt.Sprintf("Session #%d is held for review, with no receipt and nothing charged: %s. Release it at a checked meter reading or void it below.", h.ID, h.HeldReason), "sessions", ""})
	}
	clocks, err := q.SessionClockNotes(ctx, queries.SessionClockNotesParams{ActingAs: customer, Since: now.Add(-alertWindow).Unix()})
	if err != nil {
		return nil, err
	}
	for _, s := range clocks {
		warn = append(warn, Alert{"warn", fmt.Sprintf("Session #%d: its charger's clock is wrong (%s).", s.ID, s.ClockNote), "sessions", ""})
	}
	pms, err := q.ListPaymentMethods(ctx, customer)
	if err != nil {
		return nil, err
	}
	if len(pms) == 0 {
		bad = append(bad, Alert{"bad", "No payment method on file: this customer cannot start charging.", "payment", ""})
	}
	for _, pm := range pms {
		switch {
		case account.Expired(pm.ExpMonth, pm.ExpYear, now):
			bad = append(bad, Alert{"bad", fmt.Sprintf("%s ••%s expired %02d/%d%s.", pm.Brand, pm.Last4, pm.ExpMonth, pm.ExpYear, defaultNote(pm)), "payment", ""})
		case account.ExpiresWithin(pm.ExpMonth, pm.ExpYear, now, 60*24*time.Hour):
			warn = append(warn, Alert{"warn", fmt.Sprintf("%s ••%s expires %02d/%d%s.", pm.Brand, pm.Last4, pm.ExpMonth, pm.ExpYear, defaultNote(pm)), "payment", ""})
		}
	}
	n, err := q.AccountAlertCounts(ctx, queries.AccountAlertCountsParams{ActingAs: customer, Now: now.Unix(), Since: now.Add(-alertWindow).Unix()})
	if err != nil {
		return nil, err
	}
	if n.LostCards+n.BlockedCards > 0 {
		warn = append(warn, Alert{"warn", cardsText(n.LostCards, n.BlockedCards), "cards", ""})
	}
	if n.RecentViolations > 0 {
		bad = append(bad, Alert{"bad", fmt.Sprintf("%s by this customer in the last 30 days.", plural(n.RecentViolations, "privilege violation")),
			"audit", "privilege_violation"})
	}
	if n.UpcomingReservations > 0 {
		info = append(info, Alert{"info", fmt.Sprintf("%s ahead, the next %s.", plural(n.UpcomingReservations, "reservation"), format.When(n.NextReservationAt)), "reservations", ""})
	}
	if n.RecentImpersonations > 0 {
		info = append(info, Alert{"info", fmt.Sprintf("Support opened this account %s in the last 30 days, last on %s.", times(n.RecentImpersonations), format.When(n.LastImpersonationAt)),
			"audit", ""})
	}
	return append(append(bad, warn...), info...), nil
}

func defaultNote(pm queries.PaymentMethod) string {
	if pm.IsDefault == 1 {
		return " (the default)"
	}
	return ""
}

func cardsText(lost, blocked int64) string {
	var parts []string
	if lost > 0 {
		parts = append(parts, plural(lost, "EV card")+" reported lost")
	}
	if blocked > 0 {
		parts = append(parts, plural(blocked, "EV card")+" blocked")
	}
	return strings.Join(parts, ", ") + ": re-issue below if the customer needs a replacement."
}

func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if n >= 100 {
		return "100+ " + noun + "s"
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func times(n int64) string {
	switch {
	case n == 1:
		return "once"
	case n >= 100:
		return "100+ times"
	}
	return fmt.Sprintf("%d times", n)
}
