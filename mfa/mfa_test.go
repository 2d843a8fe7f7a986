package mfa_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/db/dbtest"
	"chargedesk/demo"
	"chargedesk/errs"
	"chargedesk/mfa"
	"chargedesk/queries"
)

type fixture struct {
	d     *db.DB
	trail *audit.Trail
	user  int64
}

func setup(t *testing.T) (*fixture, mfa.Enrolment, []string, time.Time) {
	t.Helper()
	f := &fixture{d: dbtest.Seeded(t), trail: audit.NewTrail(audit.NewKey())}
	f.user = dbtest.UserID(t, f.d, demo.AdminEmail)
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	var e mfa.Enrolment
	var codes []string
	err := f.d.CriticalTx(context.Background(), func(tx *sql.Tx) (err error) {
		e, codes, err = mfa.EnrolTOTP(context.Background(), tx, f.trail, f.user, demo.AdminEmail, mfa.By{Actor: f.user, Now: now})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f, e, codes, now
}

func (f *fixture) verify(code string, now time.Time) (mfa.Used, error) {
	var u mfa.Used
	err := f.d.CriticalTx(context.Background(), func(tx *sql.Tx) (err error) {
		u, err = mfa.Verify(context.Background(), tx, f.trail, f.user, code, mfa.By{Actor: f.user, Now: now})
		return err
	})
	return u, err
}

func codeAt(t *testing.T, secret string, at time.Time) string {
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Which codes prove the factor: now's, one step either side (a phone clock a little off);
// not two steps away, not another length, not letters. Each on a fresh factor.
func TestTOTPCodes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		shift  time.Duration // when the app made the code, from the server's now
		mangle func(string) string
		ok     bool
	}{
		{"now", 0, nil, true},
		{"30 s behind", -30 * time.Second, nil, true},
		{"30 s ahead", 30 * time.Second, nil, true},
		{"90 s behind", -90 * time.Second, nil, false},
		{"90 s ahead", 90 * time.Second, nil, false},
		{"with spaces around", 0, func(s string) string { return " " + s + " " }, true},
		{"five digits", 0, func(s string) string { return s[:5] }, false},
		{"seven digits", 0, func(s string) string { return s + "1" }, false},
		{"letters", 0, func(string) string { return "abcdef" }, false},
		{"empty", 0, func(string) string { return "" }, false},
		{"very long", 0, func(string) string { return strings.Repeat("1", 5000) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, e, _, now := setup(t)
			code := codeAt(t, e.Secret, now.Add(tc.shift))
			if tc.mangle != nil {
				code = tc.mangle(code)
			}
			u, err := f.verify(code, now)
			if tc.ok != (err == nil) {
				t.Fatalf("code %q: %v, want ok=%v", code, err, tc.ok)
			}
			if err == nil && u.Kind != mfa.TOTP {
				t.Errorf("used %+v", u)
			}
			if err != nil && !wrongCode(err) {
				t.Errorf("a refused code is not IsWrongCode: %v", err)
			}
		})
	}
}

// A code is accepted once, even by 100 sign-ins racing with it; so is a recovery code; an
// older code after a newer one is refused too.
func TestCodesAreAcceptedOnceUnderRace(t *testing.T) {
	t.Parallel()
	f, e, codes, now := setup(t)
	code := codeAt(t, e.Secret, now)
	for _, c := range []string{code, codes[0]} {
		var wg sync.WaitGroup
		var mu sync.Mutex
		accepted := 0
		for range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := f.verify(c, now); err == nil {
					mu.Lock()
					accepted++
					mu.Unlock()
				} else if !wrongCode(err) {
					t.Errorf("not a wrong-code refusal: %v", err)
				}
			}()
		}
		wg.Wait()
		if accepted != 1 {
			t.Errorf("code %q accepted %d times by 100 racing sign-ins, want once", c, accepted)
		}
	}
	if _, err := f.verify(codeAt(t, e.Secret, now.Add(-30*time.Second)), now); !errors.Is(err, mfa.ErrReplayed) {
		t.Errorf("the previous step's code after this step's: %v, want ErrReplayed", err)
	}
	var n int
	f.d.R.QueryRow(`SELECT count(*) FROM auth_audit WHERE tag = 'mfa.recovery.use'`).Scan(&n)
	if n != 1 {
		t.Errorf("%d mfa.recovery.use rows, want 1", n)
	}
}

// Recovery codes: any case, dashes or spaces; ten, each once; new ones void the old.
func TestRecoveryCodes(t *testing.T) {
	t.Parallel()
	f, _, codes, now := setup(t)
	if len(codes) != mfa.RecoveryCodes {
		t.Fatalf("%d codes", len(codes))
	}
	for i, spelled := range []string{codes[0], strings.ToUpper(codes[1]), strings.ReplaceAll(codes[2], "-", " "), strings.ReplaceAll(codes[3], "-", "")} {
		u, err := f.verify(spelled, now)
		if err != nil || u.Kind != mfa.Recovery || u.Remaining != int64(9-i) {
			t.Errorf("code %q: %+v %v", spelled, u, err)
		}
	}
	var fresh []string
	f.d.CriticalTx(context.Background(), func(tx *sql.Tx) (err error) {
		fresh, err = mfa.NewRecoveryCodes(context.Background(), tx, f.trail, f.user, mfa.By{Actor: f.user, Now: now})
		return err
	})
	if _, err := f.verify(codes[5], now); err == nil {
		t.Error("an old code works after new ones were made")
	}
	if _, err := f.verify(fresh[0], now); err != nil {
		t.Errorf("a new code: %v", err)
	}
}

// An account holds at most ten factors.
func TestFactorLimit(t *testing.T) {
	t.Parallel()
	f, _, _, now := setup(t)
	var err error
	for i := 0; i < mfa.MaxFactors && err == nil; i++ {
		err = f.d.CriticalTx(context.Background(), func(tx *sql.Tx) error {
			_, _, err := mfa.EnrolTOTP(context.Background(), tx, f.trail, f.user, demo.AdminEmail, mfa.By{Actor: f.user, Now: now})
			return err
		})
	}
	if e, ok := errs.As(err); !ok || e.Code != errs.Conflict {
		t.Fatalf("the 11th factor: %v, want a conflict", err)
	}
	n, _ := queries.New(f.d.R).CountFactors(context.Background(), f.user)
	if n != mfa.MaxFactors {
		t.Errorf("%d factors, want %d", n, mfa.MaxFactors)
	}
}

// wrongCode reports a code that did not prove a factor (wrong, or used already).
func wrongCode(err error) bool {
	return errors.Is(err, mfa.ErrWrongCode) || errors.Is(err, mfa.ErrReplayed)
}
