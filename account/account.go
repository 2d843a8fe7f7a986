// Package account holds the changes a customer makes to their own account — EV cards,
// reservations, payment methods — whether they make them or an admin does while
// impersonating them with changes allowed. Each is one function that takes the caller's
// transaction, one now, the actor and the customer; it re-checks the actor inside that
// transaction (access.CheckCustomerWrite), changes the rows, writes the customer's activity
// line, and returns coded errors (errs) whose messages are for the person.
package account

import (
	"context"
	"time"

	"chargedesk/access"
	"chargedesk/queries"
)

// Change is what every change starts from.
type Change struct {
	Actor    access.Actor
	Customer int64
	Now      time.Time
}

// begin re-checks the actor for this change in q's transaction.
func (ch Change) begin(ctx context.Context, q *queries.Queries) error {
	return access.CheckCustomerWrite(ctx, q, ch.Actor, ch.Customer, ch.Now)
}

// beginPayment is begin for a change of payment methods (access.CheckPaymentWrite).
func (ch Change) beginPayment(ctx context.Context, q *queries.Queries) error {
	return access.CheckPaymentWrite(ctx, q, ch.Actor, ch.Customer, ch.Now)
}

// log writes the customer's activity line for the change.
func (ch Change) log(ctx context.Context, q *queries.Queries, kind, summary string) error {
	return q.InsertActivity(ctx, queries.InsertActivityParams{
		ActingAs: ch.Customer, At: ch.Now.Unix(), Kind: kind, Summary: summary, ActorRole: ch.Actor.Label(),
	})
}
