package queries

import (
	"regexp"
	"sort"
	"strings"
)

// CustomerTables are the tables holding a customer's data. A query that touches one must take
// the customer as a parameter named acting_as, so that no query can return another customer's
// rows by forgetting a WHERE clause.
var CustomerTables = []string{
	"users", "chargers", "favourite_chargers", "charging_sessions", "meter_readings",
	"receipts", "receipt_lines", "refunds", "ev_cards", "reservations", "payment_methods", "activity",
}

// Unscoped lists the queries allowed to touch customer tables without acting_as, each with
// why. This list is the review point: adding to it needs a reason a reviewer accepts.
var Unscoped = map[string]string{
	"ReportPeople":                     "access report: the names of the staff (role admin or support only) whose actions it lists",
	"GetReview":                        "access review (admins): the names of the staff who opened and signed off a review",
	"ListReviews":                      "access review (admins): the names of the staff who opened and signed off each review",
	"ReviewStaff":                      "access review (admins): every staff account (role admin or support), what it did, and the names of the accounts it created",
	"GetUserForAuth":                   "authentication: loads the logged-in user by the id in their own session",
	"GetUserByEmailForAuth":            "authentication: login looks the account up by email",
	"CreateUser":                       "account creation (CLI and demo), not a customer's data view",
	"CountUsers":                       "start-up check that the database is empty before seeding the demo",
	"CountUsersByEmail":                "serve --demo: whether the demo's admin account exists (a count, no data)",
	"CountCustomers":                   "admin dashboard: a count, no customer's data",
	"TouchCharger":                     "OCPP endpoint: a charge point was heard from (last_seen_at); returns nothing",
	"NextCardSerial":                   "a sequence number for a new card's printed number; returns no customer data",
	"ConnectorMeterWh":                 "the connector's meter value for a new session's start; returns one number",
	"ListActiveImpersonationsForSweep": "the impersonation sweeper reads role and status of the admin and customer of each active impersonation",
	"ListStaff":                        "the admin-only staff page lists staff accounts, not customers' data",
	"GetPasswordHash":                  "the signed-in user's own hash (their id from the session), for changing their own password",
	"UserForNotice":                    "a security notice (users.SecurityNotices): the address of the person an auth_audit row is about, and the name of who made the change — never read while impersonating, written only to that person",
	"GetUserForAdmin":                  "admin-only staff and customer management: the account being managed, checked by access.CheckAdmin in the same transaction",
	"SetUserRole":                      "admin-only staff management (staff.SetRole, after access.CheckAdmin)",
	"SetUserStatus":                    "admin-only disable/enable of staff and customers (staff.SetStatus, after access.CheckAdmin)",
	"GetPasswordToken":                 "a one-time password-set link, found by the hash of its secret token",
	"SetPasswordHash":                  "sets the password of the user a valid one-time link belongs to",
	"SetProtectedReason":               "an admin marks a customer protected (impersonation.SetProtected, after access.CheckAdmin)",
	"PendingApprovals":                 "staff see impersonation requests waiting for a second approver: ticket, reason and the customer's name only",
	"GetImpersonationSwitch":           "the kill switch and the name of the staff member who changed it (no customer data)",
	"ActiveImpersonationForCheck":      "an admin's extend request: role and status of the admin and customer of the admin's own impersonation, as the sweeper reads them",
	"GetImpersonationTarget":           "an admin's start request: is the target a customer, active, not themself (admin-only endpoint)",
	"GetCaller":                        "authentication: the logged-in user by their own session, with their own open impersonation and its customer's name, role and status (banner and end rule)",
	"SearchCustomers":                  "admin console search across customers (admin routes only); returns profile fields, no account data",
	"EmailMatchesAfter":                "admin console search: ids of customers whose email matches, one page",
	"CommonEmailMatchesAfter":          "admin console search: ids of customers whose email matches a common prefix, one page",
	"CustomersByIDs":                   "admin console search: the profile fields of one page of matches (admin routes only)",
	"GetApprovalForRequester":          "the requester's own waiting page: their request, the customer's name and protection, and the approver's name",
	"CustomerByHandle":                 "a ticket's deep link to the start dialog (staff routes only): the id of the customer it names by Public ID or email",
	"CountEmailMatches":                "admin console search: how many customers' emails match, bounded; a number, no data",
	"ListActiveImpersonations":         "admin dashboard: who is impersonating whom right now (names only)",
	"RecentPrivilegeViolations":        "admin dashboard: the audit's privilege_violation rows with the actor's name",
	"ListActiveSessionsPlatform":       "admin dashboard: the stuck-session board across the network (names, places, times)",
	"ConsoleCounts":                    "admin dashboard: counts only",
	"NextCreditNoteSerial":             "a sequence number for a credit note; returns one number",
	"ListImpersonations":               "admin audit: the impersonations with admin and customer names",
	"GetImpersonation":                 "admin audit: one impersonation with admin and customer names",
	"OwnerOfReceipt":                   "admin tools: whose receipt this is, when the form does not say (returns a user id)",
	"OwnerOfReservation":               "admin tools: whose reservation this is, when the form does not say (returns a user id)",
	"OwnerOfCard":                      "admin tools: whose card this is, when the form does not say (returns a user id)",
	"OwnerOfSession":                   "admin tools: whose session this is, when the form does not say (returns a user id)",
	"CountOverlappingReservations":     "availability: whether an EVSE is held in a window, as a count; no customer data",
	"CustomersByDomain":                "admin console search by email domain: profile fields of one page of matches (admin routes only)",
	"GetChargerForOCPP":                "OCPP endpoint: a connecting charge point's id, password hash and heartbeat (no customer data)",
	"ChargerBooted":                    "OCPP endpoint: a charge point's own BootNotification (vendor, model, firmware, time)",
	"CardByUID":                        "OCPP endpoint: the card a charge point presents, by its UID: status and owner id, for the charger's authorization",
	"NoteChargerClock":                 "OCPP endpoint: the charge point itself (by its authenticated id) is noted as having a wrong clock; returns nothing",
	"ChargerHomeOwner":                 "OCPP endpoint: whose home charger the authenticated charge point is (an id), for the card rule",
	"ChargerBootedAt":                  "OCPP endpoint: when the authenticated charge point last booted (a time), to judge its clock",
	"SessionOnCharger":                 "OCPP endpoint: a transaction of the charge point itself (its id and owner, then scoped by the owner)",
	"ActiveSessionOnConnector":         "OCPP endpoint: whether a session holds the connector a charge point starts on (id and owner)",
	"ActiveTransactionsOfCharger":      "demo charge point simulator: the transactions a simulated charge point resumes; never reaches a page",
	"SetChargerPassword":               "admin-only charger registration: the SHA-256 of a new OCPP password",
	"ListChargersForConsole":           "staff console: the charger list with owner names (staff routes only)",
	"GetChargerForConsole":             "staff console: one charger with its owner's name (staff routes only)",
	"ListConnectorsForConsole":         "staff console: a charger's connectors and the id of the session holding each (staff routes only)",
	"ListConnectorSessionsForConsole":  "staff console: a connector's last sessions with the drivers' names (staff routes only)",
	"ChargerOCPPID":                    "a remote start: the OCPP id of a charger the customer may use (checked by GetStartableConnector first)",
	"DueReservations":                  "maintenance: reservations whose window started, to send ReserveNow to their chargers (card UID and ids; never reaches a page)",
	"CustomerIDByEmail":                "admin-only charger registration: the id of the customer who owns a home charger, by the email the admin typed",
	"InsertCharger":                    "admin-only charger registration (central.Register, after access.CheckAdmin)",
	"UserNamesByIDs":                   "admin audit page: the names beside the user ids it shows",
	"LastEndedImpersonationOf":         "admin dashboard: the admin's own last impersonation (ticket, customer's name) to go back to after Exit",
}

// Query is one named query in a queries/*.sql file.
type Query struct {
	Name string
	File string
	SQL  string
}

var (
	nameLine = regexp.MustCompile(`(?m)^--\s*name:\s*(\w+).*$`)
	tableRef = regexp.MustCompile(`(?i)\b(?:FROM|JOIN|INTO|UPDATE)\s+([A-Za-z_][A-Za-z0-9_]*)`)
	actingAs = regexp.MustCompile(`@acting_as\b|sqlc\.n?arg\(\s*'?acting_as'?\s*\)`)
	comment  = regexp.MustCompile(`--[^\n]*`)
)

// ParseQueries splits a .sql file into its named queries.
func ParseQueries(file, src string) []Query {
	locs := nameLine.FindAllStringSubmatchIndex(src, -1)
	out := make([]Query, 0, len(locs))
	for i, loc := range locs {
		end := len(src)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		out = append(out, Query{Name: src[loc[2]:loc[3]], File: file, SQL: src[loc[1]:end]})
	}
	return out
}

// ScopeViolation is a query that touches customer tables without acting_as.
type ScopeViolation struct {
	Query  Query
	Tables []string
}

// CheckScope returns the queries that touch a customer table without an acting_as parameter
// and are not listed in exceptions.
func CheckScope(qs []Query, exceptions map[string]string) []ScopeViolation {
	customer := map[string]bool{}
	for _, t := range CustomerTables {
		customer[t] = true
	}
	var out []ScopeViolation
	for _, q := range qs {
		body := comment.ReplaceAllString(q.SQL, "")
		seen := map[string]bool{}
		for _, m := range tableRef.FindAllStringSubmatch(body, -1) {
			if t := strings.ToLower(m[1]); customer[t] {
				seen[t] = true
			}
		}
		if len(seen) == 0 || actingAs.MatchString(body) {
			continue
		}
		if _, ok := exceptions[q.Name]; ok {
			continue
		}
		tables := make([]string, 0, len(seen))
		for t := range seen {
			tables = append(tables, t)
		}
		sort.Strings(tables)
		out = append(out, ScopeViolation{Query: q, Tables: tables})
	}
	return out
}
