package mfa

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"strings"
	"time"

	"chargedesk/audit"
	"chargedesk/queries"
)

// RecoveryCodes is how many one-time recovery codes an account gets.
const RecoveryCodes = 10

var base32NoPad = base32.StdEncoding.WithPadding(base32.NoPadding)

// codeBytes is a recovery code's randomness: 15 bytes, 120 bits, 24 base32 characters.
const codeBytes = 15

// newRecoveryCodes replaces user's recovery codes with ten new ones: 120 random bits each,
// shown as six groups of four, stored as their SHA-256 (ASVS 5.0 6.5.2: 112 bits or more need
// no salted slow hash).
func newRecoveryCodes(ctx context.Context, q *queries.Queries, user int64, now time.Time) ([]string, error) {
	if err := q.DeleteRecoveryCodes(ctx, user); err != nil {
		return nil, err
	}
	codes := make([]string, RecoveryCodes)
	for i := range codes {
		b := make([]byte, codeBytes)
		rand.Read(b)
		s := strings.ToLower(base32NoPad.EncodeToString(b))
		groups := make([]string, 0, len(s)/4)
		for j := 0; j < len(s); j += 4 {
			groups = append(groups, s[j:j+4])
		}
		codes[i] = strings.Join(groups, "-")
		if err := q.AddRecoveryCode(ctx, queries.AddRecoveryCodeParams{UserID: user, CodeHash: hashCode(codes[i]), CreatedAt: now.Unix()}); err != nil {
			return nil, err
		}
	}
	return codes, nil
}

// NewRecoveryCodes replaces user's recovery codes (the old ones stop working) and returns the
// new ones, to be shown once. Recorded as mfa.recovery.new.
func NewRecoveryCodes(ctx context.Context, tx *sql.Tx, trail *audit.Trail, user int64, by By) ([]string, error) {
	codes, err := newRecoveryCodes(ctx, queries.New(tx), user, by.Now)
	if err != nil {
		return nil, err
	}
	return codes, write(ctx, tx, trail, by, "mfa.recovery.new", user, map[string]any{"count": len(codes)})
}

// normalCode is a recovery code as stored: lower case, without spaces or dashes.
func normalCode(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ':
			return -1
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

func hashCode(code string) string {
	h := sha256.Sum256([]byte(normalCode(code)))
	return hex.EncodeToString(h[:])
}

// useRecovery accepts one of user's unused recovery codes, once.
func useRecovery(ctx context.Context, q *queries.Queries, user int64, code string, now time.Time) (Used, error) {
	n, err := q.UseRecoveryCode(ctx, queries.UseRecoveryCodeParams{Now: sql.NullInt64{Int64: now.Unix(), Valid: true}, UserID: user, CodeHash: hashCode(code)})
	if err != nil {
		return Used{}, err
	}
	if n != 1 {
		return Used{}, ErrWrongCode
	}
	left, err := q.CountRecoveryCodes(ctx, user)
	return Used{Kind: Recovery, Remaining: left}, err
}

// Verify checks code — a TOTP code (6 digits) or a recovery code — for user. A recovery code
// used is recorded (mfa.recovery.use, with how many remain); a wrong or replayed code returns
// an error IsWrongCode knows, and the caller records the failure.
func Verify(ctx context.Context, tx *sql.Tx, trail *audit.Trail, user int64, code string, by By) (Used, error) {
	q := queries.New(tx)
	code = strings.TrimSpace(code)
	if len(code) > 64 {
		return Used{}, ErrWrongCode
	}
	if len(code) == 6 && strings.Trim(code, "0123456789") == "" {
		return checkTOTP(ctx, q, user, code, by.Now)
	}
	if len(normalCode(code)) != codeBytes*8/5 {
		return Used{}, ErrWrongCode
	}
	u, err := useRecovery(ctx, q, user, code, by.Now)
	if err != nil {
		return u, err
	}
	return u, write(ctx, tx, trail, by, "mfa.recovery.use", user, map[string]any{"remaining": u.Remaining})
}
