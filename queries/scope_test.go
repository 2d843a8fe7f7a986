package queries_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chargedesk/queries"
)

func loadQueries(t *testing.T) []queries.Query {
	t.Helper()
	files, err := filepath.Glob("*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no queries/*.sql found (%v)", err)
	}
	var all []queries.Query
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, queries.ParseQueries(f, string(src))...)
	}
	return all
}

// Every query touching a customer table takes acting_as, or is a reviewed exception.
func TestEveryCustomerQueryTakesActingAs(t *testing.T) {
	qs := loadQueries(t)
	if len(qs) < 10 {
		t.Fatalf("parsed only %d queries; the parser is broken", len(qs))
	}
	for _, v := range queries.CheckScope(qs, queries.Unscoped) {
		t.Errorf("%s (%s) touches %s without an acting_as parameter; scope it or list it in queries.Unscoped with a reason",
			v.Query.Name, v.Query.File, strings.Join(v.Tables, ", "))
	}
}

// Every exception still names a query that exists, so the list cannot rot.
func TestUnscopedExceptionsExist(t *testing.T) {
	names := map[string]bool{}
	for _, q := range loadQueries(t) {
		names[q.Name] = true
	}
	for name := range queries.Unscoped {
		if !names[name] {
			t.Errorf("queries.Unscoped lists %s, which is not a query any more", name)
		}
	}
}

// The checker itself catches planted unscoped queries and lets scoped ones through.
func TestCheckScopeCatchesPlantedQuery(t *testing.T) {
	src := `
-- name: LeakAllCards :many
SELECT * FROM ev_cards WHERE status = 'active';

-- name: LeakViaJoin :many
SELECT r.* FROM locations l JOIN receipts r ON r.id = l.id;

-- name: CommentDoesNotCount :many
-- acting_as is mentioned only in this comment: @acting_as
SELECT * FROM payment_methods;

-- name: ScopedCards :many
SELECT * FROM ev_cards WHERE user_id = @acting_as;

-- name: ScopedNarg :one
SELECT * FROM refunds WHERE user_id = sqlc.arg(acting_as);

-- name: NotCustomerData :many
SELECT * FROM locations;

-- name: ListedException :one
SELECT count(*) FROM users;
`
	got := queries.CheckScope(queries.ParseQueries("planted.sql", src), map[string]string{"ListedException": "test"})
	var names []string
	for _, v := range got {
		names = append(names, v.Query.Name)
	}
	want := "LeakAllCards,LeakViaJoin,CommentDoesNotCount"
	if strings.Join(names, ",") != want {
		t.Errorf("violations = %v, want %s", names, want)
	}
}
