// Package access decides, without HTTP and without a database, what a customer-surface
// request may see: whose account it is scoped to, whether an impersonation must end, or why
// it is refused. The middleware and the impersonation sweeper both use it, so each rule is
// written once; decide_test.go is its table.
package access

import (
	"strconv"
	"strings"
	"time"
)

// Roles and statuses as the users table stores them. Staff are support agents (search, view,
// impersonate read-only) and admins (also changes while impersonating, the admin tools, staff
// management and settings).
const (
	RoleAdmin    = "admin"
	RoleSupport  = "support"
	RoleCustomer = "customer"
	StatusActive = "active"
)

// IsStaff reports a ChargeDesk staff role (support or admin): the console and impersonation.
func IsStaff(role string) bool { return role == RoleAdmin || role == RoleSupport }

// User is the caller, or the impersonated customer, as just read from the database.
type User struct {
	ID     int64
	Role   string
	Status string
}

// Impersonation is the caller's active impersonation as just read.
type Impersonation struct {
	ID           int64
	Customer     int64
	ExpiresAt    time.Time
	LastActivity time.Time // its newest audit row
	AllowChanges bool
}

// Request is everything the decision depends on.
type Request struct {
	Caller    User
	Marks     []string       // the ?as= values, as sent
	Active    *Impersonation // nil when the caller has none
	Target    *User          // the impersonated customer; nil when there is no impersonation or no such user
	Now       time.Time
	Idle      time.Duration // an impersonation with no request for this long ends; 0: never
	Elsewhere bool          // a navigation from another site, or a prefetch
	Write     bool
}

// Outcome is what to do.
type Outcome int

const (
	Own       Outcome = iota // a customer on their own account
	Scoped                   // an admin scoped to the impersonated customer
	ToConsole                // send the admin to /admin
	Refused                  // refuse, for Reason
)

// Reason says why a request is refused.
type Reason int

const (
	NoReason      Reason = iota
	BadMarker            // 400: malformed or repeated marker
	NotStaff             // 403 and a privilege_violation: a marker from a non-admin
	NoMatch              // 403: no active impersonation of that customer (stale tab)
	Ended                // 403: it just ended (expired, idle, target gone), see Via
	FromElsewhere        // 403: a link from another site or a prefetch; nothing happens
	ReadOnly             // 403: a write in a read-only impersonation
)

// Decision is the outcome, the customer whose data may be shown, and, when EndVia is set,
// that the caller's active impersonation must end with that end_via.
type Decision struct {
	Outcome  Outcome
	ActingAs int64
	Reason   Reason
	EndVia   string
}

// Ways an impersonation ends (impersonations.end_via).
const (
	ViaExit             = "exit"
	ViaMarkerRemoved    = "marker_removed"
	ViaExpired          = "expired"
	ViaIdle             = "idle"
	ViaRoleRevoked      = "role_revoked"
	ViaAdminDisabled    = "admin_disabled"
	ViaCustomerDisabled = "customer_disabled"
	ViaCustomerPromoted = "customer_promoted"
	ViaServerRestart    = "server_restart"
	ViaLogout           = "logout"
	ViaDisabled         = "disabled"      // the kill switch turned impersonation off
	ViaGrantRevoked     = "grant_revoked" // the customer took back support's access
)

// MustEnd says whether an active impersonation must end now, and why: the admin lost the
// role or was disabled, the customer was disabled, deleted or made staff, it expired, or it
// sat idle. target nil means the customer no longer exists. This is the one end rule; the
// sweeper applies it to every active impersonation.
func MustEnd(imp Impersonation, admin User, target *User, now time.Time, idle time.Duration) (string, bool) {
	switch {
	case !IsStaff(admin.Role):
		return ViaRoleRevoked, true
	case admin.Status != StatusActive:
		return ViaAdminDisabled, true
	case target == nil || target.Status != StatusActive:
		return ViaCustomerDisabled, true
	case target.Role != RoleCustomer:
		return ViaCustomerPromoted, true
	case !now.Before(imp.ExpiresAt):
		return ViaExpired, true
	case idle > 0 && !imp.LastActivity.IsZero() && now.Sub(imp.LastActivity) >= idle:
		return ViaIdle, true
	}
	return "", false
}

// Decide is DESIGN.md's marker semantics as one function.
func Decide(r Request) Decision {
	if r.Elsewhere && (len(r.Marks) > 0 || IsStaff(r.Caller.Role)) {
		return Decision{Outcome: Refused, Reason: FromElsewhere}
	}
	var endVia string
	active := r.Active
	if active != nil {
		if via, end := MustEnd(*active, r.Caller, r.Target, r.Now, r.Idle); end {
			endVia, active = via, nil
		}
	}
	if len(r.Marks) == 0 {
		switch {
		case r.Caller.Role == RoleCustomer:
			return Decision{Outcome: Own, ActingAs: r.Caller.ID, EndVia: endVia}
		case active != nil:
			return Decision{Outcome: ToConsole, EndVia: ViaMarkerRemoved}
		default:
			return Decision{Outcome: ToConsole, EndVia: endVia}
		}
	}
	as, ok := parseMarker(r.Marks)
	switch {
	case !ok:
		return Decision{Outcome: Refused, Reason: BadMarker, EndVia: endVia}
	case !IsStaff(r.Caller.Role):
		return Decision{Outcome: Refused, Reason: NotStaff, EndVia: endVia}
	case endVia != "" && r.Active.Customer == as:
		return Decision{Outcome: Refused, Reason: Ended, EndVia: endVia}
	case active == nil || active.Customer != as:
		return Decision{Outcome: Refused, Reason: NoMatch, EndVia: endVia}
	case r.Write && !active.AllowChanges:
		return Decision{Outcome: Refused, Reason: ReadOnly, ActingAs: as}
	}
	return Decision{Outcome: Scoped, ActingAs: as}
}

// parseMarker accepts exactly one marker, an id.
func parseMarker(marks []string) (int64, bool) {
	if len(marks) != 1 {
		return 0, false
	}
	return ParseID(marks[0])
}

// ParseID accepts a positive decimal id without sign or leading zeros; anything else — from a
// path, a form, a query string or a marker — is not an id.
func ParseID(s string) (int64, bool) {
	if s == "" || len(s) > 18 || s[0] == '0' || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}
