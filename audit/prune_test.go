package audit_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chargedesk/audit"
	"chargedesk/db"
)

func (w *world) verifyArchive(t *testing.T, dir string) (audit.Report, error) {
	t.Helper()
	r, err := db.OpenReadOnly(ctx, w.d.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	return w.tr.VerifyWithArchive(ctx, r, w.cpFile, dir, w.now)
}

// Retention: the rows before the cut are archived to signed segments and removed with a
// keyed audit.prune row; audit verify is intact after it (the pruned impersonation included),
// and so is the archive; pruning again removes nothing more; and each way to fake or exceed a
// prune shows.
func TestPruneKeepsTheTrailVerifiable(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	dir := filepath.Join(t.TempDir(), "archive")
	var before, total int64
	w.d.R.QueryRow(`SELECT count(*) FROM auth_audit`).Scan(&before)
	m, err := w.tr.Prune(ctx, w.d, dir, w.now.Add(-100*time.Minute), w.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Auth.UpTo == 0 || m.Routes.Rows != 4 || m.Auth.Segment == "" {
		t.Fatalf("prune: %+v", m)
	}
	w.d.R.QueryRow(`SELECT count(*) FROM auth_audit`).Scan(&total)
	if total != before-m.Auth.Rows+1 { // the rows removed, the prune row added
		t.Errorf("auth_audit has %d rows, want %d", total, before-m.Auth.Rows+1)
	}
	if _, err := w.tr.Checkpoint(ctx, w.d, w.cpFile, w.now, false); err != nil {
		t.Fatal(err)
	}
	rep, err := w.verifyArchive(t, dir)
	if err != nil {
		t.Fatalf("verify after the prune: %v", err)
	}
	if rep.Pruned.Auth.UpTo != m.Auth.UpTo || rep.ArchivedAuth != m.Auth.Rows || rep.ArchivedRoutes != 4 || rep.Segments != 2 {
		t.Errorf("report: pruned %+v, archived %d/%d rows in %d segments", rep.Pruned, rep.ArchivedAuth, rep.ArchivedRoutes, rep.Segments)
	}
	if again, err := w.tr.Prune(ctx, w.d, dir, w.now.Add(-100*time.Minute), w.now, nil); err != nil || again.Auth.Rows != 0 || again.Routes.Rows != 0 {
		t.Errorf("a second prune of the same period: %+v %v", again, err)
	}
	// The append-only trigger still refuses any row the prune did not cover.
	if _, err := w.d.W.Exec(`DELETE FROM auth_audit WHERE id = ?`, m.Auth.UpTo+1); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("deleting the first kept row: %v, want the trigger's refusal", err)
	}

	// The attacker who can write the file: an audit_prunes row of their own lets the trigger
	// delete two more rows, but the chain says where the prune really ended.
	exec(t, w.d, `INSERT INTO audit_prunes (chain, up_to, at) VALUES ('auth', (SELECT min(id) + 1 FROM auth_audit), 0)`,
		`DELETE FROM auth_audit WHERE id <= (SELECT max(up_to) FROM audit_prunes WHERE chain = 'auth')`)
	if _, err := w.verify(t); err == nil || !strings.Contains(err.Error(), "prev_hash does not match") {
		t.Errorf("verify after rows deleted past the prune: %v", err)
	}
}

// A deletion of the oldest rows without a prune record is tampering, as before retention.
func TestDeletionWithoutAPruneIsReported(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	exec(t, w.d, `DROP TRIGGER auth_audit_no_delete`, `DELETE FROM auth_audit WHERE id <= 5`)
	if _, err := w.verify(t); err == nil || !strings.Contains(err.Error(), "auth_audit row 6: prev_hash does not match") {
		t.Errorf("verify after the oldest rows were deleted without a prune: %v", err)
	}
}

// The archive is checked row by row: an edited, removed or forged segment shows.
func TestArchiveSegmentsAreChecked(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		attack func(t *testing.T, segment string)
		want   string
	}{
		{"a byte of a row changed", func(t *testing.T, seg string) {
			b, _ := os.ReadFile(seg)
			os.WriteFile(seg, []byte(strings.Replace(string(b), "a@b.test", "x@b.test", 1)), 0o640)
		}, "row 1 does not match its keyed hash"},
		{"the segment removed", func(t *testing.T, seg string) { os.Remove(seg) }, "a segment is missing or extra"},
		{"the trailer cut off", func(t *testing.T, seg string) {
			b, _ := os.ReadFile(seg)
			lines := strings.SplitAfter(strings.TrimSuffix(string(b), "\n"), "\n")
			os.WriteFile(seg, []byte(strings.Join(lines[:len(lines)-1], "")), 0o640)
		}, "trailer is not signed with this key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			dir := filepath.Join(t.TempDir(), "archive")
			m, err := w.tr.Prune(ctx, w.d, dir, w.now.Add(-100*time.Minute), w.now, nil)
			if err != nil {
				t.Fatal(err)
			}
			tc.attack(t, filepath.Join(dir, m.Auth.Segment))
			if _, err := w.verifyArchive(t, dir); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("verify --archive: %v, want %q", err, tc.want)
			}
			if _, err := w.verify(t); err != nil {
				t.Errorf("the database alone still verifies: %v", err)
			}
		})
	}
}
