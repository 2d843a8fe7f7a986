// Package support holds the admin tools that reverse what happened on an account: refund a
// charge, restore a cancelled reservation, re-issue an EV card, force-stop a stuck session.
// Each tool has a Plan function that checks the request against the current rows and says
// what will happen (the confirmation page shows it), and a Do function that, inside the
// caller's transaction, re-checks the actor (still an active admin), plans again against the
// rows as they are now, makes the change, and writes its admin.* audit row and the
// customer's activity line — all or nothing. Errors are coded (errs).
package support

import (
	"context"
	"database/sql"
	"time"

	"chargedesk/access"
	"chargedesk/audit"
	"chargedesk/queries"
)

// Tool is what every tool request carries.
type Tool struct {
	Actor     access.Actor
	Customer  int64
	Reason    string
	Reference string // audit row ids the ticket cites; optional
	Now       time.Time
	IP, UA    string
}

// Done is a tool's result: the audit row that records it.
type Done struct{ AuditRow int64 }

// commit re-checks the actor, runs change, and records it (audit row + activity line).
func commit(ctx context.Context, tx *sql.Tx, trail *audit.Trail, t Tool, tag string,
	change func(q *queries.Queries) (summary string, meta map[string]any, err error)) (Done, error) {
	q := queries.New(tx)
	if err := access.CheckAdmin(ctx, q, t.Actor); err != nil {
		return Done{}, err
	}
	summary, meta, err := change(q)
	if err != nil {
		return Done{}, err
	}
	meta["customer_user_id"] = t.Customer
	meta["reason"] = t.Reason
	if t.Reference != "" {
		meta["reference"] = t.Reference
	}
	row, err := trail.Write(ctx, tx, t.Now, audit.Entry{Tag: tag, Actor: t.Actor.UserID, Target: t.Customer, IP: t.IP, UserAgent: t.UA, Metadata: meta})
	if err != nil {
		return Done{}, err
	}
	return Done{AuditRow: row}, q.InsertActivity(ctx, queries.InsertActivityParams{
		ActingAs: t.Customer, At: t.Now.Unix(), Kind: "support", Summary: summary, ActorRole: "support",
	})
}
