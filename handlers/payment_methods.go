package handlers

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"chargedesk/account"
	"chargedesk/queries"
)

// paymentBrands are the tokenised methods the (simulated) payment provider issues.
var paymentBrands = account.Brands

// expiringSoon: a payment method is flagged when it expires within 60 days (the same rule as
// the console's "what needs attention").
func expiringSoon(month, year int64, now time.Time) bool {
	return account.ExpiresWithin(month, year, now, 60*24*time.Hour)
}

func expired(month, year int64, now time.Time) bool { return account.Expired(month, year, now) }

// paymentMethodView is a payment method as the pages show it. Its fields are its own, not
// promoted from an embedded row: html/template finds a promoted field by a breadth-first
// search that allocates, on every action.
type paymentMethodView struct {
	ID                           int64
	Brand, Last4                 string
	ExpMonth, ExpYear, IsDefault int64
	ExpiringSoon, Expired        bool
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
	return viewPaymentMethods(pms, a.now()), nil
}

// viewPaymentMethods marks each method that expires soon or has expired, as of now.
func viewPaymentMethods(pms []queries.PaymentMethod, now time.Time) []paymentMethodView {
	out := make([]paymentMethodView, len(pms))
	for i, pm := range pms {
		out[i] = paymentMethodView{ID: pm.ID, Brand: pm.Brand, Last4: pm.Last4, ExpMonth: pm.ExpMonth, ExpYear: pm.ExpYear, IsDefault: pm.IsDefault,
			ExpiringSoon: expiringSoon(pm.ExpMonth, pm.ExpYear, now), Expired: expired(pm.ExpMonth, pm.ExpYear, now)}
	}
	return out
}

// paymentMethods lists the customer's tokenised payment methods.
func (a *App) paymentMethods(c *gin.Context) { a.showPaymentMethods(c, http.StatusOK, "", nil) }

func (a *App) showPaymentMethods(c *gin.Context, status int, problem string, form map[string]string) {
	pms, err := a.paymentMethodViews(c)
	if err != nil {
		a.fail(c, err)
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
	month, merr := strconv.ParseInt(form["exp_month"], 10, 64)
	year, yerr := strconv.ParseInt(form["exp_year"], 10, 64)
	err := a.tx(c, func(tx *sql.Tx) error {
		return account.AddPaymentMethod(c.Request.Context(), tx, a.change(c), account.PaymentMethod{
			Brand: form["brand"], Last4: form["last4"], ExpMonth: month, Year: year, MonthOK: merr == nil, YearOK: yerr == nil})
	})
	a.afterChange(c, err, "/payment-methods?notice=pm-added", func(status int, msg string) { a.showPaymentMethods(c, status, msg, form) })
}

// setDefaultPaymentMethod makes one method the default (the database allows one).
func (a *App) setDefaultPaymentMethod(c *gin.Context) {
	a.changePaymentMethod(c, "pm-default", account.SetDefaultPaymentMethod)
}

// deletePaymentMethod removes a method that is not the default.
func (a *App) deletePaymentMethod(c *gin.Context) {
	a.changePaymentMethod(c, "pm-deleted", account.DeletePaymentMethod)
}

func (a *App) changePaymentMethod(c *gin.Context, done string, change func(context.Context, *sql.Tx, account.Change, int64) error) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This payment method"))
		return
	}
	err := a.tx(c, func(tx *sql.Tx) error { return change(c.Request.Context(), tx, a.change(c), id) })
	a.afterChange(c, err, "/payment-methods?notice="+done, func(status int, msg string) { a.showPaymentMethods(c, status, msg, nil) })
}
