package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

type adminHomeData struct {
	Customers int64
	MyActive  *bannerData
}

// adminHome is the support console's start page.
func (a *App) adminHome(c *gin.Context) {
	n, err := a.r.CountCustomers(c.Request.Context())
	if err != nil {
		a.fail(c, errInternal(err))
		return
	}
	d := adminHomeData{Customers: n}
	if cur, err := a.r.ActiveImpersonationOf(c.Request.Context(), currentUser(c).ID); err == nil {
		d.MyActive, _ = a.banner(c, cur)
	}
	a.render(c, http.StatusOK, "admin_home", &Page{Title: "Support console", Nav: "admin", Data: d})
}
