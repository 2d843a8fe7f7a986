package support

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/errs"
	"chargedesk/format"
	"chargedesk/queries"
)

// RefundReason is a reason the customer reads on their receipt and in their activity, picked
// from a short list; what the agent writes (Tool.Reason) is the internal note.
type RefundReason struct{ Code, Label string }

// RefundReasons are the reasons a refund may give the customer, in the order offered.
var RefundReasons = []RefundReason{
	{"not_delivered", "Charged for energy that was not delivered"},
	{"charger_fault", "The charger had a fault"},
	{"wrong_tariff", "The wrong tariff was applied"},
	{"charged_twice", "Charged twice for one session"},
	{"session_stuck", "The session did not end when it should have"},
	{"goodwill", "A goodwill gesture from ChargeDesk"},
}

// DefaultRefundReason is what the customer reads when the request named none (an API client
// sending only the contract's amount and reason): never the agent's own words.
const DefaultRefundReason = "A refund from ChargeDesk support"

// RefundReasonLabel is the label of code; "" is DefaultRefundReason; an unknown code is not ok.
func RefundReasonLabel(code string) (string, bool) {
	if code == "" {
		return DefaultRefundReason, true
	}
	for _, r := range RefundReasons {
		if r.Code == code {
			return r.Label, true
		}
	}
	return "", false
}

// RefundPlan is a refund checked against its receipt.
type RefundPlan struct {
	Receipt   queries.GetReceiptForRefundRow
	Amount    int64
	Remaining int64
}

// PlanRefund checks a refund of amount cents on the customer's receipt: more than zero, at
// most what remains.
func PlanRefund(ctx context.Context, q *queries.Queries, customer, receipt, amount int64) (RefundPlan, error) {
	r, err := q.GetReceiptForRefund(ctx, queries.GetReceiptForRefundParams{ID: receipt, ActingAs: customer})
	if errors.Is(err, sql.ErrNoRows) {
		return RefundPlan{}, errs.NotFoundf("This receipt")
	} else if err != nil {
		return RefundPlan{}, err
	}
	p := RefundPlan{Receipt: r, Amount: amount, Remaining: r.GrossCents - r.RefundedCents}
	switch {
	case amount <= 0:
		return p, errs.Invalidf("The refund must be more than €0.00.")
	case amount > p.Remaining:
		return p, errs.Invalidf("At most %s remains to refund on receipt %s.", format.Money(p.Remaining), r.Number)
	}
	return p, nil
}

// Refund refunds amount cents on a receipt with a credit note (the database also refuses a
// refund above the receipt's total). The customer reads the reason of code (RefundReasons);
// t.Reason is the internal note, in the audit row and on the console only.
func Refund(ctx context.Context, tx *sql.Tx, trail *audit.Trail, t Tool, receipt, amount int64, code string) (Done, error) {
	label, ok := RefundReasonLabel(code)
	if !ok {
		return Done{}, errs.Invalidf("Pick the reason the customer reads from the list.")
	}
	return commit(ctx, tx, trail, t, "admin.refund", func(q *queries.Queries) (string, map[string]any, error) {
		p, err := PlanRefund(ctx, q, t.Customer, receipt, amount)
		if err != nil {
			return "", nil, err
		}
		serial, err := q.NextCreditNoteSerial(ctx)
		if err != nil {
			return "", nil, err
		}
		note := fmt.Sprintf("CN-%d-%06d", t.Now.In(format.Zone).Year(), serial)
		refundID, err := q.InsertRefund(ctx, queries.InsertRefundParams{
			ReceiptID: receipt, ActingAs: t.Customer, AmountCents: amount, Reason: label, InternalNote: t.Reason, Reference: t.Reference,
			CreditNoteNumber: note, CreatedByUserID: sql.NullInt64{Int64: t.Actor.UserID, Valid: true}, CreatedAt: t.Now.Unix(),
		})
		if db.IsConstraint(err, "refund exceeds") {
			return "", nil, errs.Invalidf("At most %s remains to refund on receipt %s.", format.Money(p.Remaining), p.Receipt.Number)
		} else if err != nil {
			return "", nil, err
		}
		return fmt.Sprintf("Support refunded %s on receipt %s (credit note %s): %s", format.Money(amount), p.Receipt.Number, note, label),
			map[string]any{"receipt_id": receipt, "refund_id": refundID, "amount_cents": amount, "credit_note": note, "customer_reason": label}, nil
	})
}
