package handlers

import (
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"chargedesk/charging"
	"chargedesk/tariff"
)

// adminTariffs lists the tariff catalogue.
func (a *App) adminTariffs(c *gin.Context) {
	ts, err := a.r.ListTariffs(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "admin_tariffs", &Page{Title: "Tariffs", Nav: "tariffs", Data: ts})
}

type adminTariffData struct {
	Tariff   tariff.OCPI
	Elements []tariff.ElementText
	JSON     string // the OCPI 2.2.1 Tariff object, indented
}

// adminTariff shows one tariff in words and as the OCPI 2.2.1 Tariff object it is priced as;
// with Accept: application/json, the object itself.
func (a *App) adminTariff(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This tariff"))
		return
	}
	t, err := charging.LoadTariff(c.Request.Context(), a.r, id)
	if errors.Is(err, sql.ErrNoRows) {
		a.fail(c, errNotFound("This tariff"))
		return
	} else if err != nil {
		a.fail(c, err)
		return
	}
	o := t.OCPI()
	if wantsJSON(c) {
		c.JSON(http.StatusOK, o)
		return
	}
	b, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "admin_tariff", &Page{Title: o.Name(), Nav: "tariffs", Data: adminTariffData{Tariff: o, Elements: o.Describe(), JSON: string(b)}})
}
