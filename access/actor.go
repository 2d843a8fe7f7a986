package access

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"chargedesk/errs"
	"chargedesk/queries"
)

// Actor is who makes a change, as the request said: a customer on their own account, or an
// admin — through an impersonation (ImpersonationID set) or with an admin tool. The request
// was allowed when it began; the checks below run again inside the write's transaction,
// after the body was read, so a role revoked, an account disabled or an impersonation ended
// while a slow body was arriving refuses the change.
type Actor struct {
	UserID          int64
	ImpersonationID int64
}

// Label is how the customer's activity names the actor: "support" or "customer".
func (a Actor) Label() string {
	if a.ImpersonationID != 0 {
		return "support"
	}
	return "customer"
}

// CheckCustomerWrite re-reads the actor, the impersonation and the customer in q's
// transaction and refuses (errs.Forbidden) unless the change may still be made: the actor is
// an active customer changing their own account, or an active admin whose impersonation of
// exactly this customer is still open, unexpired and allows changes, and the customer is
// still an active customer.
func CheckCustomerWrite(ctx context.Context, q *queries.Queries, a Actor, customer int64, now time.Time) error {
	u, err := activeUser(ctx, q, a.UserID)
	if err != nil {
		return err
	}
	if a.ImpersonationID == 0 {
		if u.ID != customer || u.Role != RoleCustomer {
			return errs.Forbiddenf("Only the account's owner can change it.")
		}
		return nil
	}
	if !IsStaff(u.Role) {
		return errs.Forbiddenf("You are no longer support staff, so nothing was changed.")
	}
	if u.Role != RoleAdmin {
		return errs.Forbiddenf("Only an admin can change a customer's account while impersonating, so nothing was changed.")
	}
	imp, err := q.GetImpersonationByID(ctx, a.ImpersonationID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return errs.Forbiddenf("This impersonation does not exist, so nothing was changed.")
	case err != nil:
		return err
	case imp.EndedAt.Valid || imp.ExpiresAt <= now.Unix():
		return errs.Forbiddenf("This impersonation ended while the change was on its way, so nothing was changed.")
	case imp.AdminUserID != u.ID || imp.CustomerUserID != customer:
		return errs.Forbiddenf("This impersonation is not yours or not of this customer, so nothing was changed.")
	case imp.AllowChanges == 0:
		return errs.Forbiddenf("This impersonation is read-only, so nothing was changed.")
	}
	t, err := q.GetImpersonatedCustomer(ctx, customer)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return errs.Forbiddenf("This customer's account no longer exists, so nothing was changed.")
	case err != nil:
		return err
	case t.Role != RoleCustomer || t.Status != StatusActive:
		return errs.Forbiddenf("This account is no longer an active customer account, so nothing was changed.")
	}
	return nil
}

// CheckPaymentWrite is CheckCustomerWrite for a change of payment methods (they move money):
// through an impersonation, it must also have been started with allow_payments (an admin's,
// the ticket authorizing it).
func CheckPaymentWrite(ctx context.Context, q *queries.Queries, a Actor, customer int64, now time.Time) error {
	if err := CheckCustomerWrite(ctx, q, a, customer, now); err != nil || a.ImpersonationID == 0 {
		return err
	}
	imp, err := q.GetImpersonationByID(ctx, a.ImpersonationID)
	if err != nil {
		return err
	}
	if imp.AllowPayments != 1 {
		return errs.Forbiddenf("This impersonation may not change payment methods: they move money. An admin can start one that says the ticket authorizes it.")
	}
	return nil
}

// CheckStaff re-reads the actor in q's transaction: still active staff (support or admin).
// It returns their role.
func CheckStaff(ctx context.Context, q *queries.Queries, a Actor) (string, error) {
	u, err := activeUser(ctx, q, a.UserID)
	if err != nil {
		return "", err
	}
	if !IsStaff(u.Role) {
		return "", errs.Forbiddenf("You are no longer support staff, so nothing was changed.")
	}
	return u.Role, nil
}

// CheckAdmin re-reads the actor of an admin-only action (the admin tools, staff management,
// settings) in q's transaction: still an active admin.
func CheckAdmin(ctx context.Context, q *queries.Queries, a Actor) error {
	role, err := CheckStaff(ctx, q, a)
	if err == nil && role != RoleAdmin {
		err = errs.Forbiddenf("Only an admin can do this; support agents cannot, so nothing was changed.")
	}
	return err
}

func activeUser(ctx context.Context, q *queries.Queries, id int64) (queries.User, error) {
	u, err := q.GetUserForAuth(ctx, id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return u, errs.Forbiddenf("Your account no longer exists, so nothing was changed.")
	case err != nil:
		return u, err
	case u.Status != StatusActive:
		return u, errs.Forbiddenf("Your account is disabled, so nothing was changed.")
	}
	return u, nil
}
