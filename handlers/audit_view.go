package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// metaField is one labelled value of an audit row's metadata, as people read it.
type metaField struct{ Label, Value string }

// metaLabels name the metadata keys the audit rows use; others show under their own key.
var metaLabels = map[string]string{
	"ticket": "Ticket", "reason": "Reason", "via": "Ended via", "allow_changes": "Changes allowed",
	"customer_user_id": "Customer", "admin_user_id": "Support agent", "impersonation_id": "Impersonation",
	"duration_s": "Lasted", "expires_at": "Expires", "previous_expires_at": "Was to expire", "amount_cents": "Amount", "credit_note": "Credit note",
	"receipt_id": "Receipt", "refund_id": "Refund", "reservation_id": "Reservation", "card_id": "EV card",
	"session_id": "Session", "reference": "Reference", "ip": "IP address", "user_agent": "Browser",
	"count": "Times", "window_start": "From", "path": "Address", "method": "Method", "route": "Route",
	"email": "Email", "outcome": "Outcome", "status": "Status", "new_card": "New card", "old_card": "Old card",
}

// metaFields is the metadata object as labelled fields, in a fixed order (ticket and reason
// first); ids of users get their names.
func metaFields(m meta, names map[int64]string) []metaField {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	first := map[string]int{"ticket": 0, "reason": 1, "customer_user_id": 2, "via": 3}
	slices.SortFunc(keys, func(a, b string) int {
		ra, oka := first[a]
		rb, okb := first[b]
		switch {
		case oka && okb:
			return ra - rb
		case oka:
			return -1
		case okb:
			return 1
		}
		return strings.Compare(a, b)
	})
	out := make([]metaField, 0, len(keys))
	for _, k := range keys {
		label := metaLabels[k]
		if label == "" {
			label = strings.ReplaceAll(k, "_", " ")
		}
		out = append(out, metaField{label, metaValue(k, m[k], names)})
	}
	return out
}

func metaValue(key string, v any, names map[int64]string) string {
	n, isNum := v.(float64)
	switch {
	case isNum && (key == "customer_user_id" || key == "admin_user_id"):
		if name := names[int64(n)]; name != "" {
			return fmt.Sprintf("%s (#%d)", name, int64(n))
		}
		return fmt.Sprintf("#%d", int64(n))
	case isNum && key == "amount_cents":
		return money(int64(n))
	case isNum && key == "duration_s":
		return duration(int64(n))
	case isNum && (key == "expires_at" || key == "window_start" || strings.HasSuffix(key, "_at")):
		return whenSeconds(int64(n))
	case isNum:
		return fmt.Sprintf("%d", int64(n))
	case v == true:
		return "yes"
	case v == false:
		return "no"
	case v == nil:
		return "—"
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// nameEntries puts names beside the user ids of the entries (actor, target, and those in
// their metadata), one read for the page.
func (a *App) nameEntries(ctx context.Context, entries []auditEntry) error {
	var ids []int64
	for _, e := range entries {
		ids = append(ids, e.Actor, e.Target)
		var m map[string]any
		if json.Unmarshal([]byte(e.Metadata), &m) == nil {
			for _, k := range []string{"customer_user_id", "admin_user_id"} {
				if n, ok := m[k].(float64); ok {
					ids = append(ids, int64(n))
				}
			}
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	rows, err := a.r.UserNamesByIDs(ctx, idList(ids))
	if err != nil {
		return err
	}
	names := make(map[int64]string, len(rows))
	people := make(map[int64]person, len(rows))
	for _, r := range rows {
		names[r.ID] = r.Name
		people[r.ID] = person{r.ID, r.Name, r.Role}
	}
	for i := range entries {
		e := &entries[i]
		e.ActorName, e.TargetName = names[e.Actor], names[e.Target]
		var m meta // read once: the fields, the sentence and the ticket's link
		json.Unmarshal([]byte(e.Metadata), &m)
		e.Fields = metaFields(m, names)
		actor, target := people[e.Actor], people[e.Target]
		actor.ID, target.ID = e.Actor, e.Target
		if target.ID == 0 { // the customer of an impersonation row is in its metadata
			if id := m.num("customer_user_id"); id > 0 {
				target = people[id]
				target.ID = id
			}
		}
		e.Sentence = auditSentence(e.Tag, actor, target, m)
		e.TicketHref = a.tickets.Href(m.str("ticket"))
	}
	return nil
}

// whenSeconds is a moment in local time to the second: 26 Nov 2026, 02:03:15.
func whenSeconds(unix int64) string {
	return time.Unix(unix, 0).In(displayZone).Format("2 Jan 2006, 15:04:05")
}

// whenZoned is a moment to the second with its zone, for text that leaves the page (the
// ticket note): 7 Dec 2026, 02:32:26 CET.
func whenZoned(unix int64) string {
	return time.Unix(unix, 0).In(displayZone).Format("2 Jan 2006, 15:04:05 MST")
}

// clockSeconds is a time of day to the second in local time: 14:02:11.
func clockSeconds(unix int64) string { return time.Unix(unix, 0).In(displayZone).Format("15:04:05") }

// utc is a moment in UTC, for a hover: 2026-11-26 01:03:15 UTC.
func utc(unix int64) string { return time.Unix(unix, 0).UTC().Format("2006-01-02 15:04:05 UTC") }
