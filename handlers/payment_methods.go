package handlers

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"chargedesk/queries"
)

// paymentBrands are the tokenised methods the (simulated) payment provider issues.
var paymentBrands = []string{"Visa", "Mastercard", "Amex", "SEPA"}

// expiringSoon: a payment method is flagged when it expires within 60 days.
func expiringSoon(month, year int64, now time.Time) bool {
	end := time.Date(int(year), time.Month(month)+1, 1, 0, 0, 0, 0, displayZone) // first moment after expiry
	return end.Before(now.AddDate(0, 0, 60))
}

func expired(month, year int64, now time.Time) bool {
	return !time.Date(int(year), time.Month(month)+1, 1, 0, 0, 0, 0, displayZone).After(now)
}

type paymentMethodView struct {
	queries.PaymentMethod
	ExpiringSoon, Expired bool
}

type paymentMethodsData struct {
	Methods []paymentMethodView
	Brands  []string
}

func (a *App) paymentMethodViews(c *gin.Context) ([]paymentMethodView, error) {
	pms, err := a.r.ListPaymentMethods(c.Request.Context(), actingAs(c))
	if err != nil {
		return nil, err
	}
	now := a.now()
	out := make([]paymentMethodView, len(pms))
	for i, pm := range pms {
		out[i] = paymentMethodView{pm, expiringSoon(pm.ExpMonth, pm.ExpYear, now), expired(pm.ExpMonth, pm.ExpYear, now)}
	}
	return out, nil
}

// paymentMethods lists the customer's tokenised payment methods.
func (a *App) paymentMethods(c *gin.Context) { a.showPaymentMethods(c, http.StatusOK, "", nil) }

func (a *App) showPaymentMethods(c *gin.Context, status int, problem string, form map[string]string) {
	pms, err := a.paymentMethodViews(c)
	if err != nil {
		a.fail(c, errInternal(err))
		return
	}
	if form == nil {
		form = map[string]string{}
	}
	a.render(c, status, "payment_methods", &Page{Title: "Payment methods", Nav: "payment", Data: paymentMethodsData{pms, paymentBrands},
		Problem: problem, Form: form, Notice: notice(c)})
}

// addPaymentMethod stores a tokenised test card: brand, last four digits and expiry only.
func (a *App) addPaymentMethod(c *gin.Context) {
	form := formValues(c, "brand", "last4", "exp_month", "exp_year")
	bad := func(msg string) { a.showPaymentMethods(c, http.StatusUnprocessableEntity, msg, form) }
	brand := form["brand"]
	known := false
	for _, b := range paymentBrands {
		known = known || b == brand
	}
	month, merr := strconv.ParseInt(form["exp_month"], 10, 64)
	year, yerr := strconv.ParseInt(form["exp_year"], 10, 64)
	now := a.now()
	switch {
	case !known:
		bad("Choose the card brand from the list.")
		return
	case len(form["last4"]) != 4 || !allDigits(form["last4"]):
		bad("Enter only the last four digits of the card, e.g. 4242. Never enter a full card number.")
		return
	case merr != nil || month < 1 || month > 12:
		bad("The expiry month is a number from 1 to 12.")
		return
	case yerr != nil || year < int64(now.Year()) || year > int64(now.Year())+20:
		bad("The expiry year must be between this year and twenty years from now.")
		return
	case expired(month, year, now):
		bad("That card has expired.")
		return
	}
	ctx, cust := c.Request.Context(), actingAs(c)
	err := a.tx(c, func(tx *sql.Tx) error {
		q := queries.New(tx)
		_, err := q.GetDefaultPaymentMethod(ctx, cust)
		isDefault := errors.Is(err, sql.ErrNoRows)
		if err != nil && !isDefault {
			return err
		}
		token := make([]byte, 12)
		rand.Read(token)
		var def int64
		if isDefault {
			def = 1
		}
		if _, err := q.InsertPaymentMethod(ctx, queries.InsertPaymentMethodParams{
			ActingAs: cust, Brand: brand, Last4: form["last4"], ExpMonth: month, ExpYear: year,
			IsDefault: def, ProviderToken: "tok_" + hex.EncodeToString(token), CreatedAt: now.Unix(),
		}); err != nil {
			return err
		}
		return a.activity(ctx, q, c, "payment", "Added "+brand+" ••"+form["last4"])
	})
	if err != nil {
		a.fail(c, errInternal(err))
		return
	}
	a.seeOther(c, "/payment-methods?notice=pm-added")
}

// setDefaultPaymentMethod makes one method the default (the database allows one).
func (a *App) setDefaultPaymentMethod(c *gin.Context) {
	a.changePaymentMethod(c, "pm-default", func(q *queries.Queries, c *gin.Context, pm queries.PaymentMethod) error {
		ctx, cust := c.Request.Context(), actingAs(c)
		if err := q.ClearDefaultPaymentMethod(ctx, cust); err != nil {
			return err
		}
		if _, err := q.SetDefaultPaymentMethod(ctx, queries.SetDefaultPaymentMethodParams{ID: pm.ID, ActingAs: cust}); err != nil {
			return err
		}
		return a.activity(ctx, q, c, "payment", "Made "+pm.Brand+" ••"+pm.Last4+" the default payment method")
	})
}

// deletePaymentMethod removes a method that is not the default.
func (a *App) deletePaymentMethod(c *gin.Context) {
	a.changePaymentMethod(c, "pm-deleted", func(q *queries.Queries, c *gin.Context, pm queries.PaymentMethod) error {
		ctx, cust := c.Request.Context(), actingAs(c)
		if pm.IsDefault == 1 {
			return errConflict("You cannot remove your default payment method. Make another one the default first.")
		}
		if _, err := q.DeletePaymentMethod(ctx, queries.DeletePaymentMethodParams{ID: pm.ID, ActingAs: cust}); err != nil {
			return err
		}
		return a.activity(ctx, q, c, "payment", "Removed "+pm.Brand+" ••"+pm.Last4)
	})
}

// changePaymentMethod loads the customer's method :id and applies change in a transaction.
func (a *App) changePaymentMethod(c *gin.Context, doneNotice string, change func(*queries.Queries, *gin.Context, queries.PaymentMethod) error) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This payment method"))
		return
	}
	ctx := c.Request.Context()
	err := a.tx(c, func(tx *sql.Tx) error {
		q := queries.New(tx)
		pm, err := q.GetPaymentMethod(ctx, queries.GetPaymentMethodParams{ID: id, ActingAs: actingAs(c)})
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound("This payment method")
		} else if err != nil {
			return err
		}
		return change(q, c, pm)
	})
	var e *Error
	switch {
	case err == nil:
		a.seeOther(c, "/payment-methods?notice="+doneNotice)
	case errors.As(err, &e) && e.Status == http.StatusConflict && !wantsJSON(c):
		a.showPaymentMethods(c, e.Status, e.Message, nil)
	default:
		a.fail(c, err)
	}
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
