package support_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	"chargedesk/access"
	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/db/dbtest"
	"chargedesk/demo"
	"chargedesk/errs"
	"chargedesk/support"
)

// world is the seeded demo with an admin's tool on Jane's account.
type world struct {
	d     *db.DB
	trail *audit.Trail
	tool  support.Tool
}

func newWorld(t *testing.T) *world {
	t.Helper()
	d := dbtest.Seeded(t)
	w := &world{d: d, trail: audit.NewTrail(audit.NewKey())}
	w.tool = support.Tool{Actor: access.Actor{UserID: dbtest.UserID(t, d, demo.AdminEmail)}, Customer: dbtest.UserID(t, d, demo.JaneEmail),
		Reason: "SUP-1 double charge", Now: time.Now()}
	return w
}

// receipt is one of Jane's receipts with nothing refunded: its id and total.
func (w *world) receipt(t *testing.T) (id, gross int64) {
	t.Helper()
	err := w.d.R.QueryRow(`SELECT r.id, r.gross_cents FROM receipts r WHERE r.user_id = ?
		AND NOT EXISTS (SELECT 1 FROM refunds f WHERE f.receipt_id = r.id) AND r.gross_cents > 100 ORDER BY r.id LIMIT 1`, w.tool.Customer).Scan(&id, &gross)
	if err != nil {
		t.Fatal(err)
	}
	return id, gross
}

func (w *world) refund(receipt, amount int64) (support.Done, error) {
	return w.refundFor(receipt, amount, "goodwill")
}

func (w *world) refundFor(receipt, amount int64, reason string) (support.Done, error) {
	var done support.Done
	err := w.d.Tx(context.Background(), func(tx *sql.Tx) (err error) {
		done, err = support.Refund(context.Background(), tx, w.trail, w.tool, receipt, amount, reason)
		return err
	})
	return done, err
}

// The refund rule: more than zero, at most what remains; a refused refund writes nothing.
func TestRefund(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		amount   func(gross int64) int64
		before   func(gross int64) int64 // refunded first, 0 for none
		wantCode errs.Code
		wantMsg  string
	}{
		{"zero", func(int64) int64 { return 0 }, nil, errs.Invalid, "more than €0.00"},
		{"negative", func(int64) int64 { return -50 }, nil, errs.Invalid, "more than €0.00"},
		{"above the total", func(g int64) int64 { return g + 1 }, nil, errs.Invalid, "remains to refund"},
		{"above what remains after a refund", func(g int64) int64 { return g/2 + 1 }, func(g int64) int64 { return g - g/2 }, errs.Invalid, "remains to refund"},
		{"part of it", func(g int64) int64 { return g / 2 }, nil, -1, ""},
		{"all of it", func(g int64) int64 { return g }, nil, -1, ""},
		{"the rest after a refund", func(g int64) int64 { return g / 2 }, func(g int64) int64 { return g - g/2 }, -1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			id, gross := w.receipt(t)
			if tt.before != nil {
				if _, err := w.refund(id, tt.before(gross)); err != nil {
					t.Fatal(err)
				}
			}
			rows := count(t, w.d, `SELECT count(*) FROM refunds`)
			audits := count(t, w.d, `SELECT count(*) FROM auth_audit WHERE tag = 'admin.refund'`)
			done, err := w.refund(id, tt.amount(gross))
			if tt.wantCode < 0 {
				if err != nil || done.AuditRow == 0 {
					t.Fatalf("refund: %v (audit row %d), want it made and recorded", err, done.AuditRow)
				}
				if got := count(t, w.d, `SELECT count(*) FROM refunds`); got != rows+1 {
					t.Errorf("%d refunds, want %d", got, rows+1)
				}
				return
			}
			if e, ok := errs.As(err); !ok || e.Code != tt.wantCode || !strings.Contains(e.Message, tt.wantMsg) {
				t.Fatalf("refund: %v, want code %d with %q", err, tt.wantCode, tt.wantMsg)
			}
			if count(t, w.d, `SELECT count(*) FROM refunds`) != rows || count(t, w.d, `SELECT count(*) FROM auth_audit WHERE tag = 'admin.refund'`) != audits {
				t.Error("a refused refund wrote a refund or an audit row")
			}
		})
	}
}

// The customer reads the reason picked from the list, never the agent's words: those are the
// internal note (on the refund row for the console, and in the audit row). No reason picked
// reads as the neutral default; a code not on the list is refused and writes nothing.
func TestRefundReasonsTheCustomerReads(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code, wantReason string
		ok               bool
	}{
		{"wrong_tariff", "The wrong tariff was applied", true},
		{"goodwill", "A goodwill gesture from ChargeDesk", true},
		{"", support.DefaultRefundReason, true},
		{"because I said so", "", false},
		{"GOODWILL", "", false},
	} {
		w := newWorld(t)
		w.tool.Reason = "Agent's note: charger 7 double-billed, see SUP-88"
		id, gross := w.receipt(t)
		_, err := w.refundFor(id, gross/4, tc.code)
		if !tc.ok {
			if errs.CodeOf(err) != errs.Invalid || count(t, w.d, `SELECT count(*) FROM refunds WHERE receipt_id = ?`, id) != 0 {
				t.Errorf("code %q: %v, want Invalid and no refund", tc.code, err)
			}
			continue
		}
		var reason, note, activity string
		w.d.R.QueryRow(`SELECT reason, internal_note FROM refunds WHERE receipt_id = ?`, id).Scan(&reason, &note)
		w.d.R.QueryRow(`SELECT summary FROM activity WHERE user_id = ? ORDER BY id DESC LIMIT 1`, w.tool.Customer).Scan(&activity)
		if err != nil || reason != tc.wantReason || note != w.tool.Reason {
			t.Errorf("code %q: %v; reason %q, note %q; want %q and the agent's note", tc.code, err, reason, note, tc.wantReason)
		}
		if !strings.HasSuffix(activity, ": "+tc.wantReason) || strings.Contains(activity, "SUP-88") {
			t.Errorf("code %q: the customer's activity reads %q", tc.code, activity)
		}
	}
}

// Only an admin refunds; a support agent's refund is refused inside the transaction.
func TestRefundNeedsAnAdmin(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.tool.Actor.UserID = dbtest.UserID(t, w.d, demo.SupportEmail)
	id, gross := w.receipt(t)
	if _, err := w.refund(id, gross); errs.CodeOf(err) != errs.Forbidden {
		t.Errorf("support's refund: %v, want Forbidden", err)
	}
}

// Twenty racing refunds of 60 % of one receipt: exactly one is made, and the total refunded
// never exceeds the receipt.
func TestRacingRefundsNeverExceedTheReceipt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id, gross := w.receipt(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	made := 0
	for range 20 {
		wg.Go(func() {
			if _, err := w.refund(id, gross*6/10); err == nil {
				mu.Lock()
				made++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	var refunded int64
	w.d.R.QueryRow(`SELECT coalesce(sum(amount_cents), 0) FROM refunds WHERE receipt_id = ?`, id).Scan(&refunded)
	if made != 1 || refunded != gross*6/10 {
		t.Errorf("%d racing refunds made, %d cents refunded; want 1 and %d", made, refunded, gross*6/10)
	}
}

// Credit notes are numbered in sequence, CN-<year>-000001 onwards, without gaps.
func TestCreditNotesAreNumberedInSequence(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id, gross := w.receipt(t)
	for range 3 {
		if _, err := w.refund(id, gross/4); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := w.d.R.Query(`SELECT credit_note_number FROM refunds ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var notes []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		notes = append(notes, n)
	}
	if len(notes) < 3 {
		t.Fatalf("credit notes %v", notes)
	}
	for i := 1; i < len(notes); i++ {
		if notes[i] <= notes[i-1] || len(notes[i]) != len("CN-2026-000001") || !strings.HasPrefix(notes[i], "CN-") {
			t.Errorf("credit notes out of sequence: %v", notes)
		}
	}
}

func count(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.R.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
