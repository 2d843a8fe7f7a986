package report_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"chargedesk/audit"
	"chargedesk/db/dbtest"
	"chargedesk/queries"
	"chargedesk/report"
	"chargedesk/users"
)

// A report whose period starts before the trail's retention cut says that the rows written
// before it are archived, and lists what remains; a period after the cut says nothing of it.
func TestReportSaysWhatWasArchived(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.Open(t)
	now := time.Now()
	cust, err := users.Insert(ctx, queries.New(d.W), users.NewUser{Email: "lukasz@example.com", Name: "Łukasz Żółć", Role: "customer"}, "x", now.AddDate(-3, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	admin, err := users.Insert(ctx, queries.New(d.W), users.NewUser{Email: "sam@chargedesk.test", Name: "Sam Admin", Role: "admin"}, "x", now.AddDate(-3, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	trail := audit.NewTrail(audit.NewKey())
	cut := now.Add(-730 * 24 * time.Hour)
	for i, at := range []time.Time{cut.Add(-2 * time.Hour), cut.Add(-time.Hour), now.Add(-time.Hour)} {
		if _, err := trail.Log(ctx, d, at, audit.Entry{Tag: "admin.refund", Actor: admin.ID, Target: cust.ID, Metadata: map[string]any{"n": i}}); err != nil {
			t.Fatal(err)
		}
	}
	pruned, err := trail.Prune(ctx, d, t.TempDir(), cut, now, nil)
	if err != nil || pruned.Auth.Rows != 2 {
		t.Fatalf("prune: %+v %v, want 2 rows pruned", pruned, err)
	}
	if _, err := trail.Checkpoint(ctx, d, "", now, false); err != nil {
		t.Fatal(err)
	}
	words := report.Words{Action: func(tag string, _, _ report.Person, _ map[string]any) string { return tag },
		Page: func(method, _, path, _ string) string { return method + " " + path }}
	for _, tc := range []struct {
		name     string
		from     time.Time
		archived bool
	}{
		{"a period from before the cut", now.Add(-report.Period + time.Hour), true},
		{"a period after it", cut.Add(time.Hour), false},
	} {
		r, err := report.Build(ctx, queries.New(d.R), report.Params{Customer: cust.ID, From: tc.from, To: now.Add(time.Minute), Now: now,
			By: report.Person{ID: cust.ID, Name: cust.Name, Role: "customer"}}, words)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := r.Archived != nil; got != tc.archived {
			t.Errorf("%s: archived %+v, want %v", tc.name, r.Archived, tc.archived)
		}
		if tc.archived && (r.Archived.Before != cut.UTC().Format(time.RFC3339) || r.Archived.UpToAuth != pruned.Auth.UpTo) {
			t.Errorf("%s: %+v, want rows before %s up to %d", tc.name, r.Archived, cut.UTC().Format(time.RFC3339), pruned.Auth.UpTo)
		}
		// What remains: the recent refund (the prune's own row is not about the customer).
		if len(r.Actions) != 1 || r.Actions[0].Tag != "admin.refund" {
			t.Errorf("%s: actions %s, want the one recent refund", tc.name, fmt.Sprint(r.Actions))
		}
	}
	// The PDF says it too.
	r, _ := report.Build(ctx, queries.New(d.R), report.Params{Customer: cust.ID, From: now.Add(-report.Period + time.Hour), To: now, Now: now,
		By: report.Person{Name: cust.Name, Role: "customer"}}, words)
	pdf, err := report.PDF(r, report.Signed{})
	if err != nil {
		t.Fatal(err)
	}
	if text := pdfText(t, pdf); !strings.Contains(text, "are no longer in the live audit trail") {
		t.Errorf("the PDF does not say that rows were archived: %.300s", text)
	}
}
