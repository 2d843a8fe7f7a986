package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash"
	"strconv"

	"chargedesk/queries"
)

// Tags of impersonation rows in auth_audit.
const (
	TagImpersonationStart  = "impersonation.start"
	TagImpersonationEnd    = "impersonation.end"
	TagImpersonationExtend = "impersonation.extend"
)

// Outcomes of an impersonation_audit row.
const (
	Viewed  = "viewed"
	Changed = "changed"
	Blocked = "blocked"
)

// MaxPath is how much of a request's path and query a route row keeps.
const MaxPath = 300

// RouteEntry is one impersonation_audit row before it is chained.
type RouteEntry struct {
	ImpersonationID, Admin, Customer int64
	Method, Route, Path              string
	Status                           int
	Outcome                          string
}

// WriteRoute appends e to impersonation_audit inside tx (a write transaction).
func (t *Trail) WriteRoute(ctx context.Context, tx *sql.Tx, at int64, e RouteEntry) (int64, error) {
	q := t.queriesOn(tx)
	prev, err := q.LastImpersonationAuditHash(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		prev = genesis
	} else if err != nil {
		return 0, fmt.Errorf("audit: last route hash: %w", err)
	}
	row := queries.InsertImpersonationAuditParams{
		ImpersonationID: e.ImpersonationID, At: at, AdminUserID: e.Admin, CustomerUserID: e.Customer,
		Method: e.Method, Route: e.Route, Path: Truncate(e.Path, MaxPath), Status: int64(e.Status), Outcome: e.Outcome, PrevHash: prev,
	}
	row.Hash = routeHash(t.mac(), row.ImpersonationID, row.At, row.AdminUserID, row.CustomerUserID, row.Method, row.Route, row.Path, row.Status, row.Outcome, prev)
	return q.InsertImpersonationAudit(ctx, row)
}

func routeHash(h hash.Hash, imp, at, admin, customer int64, method, route, path string, status int64, outcome, prev string) string {
	return chainHash(h, strconv.FormatInt(imp, 10), strconv.FormatInt(at, 10), strconv.FormatInt(admin, 10),
		strconv.FormatInt(customer, 10), method, route, path, strconv.FormatInt(status, 10), outcome, prev)
}
