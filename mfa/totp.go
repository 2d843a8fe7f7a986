package mfa

import (
	"bytes"
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"chargedesk/audit"
	"chargedesk/errs"
	"chargedesk/queries"
)

// Issuer names ChargeDesk in authenticator apps.
const Issuer = "ChargeDesk"

// period is the TOTP step (RFC 6238's default, which every authenticator app uses).
const period = 30

// Enrolment is a TOTP factor waiting for its first code: what the person types or scans.
type Enrolment struct {
	FactorID int64
	Secret   string // base32, for typing into the app
	URL      string // otpauth://…, what the QR code holds
	QR       string // the QR code as a data: URL (PNG)
}

// BeginTOTP makes a new TOTP secret for user (email names the account in the app). It counts
// only once ConfirmTOTP gets a valid code; an earlier unconfirmed one is dropped.
func BeginTOTP(ctx context.Context, tx *sql.Tx, user int64, email string, by By) (Enrolment, error) {
	q := queries.New(tx)
	if err := q.DeleteUnconfirmedFactors(ctx, queries.DeleteUnconfirmedFactorsParams{UserID: user, Kind: TOTP}); err != nil {
		return Enrolment{}, err
	}
	if err := roomForAnother(ctx, q, user); err != nil {
		return Enrolment{}, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: Issuer, AccountName: email})
	if err != nil {
		return Enrolment{}, err
	}
	id, err := q.AddFactor(ctx, queries.AddFactorParams{UserID: user, Kind: TOTP, Name: "Authenticator app", Secret: key.Secret(),
		CreatedAt: by.Now.Unix(), CreatedBy: by.Actor})
	if err != nil {
		return Enrolment{}, err
	}
	return enrolment(id, key)
}

// Pending returns user's TOTP enrolment still waiting for its first code, if any.
func Pending(ctx context.Context, q *queries.Queries, user, factor int64) (Enrolment, error) {
	f, err := q.GetFactor(ctx, queries.GetFactorParams{ID: factor, UserID: user})
	if err != nil || f.Kind != TOTP || f.ConfirmedAt.Valid {
		return Enrolment{}, errs.NotFoundf("This enrolment")
	}
	u, err := q.GetUserForAuth(ctx, user)
	if err != nil {
		return Enrolment{}, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: Issuer, AccountName: u.Email, Secret: mustBase32(f.Secret)})
	if err != nil {
		return Enrolment{}, err
	}
	return enrolment(f.ID, key)
}

func enrolment(id int64, key *otp.Key) (Enrolment, error) {
	img, err := key.Image(240, 240)
	if err != nil {
		return Enrolment{}, err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return Enrolment{}, err
	}
	return Enrolment{FactorID: id, Secret: key.Secret(), URL: key.URL(),
		QR: "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())}, nil
}

// ConfirmTOTP makes the pending TOTP factor count once code is valid for it, and, when the
// account has no recovery codes left, returns ten new ones (shown once). Recorded as mfa.add.
func ConfirmTOTP(ctx context.Context, tx *sql.Tx, trail *audit.Trail, user, factor int64, code string, by By) (codes []string, err error) {
	q := queries.New(tx)
	f, err := q.GetFactor(ctx, queries.GetFactorParams{ID: factor, UserID: user})
	if err != nil || f.Kind != TOTP || f.ConfirmedAt.Valid {
		return nil, errs.Conflictf("This enrolment is no longer waiting for a code. Start again from Add an authenticator app.")
	}
	step, ok := matchTOTP(f.Secret, code, by.Now)
	if !ok {
		return nil, errs.Invalidf("That code is not right. Type the 6 digits your app shows now for ChargeDesk.")
	}
	return confirm(ctx, tx, trail, f, step, by)
}

// confirm makes factor f count, step being the newest code step used (0: none yet).
func confirm(ctx context.Context, tx *sql.Tx, trail *audit.Trail, f queries.UserFactor, step int64, by By) (codes []string, err error) {
	q := queries.New(tx)
	if n, err := q.ConfirmFactor(ctx, queries.ConfirmFactorParams{Now: sql.NullInt64{Int64: by.Now.Unix(), Valid: true}, Step: step, ID: f.ID, UserID: f.UserID}); err != nil {
		return nil, err
	} else if n != 1 {
		return nil, errs.Conflictf("This enrolment was confirmed already.")
	}
	if left, err := q.CountRecoveryCodes(ctx, f.UserID); err != nil {
		return nil, err
	} else if left == 0 {
		if codes, err = newRecoveryCodes(ctx, q, f.UserID, by.Now); err != nil {
			return nil, err
		}
	}
	return codes, write(ctx, tx, trail, by, "mfa.add", f.UserID, map[string]any{"factor_id": f.ID, "kind": TOTP, "name": f.Name, "recovery_codes": len(codes)})
}

// EnrolTOTP adds a confirmed TOTP factor at once (the command line, where the operator
// copies the secret into their app): its secret and ten new recovery codes. No code has been
// used yet, so the app's first one signs in.
func EnrolTOTP(ctx context.Context, tx *sql.Tx, trail *audit.Trail, user int64, email string, by By) (Enrolment, []string, error) {
	e, err := BeginTOTP(ctx, tx, user, email, by)
	if err != nil {
		return e, nil, err
	}
	f, err := queries.New(tx).GetFactor(ctx, queries.GetFactorParams{ID: e.FactorID, UserID: user})
	if err != nil {
		return e, nil, err
	}
	codes, err := confirm(ctx, tx, trail, f, 0, by)
	if err == nil && codes == nil {
		codes, err = NewRecoveryCodes(ctx, tx, trail, user, by)
	}
	return e, codes, err
}

// matchTOTP finds the 30-second step code is valid for: now's, or one either side (a phone
// clock a little off).
func matchTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0, false
	}
	cur := now.Unix() / period
	for _, s := range []int64{cur, cur - 1, cur + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*period, 0), totp.ValidateOpts{Period: period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// checkTOTP accepts code for one of user's confirmed TOTP factors, once: a code whose step was
// accepted already is refused (a code seen over a shoulder or replayed).
func checkTOTP(ctx context.Context, q *queries.Queries, user int64, code string, now time.Time) (Used, error) {
	fs, err := q.ConfirmedFactors(ctx, queries.ConfirmedFactorsParams{UserID: user, Kind: TOTP})
	if err != nil {
		return Used{}, err
	}
	replayed := false
	for _, f := range fs {
		step, ok := matchTOTP(f.Secret, code, now)
		if !ok {
			continue
		}
		n, err := q.UseTOTPStep(ctx, queries.UseTOTPStepParams{Now: sql.NullInt64{Int64: now.Unix(), Valid: true}, Step: step, ID: f.ID})
		if err != nil {
			return Used{}, err
		}
		if n == 1 {
			return Used{Kind: TOTP, FactorID: f.ID}, nil
		}
		replayed = true
	}
	if replayed {
		return Used{}, ErrReplayed
	}
	return Used{}, ErrWrongCode
}

// ErrWrongCode and ErrReplayed are the answers to a code that does not prove a factor.
var (
	ErrWrongCode = errs.Invalidf("That code is not right. Type the 6 digits your authenticator app shows now, or one of your recovery codes.")
	ErrReplayed  = errs.Invalidf("That code was used already. Wait for your app to show the next one.")
)

func mustBase32(s string) []byte {
	b, err := base32NoPad.DecodeString(strings.ToUpper(s))
	if err != nil {
		return nil
	}
	return b
}
