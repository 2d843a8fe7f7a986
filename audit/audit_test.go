package audit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/db/dbtest"
)

func writeRows(t *testing.T, d *db.DB, n int) {
	t.Helper()
	for i := range n {
		_, err := audit.Log(context.Background(), d.W, time.Unix(1_700_000_000+int64(i), 0), audit.Entry{
			Tag: audit.TagLoginSuccess, Actor: int64(i + 1), IP: "127.0.0.1", Metadata: map[string]any{"email": "a@b.test"},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuthAuditIsAppendOnly(t *testing.T) {
	d := dbtest.Open(t)
	writeRows(t, d, 2)
	if _, err := d.W.Exec(`UPDATE auth_audit SET tag = 'login.failure' WHERE id = 1`); err == nil {
		t.Error("UPDATE on auth_audit succeeded; want it refused")
	}
	if _, err := d.W.Exec(`DELETE FROM auth_audit WHERE id = 1`); err == nil {
		t.Error("DELETE on auth_audit succeeded; want it refused")
	}
	var n int
	d.R.QueryRow(`SELECT count(*) FROM auth_audit`).Scan(&n)
	if n != 2 {
		t.Errorf("rows = %d after refused changes, want 2", n)
	}
}

func TestVerifyNamesTheFirstTamperedRow(t *testing.T) {
	tests := []struct {
		name   string
		tamper string
		row    int64
	}{
		{"changed content", `UPDATE auth_audit SET actor_user_id = 99 WHERE id = 3`, 3},
		{"deleted row", `DELETE FROM auth_audit WHERE id = 2`, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := dbtest.Open(t)
			writeRows(t, d, 5)
			if n, err := audit.VerifyAuth(context.Background(), d.R); err != nil || n != 5 {
				t.Fatalf("intact chain: n=%d err=%v", n, err)
			}
			// Someone with the file drops the triggers and edits history.
			for _, q := range []string{`DROP TRIGGER auth_audit_no_update`, `DROP TRIGGER auth_audit_no_delete`, tt.tamper} {
				if _, err := d.W.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			_, err := audit.VerifyAuth(context.Background(), d.R)
			var broken *audit.BrokenChainError
			if !errors.As(err, &broken) || broken.RowID != tt.row {
				t.Fatalf("verify after tampering: %v, want a broken chain at row %d", err, tt.row)
			}
		})
	}
}

func TestTruncateKeepsValidUTF8(t *testing.T) {
	if got := audit.Truncate("€€€", 4); got != "€" {
		t.Errorf("Truncate = %q, want one euro sign", got)
	}
	if got := audit.Truncate("a\xffb", 10); got != "ab" {
		t.Errorf("Truncate = %q, want invalid bytes dropped", got)
	}
}
