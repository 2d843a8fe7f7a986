package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"chargedesk/queries"
)

// Tags of impersonation rows in auth_audit.
const (
	TagImpersonationStart = "impersonation.start"
	TagImpersonationEnd   = "impersonation.end"
)

// Outcomes of an impersonation_audit row.
const (
	Viewed  = "viewed"
	Changed = "changed"
	Blocked = "blocked"
)

// RouteEntry is one impersonation_audit row before it is chained.
type RouteEntry struct {
	ImpersonationID, Admin, Customer int64
	Method, Route, Path              string
	Status                           int
	Outcome                          string
}

// WriteRoute appends e to impersonation_audit inside tx (a write transaction).
func WriteRoute(ctx context.Context, tx *sql.Tx, at int64, e RouteEntry) (int64, error) {
	q := queries.New(tx)
	prev, err := q.LastImpersonationAuditHash(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		prev = genesis
	} else if err != nil {
		return 0, fmt.Errorf("audit: last route hash: %w", err)
	}
	row := queries.InsertImpersonationAuditParams{
		ImpersonationID: e.ImpersonationID, At: at, AdminUserID: e.Admin, CustomerUserID: e.Customer,
		Method: e.Method, Route: e.Route, Path: Truncate(e.Path, 300), Status: int64(e.Status), Outcome: e.Outcome, PrevHash: prev,
	}
	row.Hash = routeHash(row.ImpersonationID, row.At, row.AdminUserID, row.CustomerUserID, row.Method, row.Route, row.Path, row.Status, row.Outcome, prev)
	return q.InsertImpersonationAudit(ctx, row)
}

// VerifyRoutes recomputes the impersonation_audit chain like VerifyAuth.
func VerifyRoutes(ctx context.Context, r *sql.DB) (int, error) {
	rows, err := queries.New(r).ListImpersonationAuditChain(ctx)
	if err != nil {
		return 0, err
	}
	prev := genesis
	for _, a := range rows {
		if a.PrevHash != prev {
			return 0, &BrokenChainError{"impersonation_audit", a.ID, "prev_hash does not match the row before it (a row was removed or inserted)"}
		}
		if routeHash(a.ImpersonationID, a.At, a.AdminUserID, a.CustomerUserID, a.Method, a.Route, a.Path, a.Status, a.Outcome, a.PrevHash) != a.Hash {
			return 0, &BrokenChainError{"impersonation_audit", a.ID, "content does not match its hash (the row was changed)"}
		}
		prev = a.Hash
	}
	return len(rows), nil
}

func routeHash(imp, at, admin, customer int64, method, route, path string, status int64, outcome, prev string) string {
	return chainHash(strconv.FormatInt(imp, 10), strconv.FormatInt(at, 10), strconv.FormatInt(admin, 10),
		strconv.FormatInt(customer, 10), method, route, path, strconv.FormatInt(status, 10), outcome, prev)
}
