package staff

// Access reviews (SOC 2 CC6.2/CC6.3, ISO 27001 A.5.18): an admin opens a review of every staff
// account over a period, decides for each one — keep, change role, disable — which applies at
// once through SetRole and SetStatus (so each change has its own chain row besides the
// decision's), and signs the review off as a whole once every account has a decision. The
// dashboard reminds admins when the last sign-off is older than ReviewEvery.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"chargedesk/access"
	"chargedesk/errs"
	"chargedesk/queries"
)

// ReviewEvery is how often staff access is reviewed: the dashboard reminds admins after it.
const ReviewEvery = 90 * 24 * time.Hour

// Decisions a reviewer can make about one staff account.
const (
	Keep       = "keep"
	ChangeRole = "change_role"
	Disable    = "disable"
)

// ReviewSummary is what a sign-off states: how many accounts were kept, changed, disabled.
type ReviewSummary struct {
	Kept, RoleChanges, Disabled int
}

// StartReview opens a review of [from, to) (admin.review.start). One review is open at a time.
func StartReview(ctx context.Context, tx *sql.Tx, ch Change, from, to time.Time) (int64, error) {
	q := queries.New(tx)
	if err := access.CheckAdmin(ctx, q, access.Actor{UserID: ch.Admin}); err != nil {
		return 0, err
	}
	switch {
	case !from.Before(to):
		return 0, errs.Invalidf("The period must end after it starts.")
	case from.After(ch.Now):
		return 0, errs.Invalidf("The period starts in the future: there is nothing to review in it yet.")
	}
	if id, err := q.OpenReview(ctx); err == nil {
		return 0, errs.Conflictf("Review #%d is still open: finish and sign it off first.", id)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	id, err := q.InsertReview(ctx, queries.InsertReviewParams{StartedBy: ch.Admin, Now: ch.Now.Unix(), PeriodFrom: from.Unix(), PeriodTo: to.Unix()})
	if err != nil {
		return 0, err
	}
	return id, record(ctx, tx, ch, "admin.review.start", 0, map[string]any{"review_id": id, "from": from.Unix(), "to": to.Unix()})
}

// Decide records the decision about staff member id in review (admin.review.decision) and
// applies it at once: a new role (SetRole) or a disabled account (SetStatus), each with
// reason. One decision per account per review; a signed-off review takes none.
func Decide(ctx context.Context, tx *sql.Tx, ch Change, review, id int64, decision, role, reason string) error {
	q := queries.New(tx)
	if err := access.CheckAdmin(ctx, q, access.Actor{UserID: ch.Admin}); err != nil {
		return err
	}
	r, err := q.GetReview(ctx, review)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return errs.NotFoundf("This review")
	case err != nil:
		return err
	case r.SignedOffAt != 0:
		return errs.Conflictf("This review was signed off; open a new one to decide again.")
	}
	rows, err := q.ReviewStaff(ctx, queries.ReviewStaffParams{ReviewID: review, PeriodFrom: r.PeriodFrom, PeriodTo: r.PeriodTo})
	if err != nil {
		return err
	}
	var who *queries.ReviewStaffRow
	for i := range rows {
		if rows[i].ID == id {
			who = &rows[i]
		}
	}
	switch {
	case who == nil:
		return errs.NotFoundf("This staff member")
	case who.Decision != "":
		return errs.Conflictf("%s has a decision in this review already.", who.Name)
	}
	if reason, err = ReasonField.Check(reason); err != nil && decision != Keep {
		return err
	}
	switch decision {
	case Keep:
		role = ""
	case ChangeRole:
		if err := SetRole(ctx, tx, ch, id, role, reason); err != nil {
			return err
		}
	case Disable:
		role = ""
		if err := SetStatus(ctx, tx, ch, id, false, reason); err != nil {
			return err
		}
	default:
		return errs.Invalidf("Decide keep, change role or disable.")
	}
	if err := q.InsertReviewDecision(ctx, queries.InsertReviewDecisionParams{ReviewID: review, StaffID: id, Decision: decision,
		NewRole: role, Reason: reason, DecidedBy: ch.Admin, Now: ch.Now.Unix()}); err != nil {
		return err
	}
	return record(ctx, tx, ch, "admin.review.decision", id, map[string]any{"review_id": review, "decision": decision, "role": role, "reason": reason})
}

// SignOff closes review once every staff account has a decision (admin.review.signoff, with
// what changed), and returns what it states.
func SignOff(ctx context.Context, tx *sql.Tx, ch Change, review int64) (ReviewSummary, error) {
	var sum ReviewSummary
	q := queries.New(tx)
	if err := access.CheckAdmin(ctx, q, access.Actor{UserID: ch.Admin}); err != nil {
		return sum, err
	}
	r, err := q.GetReview(ctx, review)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return sum, errs.NotFoundf("This review")
	case err != nil:
		return sum, err
	case r.SignedOffAt != 0:
		return sum, errs.Conflictf("This review was signed off already.")
	}
	rows, err := q.ReviewStaff(ctx, queries.ReviewStaffParams{ReviewID: review, PeriodFrom: r.PeriodFrom, PeriodTo: r.PeriodTo})
	if err != nil {
		return sum, err
	}
	var missing []string
	for _, s := range rows {
		switch s.Decision {
		case Keep:
			sum.Kept++
		case ChangeRole:
			sum.RoleChanges++
		case Disable:
			sum.Disabled++
		default:
			if s.Status == access.StatusActive {
				missing = append(missing, s.Name)
			}
		}
	}
	if len(missing) > 0 {
		return sum, errs.Invalidf("Decide about every active staff account before signing off; %d still need one: %s.", len(missing), strings.Join(missing, ", "))
	}
	b, _ := json.Marshal(sum)
	if n, err := q.SignOffReview(ctx, queries.SignOffReviewParams{Admin: sql.NullInt64{Int64: ch.Admin, Valid: true},
		Now: sql.NullInt64{Int64: ch.Now.Unix(), Valid: true}, Summary: string(b), ID: review}); err != nil {
		return sum, err
	} else if n != 1 {
		return sum, errs.Conflictf("This review was signed off already.")
	}
	return sum, record(ctx, tx, ch, "admin.review.signoff", 0, map[string]any{"review_id": review, "kept": sum.Kept,
		"role_changes": sum.RoleChanges, "disabled": sum.Disabled, "from": r.PeriodFrom, "to": r.PeriodTo})
}

// ReviewDue says whether staff access is due for review at now, and since when the last
// sign-off is (zero: never).
func ReviewDue(ctx context.Context, q *queries.Queries, now time.Time) (due bool, last time.Time, err error) {
	n, err := q.LastSignedOffReview(ctx)
	if err != nil {
		return false, last, err
	}
	if n == 0 {
		return true, last, nil
	}
	last = time.Unix(n, 0)
	return now.Sub(last) > ReviewEvery, last, nil
}

// String is the summary as a sign-off reads it.
func (s ReviewSummary) String() string {
	return fmt.Sprintf("%d kept, %d role changes, %d disabled", s.Kept, s.RoleChanges, s.Disabled)
}
