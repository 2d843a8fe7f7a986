package handlers_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"chargedesk/queries"
)

// planOf is the EXPLAIN QUERY PLAN of a named query in a queries/*.sql file, its named
// parameters bound to NULL (the plan is the prepared one).
func planOf(t *testing.T, ta *testApp, file, name string) []string {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range queries.ParseQueries(file, string(src)) {
		if q.Name != name {
			continue
		}
		sqlText := regexp.MustCompile(`@\w+`).ReplaceAllString(q.SQL, "?")
		rows, err := ta.db.R.Query("EXPLAIN QUERY PLAN "+sqlText, make([]any, strings.Count(sqlText, "?"))...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defer rows.Close()
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			rows.Scan(&id, &parent, &notused, &detail)
			plan = append(plan, detail)
		}
		return plan
	}
	t.Fatalf("no query %s in %s", name, file)
	return nil
}

// The customer pages read what the page shows, not the customer's whole history: each
// query walks an index of the customer's rows in order and stops (a fleet has hundreds of
// thousands of sessions).
func TestCustomerPageQueriesDoNotGrowWithHistory(t *testing.T) {
	t.Parallel()
	ta := newTestAppWith(t, appOptions{seedInPlace: true})
	cases := []struct {
		file, name string
		must       []string // plan lines that must appear
		mustNot    []string
	}{
		{"../queries/charging_sessions.sql", "ListActiveSessions", []string{"charging_sessions_user_active"}, []string{"SCAN s", "charging_sessions_user "}},
		{"../queries/charging_sessions.sql", "ListSessions", []string{"SEARCH s USING INDEX charging_sessions_user"}, []string{"TEMP B-TREE", "SCAN m"}},
		// Four histories merged in index order: each walked newest first, none sorted.
		{"../queries/activity.sql", "ListActivity", []string{"MERGE (UNION ALL)", "SEARCH a USING INDEX activity_user", "SEARCH s USING INDEX charging_sessions_user",
			"SEARCH r USING INDEX receipts_user", "SEARCH i USING INDEX impersonations_customer"}, []string{"SCAN a", "SCAN s", "SCAN r", "SCAN i", "TEMP B-TREE"}},
		// Home's counts and short lists (newest active cards, default payment method first), in index order.
		{"../queries/home.sql", "CustomerSummary", []string{"SEARCH u USING INTEGER PRIMARY KEY", "SEARCH n USING INTEGER PRIMARY KEY",
			"SEARCH e USING INDEX ev_cards_user_status (user_id=? AND status=?)", "SEARCH p USING INDEX payment_methods_user_default (user_id=?)"},
			[]string{"charging_sessions", "SCAN c", "SCAN e", "SCAN f", "SCAN p", "TEMP B-TREE"}},
		// A page of a customer's reservations or EV cards, walked in index order from the keyset.
		{"../queries/reservations.sql", "ListReservations", []string{"SEARCH r USING INDEX reservations_user_page (user_id=? AND starts_at<?)"}, []string{"TEMP B-TREE", "SCAN"}},
		{"../queries/ev_cards.sql", "ListCardsPage", []string{"SEARCH c USING INDEX ev_cards_user (user_id=? AND id<?)"}, []string{"TEMP B-TREE", "SCAN"}},
		// The top of a customer's console page: open sessions and bounded counts, through indexes.
		{"../queries/admin_customer_detail.sql", "CustomerOpenSessions", []string{"charging_sessions_user_active"}, []string{"SCAN s", "SCAN m"}},
		{"../queries/admin_customer_detail.sql", "AccountAlertCounts", []string{"ev_cards_user_status", "reservations_user_page", "impersonations_customer", "auth_audit_actor_tag"},
			[]string{"SCAN c", "SCAN r", "SCAN i", "SCAN a"}},
		// Search by email domain: one page through the domain index, in id order.
		{"../queries/admin_customers.sql", "CustomersByDomain", []string{"USING INDEX users_email_domain"}, []string{"SCAN u", "TEMP B-TREE"}},
		// The caller of every request: session, user, open impersonation, its last request.
		{"../queries/web_sessions.sql", "GetCaller", []string{"SEARCH ws USING INDEX sqlite_autoindex_web_sessions_1 (id=?)", "SEARCH u USING INTEGER PRIMARY KEY",
			"impersonations_one_active_per_admin", "SEARCH r USING COVERING INDEX", "SEARCH f USING COVERING INDEX user_factors_user"}, []string{"SCAN", "TEMP B-TREE"}},
		// The Security page's list of the account's sessions, and one of them by its handle: the
		// account's rows only (a few; sorted by when they were last used), never every login.
		{"../queries/web_sessions.sql", "ListUserSessions", []string{"SEARCH web_sessions USING INDEX web_sessions_user (user_id=?)"}, []string{"SCAN"}},
		{"../queries/web_sessions.sql", "GetUserSession", []string{"SEARCH web_sessions USING INDEX web_sessions_user (user_id=?)"}, []string{"SCAN"}},
		// A sign-in's "new device?" check: the person's last sign-ins, newest first, never the whole trail.
		{"../queries/mail.sql", "RecentSignInAgents", []string{"SEARCH auth_audit USING INDEX auth_audit_actor_tag (actor_user_id=? AND tag=? AND id<?)"}, []string{"SCAN", "TEMP B-TREE"}},
		// A failed sign-in's "is this the fifth within the hour, and was the person not told today?"
		{"../queries/mail.sql", "RecentSignInFailures", []string{"SEARCH auth_audit USING INDEX auth_audit_target_tag (target_user_id=? AND tag=? AND id<?)"}, []string{"SCAN auth_audit", "TEMP B-TREE"}},
		{"../queries/mail.sql", "MailsOfKindSince", []string{"mail_outbox_user_kind (user_id=? AND kind=? AND created_at>?)"}, []string{"SCAN"}},
		// The customer page's held sessions and wrong-clock notes: partial indexes, never a walk of a fleet's history.
		{"../queries/charging_sessions.sql", "HeldSessions", []string{"USING INDEX charging_sessions_held (user_id=?)"}, []string{"SCAN", "TEMP B-TREE"}},
		{"../queries/charging_sessions.sql", "SessionClockNotes", []string{"USING INDEX charging_sessions_clock (user_id=? AND started_at>?)"}, []string{"SCAN", "TEMP B-TREE"}},
		// An access report: the customer's own rows of each chain, through their indexes, up to the checkpoint.
		{"../queries/reports.sql", "ReportActions", []string{"SEARCH auth_audit USING INDEX auth_audit_target (target_user_id=? AND id<?)"}, []string{"SCAN", "TEMP B-TREE"}},
		{"../queries/reports.sql", "ReportPages", []string{"SEARCH impersonation_audit USING INDEX impersonation_audit_customer (customer_user_id=? AND id<?)"}, []string{"SCAN", "TEMP B-TREE"}},
		{"../queries/reports.sql", "ReportImpersonations", []string{"SEARCH i USING INDEX impersonations_customer (customer_user_id=? AND started_at<?)"}, []string{"SCAN i", "TEMP B-TREE"}},
		// Was this page recorded in the last minute of this impersonation: its rows since then only.
		{"../queries/impersonations.sql", "RecentRouteAudit", []string{"SEARCH impersonation_audit USING INDEX impersonation_audit_last (impersonation_id=? AND at>?)"}, []string{"SCAN"}},
		// The audit page's start/end pairs and first route rows: by impersonation, bounded.
		{"../queries/admin_audit.sql", "ListImpersonationBounds", []string{"SEARCH auth_audit USING INDEX auth_audit_impersonation (impersonation_id=?)"}, []string{"auth_audit_tag", "SCAN auth_audit"}},
		{"../queries/admin_audit.sql", "ListRouteAuditPreviews", []string{"SEARCH x USING COVERING INDEX impersonation_audit_last (impersonation_id=?)"}, []string{"TEMP B-TREE", "SCAN r", "SCAN x"}},
		// A page of search results by id: each looked up by its key, never a walk of all customers.
		{"../queries/admin_customers.sql", "CustomersByIDs", []string{"SEARCH u USING INTEGER PRIMARY KEY (rowid=?)"}, []string{"users_role_name", "SCAN u"}},
		// A user's rows of one tag: through (user, tag, id), never a filter over all their rows.
		{"../queries/admin_audit.sql", "ListAuthAuditByActorTag", []string{"USING INDEX auth_audit_actor_tag (actor_user_id=? AND tag=? AND id<?)"}, []string{"TEMP B-TREE", "SCAN"}},
		{"../queries/admin_audit.sql", "ListAuthAuditByTargetTag", []string{"USING INDEX auth_audit_target_tag (target_user_id=? AND tag=? AND id<?)"}, []string{"TEMP B-TREE", "SCAN"}},
		// The admin customer page's receipts and credit notes, a page of each index at a time.
		{"../queries/admin_customer_detail.sql", "AdminListReceipts", []string{"SEARCH r USING INDEX receipts_user (user_id=? AND issued_at<?)"}, []string{"TEMP B-TREE", "SCAN r"}},
		{"../queries/admin_customer_detail.sql", "AdminListRefunds", []string{"SEARCH f USING INDEX refunds_user (user_id=? AND created_at<?)"}, []string{"TEMP B-TREE", "SCAN f"}},
		// Who is impersonating this customer now: the active impersonations, not their history.
		{"../queries/admin_customers.sql", "ActiveImpersonationsOfCustomer", []string{"USING INDEX impersonations_active"}, []string{"impersonations_customer"}}, // a partial index of the active ones
		// A tag family's page: ids from the covering (tag, id) index, then only the shown rows.
		{"../queries/admin_audit.sql", "ListAuthAuditIDsByTag", []string{"USING COVERING INDEX auth_audit_tag (tag=? AND id<?)"}, []string{"TEMP B-TREE", "SCAN"}},
		{"../queries/admin_audit.sql", "AuthAuditByIDs", []string{"SEARCH auth_audit USING INTEGER PRIMARY KEY (rowid=?)"}, []string{"SCAN auth_audit"}},
		// Webhooks: the waiting events through the partial index (delivered ones are never
		// visited), and the console's log newest first by key.
		{"../queries/webhooks.sql", "WaitingWebhooks", []string{"USING INDEX webhook_outbox_waiting"}, []string{"TEMP B-TREE"}},
		{"../queries/webhooks.sql", "RecentWebhooks", []string{"SCAN webhook_outbox"}, []string{"TEMP B-TREE"}},
		// The staff page: staff by role through the role index, not every customer.
		{"../queries/staff.sql", "ListStaff", []string{"USING INDEX users_role_name (role=?)"}, []string{"SCAN users"}},
		// A charger's page: each connector's last sessions in index order (not every user, not
		// every session sorted); its connectors and the session holding each; its protocol log.
		{"../queries/ocpp.sql", "ListConnectorSessionsForConsole", []string{"SEARCH s USING INDEX charging_sessions_connector (connector_id=?)", "SEARCH u USING INTEGER PRIMARY KEY"},
			[]string{"SCAN", "TEMP B-TREE"}},
		{"../queries/ocpp.sql", "ListConnectorsForConsole", []string{"charging_sessions_one_active_per_connector"}, []string{"SCAN"}},
		{"../queries/ocpp.sql", "ListOCPPLog", []string{"USING INDEX ocpp_log_charger (charger_id=?)"}, []string{"SCAN", "TEMP B-TREE"}},
		{"../queries/ocpp.sql", "ListChargersForConsole", []string{"USING INTEGER PRIMARY KEY (rowid>?)"}, []string{"SCAN", "TEMP B-TREE"}},
		// What a charge point's messages read: its own rows by key, never a walk of the network.
		{"../queries/ocpp.sql", "ActiveTransactionsOfCharger", []string{"charging_sessions_one_active_per_connector"}, []string{"SCAN s", "charging_sessions_active"}},
		{"../queries/ocpp.sql", "SessionOnCharger", []string{"SEARCH s USING INTEGER PRIMARY KEY"}, []string{"SCAN"}},
		{"../queries/ocpp.sql", "ChargerConnectorByNumber", []string{"evses_charger (charger_id=?)"}, []string{"SCAN"}},
		{"../queries/ocpp.sql", "PruneOCPPLog", []string{"ocpp_log_charger (charger_id=? AND id<?)"}, []string{"SCAN"}},
		// Reservations due at their chargers: the partial index of the unsent ones.
		{"../queries/ocpp.sql", "DueReservations", []string{"USING INDEX reservations_due"}, []string{"SCAN", "TEMP B-TREE"}},
	}
	for _, tc := range cases {
		plan := strings.Join(planOf(t, ta, tc.file, tc.name), "\n")
		for _, m := range tc.must {
			if !strings.Contains(plan, m) {
				t.Errorf("%s: the plan lacks %q:\n%s", tc.name, m, plan)
			}
		}
		for _, m := range tc.mustNot {
			if strings.Contains(plan, m) {
				t.Errorf("%s: the plan has %q:\n%s", tc.name, m, plan)
			}
		}
	}
}
