package handlers

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"chargedesk/queries"
)

type adminCustomersData struct {
	Q       string
	Results []queries.SearchCustomersRow
}

// adminCustomers is the support search: by email prefix, exact Public ID or name substring.
func (a *App) adminCustomers(c *gin.Context) {
	q := strings.TrimSpace(c.Query("q"))
	d := adminCustomersData{Q: q}
	if !utf8.ValidString(q) || len(q) > 200 {
		a.render(c, http.StatusBadRequest, "admin_customers", &Page{Title: "Customers", Nav: "customers", Data: adminCustomersData{}, Problem: "Search for up to 200 characters of plain text."})
		return
	}
	if q != "" {
		var err error
		d.Results, err = a.r.SearchCustomers(c.Request.Context(), queries.SearchCustomersParams{
			Q: q, EmailFrom: q, EmailTo: q + "\U0010FFFF",
		})
		if err != nil {
			a.fail(c, errInternal(err))
			return
		}
	}
	a.render(c, http.StatusOK, "admin_customers", &Page{Title: "Customers", Nav: "customers", Data: d})
}

type adminCustomerData struct {
	Customer    queries.GetCustomerForAdminRow
	BeingViewed []queries.ActiveImpersonationsOfCustomerRow
	MyActive    *bannerData // the admin's own active impersonation, if any
}

// adminCustomer is one customer's page in the console, with the Impersonate form.
func (a *App) adminCustomer(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This customer"))
		return
	}
	a.showAdminCustomer(c, id, http.StatusOK, "", map[string]string{})
}

func (a *App) showAdminCustomer(c *gin.Context, id int64, status int, problem string, form map[string]string) {
	ctx := c.Request.Context()
	cust, err := a.r.GetCustomerForAdmin(ctx, id)
	if !a.found(c, err, "This customer") {
		return
	}
	d := adminCustomerData{Customer: cust}
	if d.BeingViewed, err = a.r.ActiveImpersonationsOfCustomer(ctx, id); err != nil {
		a.fail(c, errInternal(err))
		return
	}
	if cur, err := a.r.ActiveImpersonationOf(ctx, currentUser(c).ID); err == nil {
		d.MyActive, _ = a.banner(c, cur)
	}
	a.render(c, status, "admin_customer", &Page{Title: cust.Name, Nav: "customers", Data: d, Problem: problem, Form: form})
}
