package account

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"slices"
	"time"

	"chargedesk/errs"
	"chargedesk/format"
	"chargedesk/queries"
)

// Brands are the tokenised methods the (simulated) payment provider issues.
var Brands = []string{"Visa", "Mastercard", "Amex", "SEPA"}

// PaymentMethod is a tokenised card as the form sends it: never a card number.
type PaymentMethod struct {
	Brand           string
	Last4           string
	ExpMonth, Year  int64
	MonthOK, YearOK bool // the form's numbers parsed
}

// Expired reports whether a card valid through month/year has expired at now.
func Expired(month, year int64, now time.Time) bool {
	return !time.Date(int(year), time.Month(month)+1, 1, 0, 0, 0, 0, format.Zone).After(now)
}

// AddPaymentMethod stores a tokenised method; the first one becomes the default.
func AddPaymentMethod(ctx context.Context, tx *sql.Tx, ch Change, pm PaymentMethod) error {
	switch {
	case !slices.Contains(Brands, pm.Brand):
		return errs.Invalidf("Choose the card brand from the list.")
	case len(pm.Last4) != 4 || !allDigits(pm.Last4):
		return errs.Invalidf("Enter only the last four digits of the card, e.g. 4242. Never enter a full card number.")
	case !pm.MonthOK || pm.ExpMonth < 1 || pm.ExpMonth > 12:
		return errs.Invalidf("The expiry month is a number from 1 to 12.")
	case !pm.YearOK || pm.Year < int64(ch.Now.Year()) || pm.Year > int64(ch.Now.Year())+20:
		return errs.Invalidf("The expiry year must be between this year and twenty years from now.")
	case Expired(pm.ExpMonth, pm.Year, ch.Now):
		return errs.Invalidf("That card has expired.")
	}
	q := queries.New(tx)
	if err := ch.beginPayment(ctx, q); err != nil {
		return err
	}
	_, err := q.GetDefaultPaymentMethod(ctx, ch.Customer)
	first := errors.Is(err, sql.ErrNoRows)
	if err != nil && !first {
		return err
	}
	token := make([]byte, 12)
	rand.Read(token)
	var def int64
	if first {
		def = 1
	}
	if _, err := q.InsertPaymentMethod(ctx, queries.InsertPaymentMethodParams{
		ActingAs: ch.Customer, Brand: pm.Brand, Last4: pm.Last4, ExpMonth: pm.ExpMonth, ExpYear: pm.Year,
		IsDefault: def, ProviderToken: "tok_" + hex.EncodeToString(token), CreatedAt: ch.Now.Unix(),
	}); err != nil {
		return err
	}
	return ch.log(ctx, q, "payment", "Added "+pm.Brand+" ••"+pm.Last4)
}

// SetDefaultPaymentMethod makes one method the default (the database allows one).
func SetDefaultPaymentMethod(ctx context.Context, tx *sql.Tx, ch Change, id int64) error {
	q, pm, err := ch.paymentMethod(ctx, tx, id)
	if err != nil {
		return err
	}
	if err := q.ClearDefaultPaymentMethod(ctx, ch.Customer); err != nil {
		return err
	}
	if _, err := q.SetDefaultPaymentMethod(ctx, queries.SetDefaultPaymentMethodParams{ID: pm.ID, ActingAs: ch.Customer}); err != nil {
		return err
	}
	return ch.log(ctx, q, "payment", "Made "+pm.Brand+" ••"+pm.Last4+" the default payment method")
}

// DeletePaymentMethod removes a method that is not the default.
func DeletePaymentMethod(ctx context.Context, tx *sql.Tx, ch Change, id int64) error {
	q := queries.New(tx)
	if err := ch.beginPayment(ctx, q); err != nil {
		return err
	}
	pm, err := RemovablePaymentMethod(ctx, q, ch.Customer, id)
	if err != nil {
		return err
	}
	if _, err := q.DeletePaymentMethod(ctx, queries.DeletePaymentMethodParams{ID: pm.ID, ActingAs: ch.Customer}); err != nil {
		return err
	}
	return ch.log(ctx, q, "payment", "Removed "+pm.Brand+" ••"+pm.Last4)
}

func (ch Change) paymentMethod(ctx context.Context, tx *sql.Tx, id int64) (*queries.Queries, queries.PaymentMethod, error) {
	q := queries.New(tx)
	if err := ch.beginPayment(ctx, q); err != nil {
		return q, queries.PaymentMethod{}, err
	}
	pm, err := q.GetPaymentMethod(ctx, queries.GetPaymentMethodParams{ID: id, ActingAs: ch.Customer})
	if errors.Is(err, sql.ErrNoRows) {
		return q, pm, errs.NotFoundf("This payment method")
	}
	return q, pm, err
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// ExpiresWithin reports a card that expires (its last month ends) within d of now.
func ExpiresWithin(month, year int64, now time.Time, d time.Duration) bool {
	return time.Date(int(year), time.Month(month)+1, 1, 0, 0, 0, 0, format.Zone).Before(now.Add(d))
}
