package handlers

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"chargedesk/errs"
	"chargedesk/impersonation"
)

// impersonationOff is why impersonation is turned off, or "" when it is on (the console says
// so where impersonations start).
func (a *App) impersonationOff(c *gin.Context) (string, error) {
	sw, err := impersonation.GetSwitch(c.Request.Context(), a.r)
	if err != nil || sw.Enabled {
		return "", err
	}
	return sw.Off(), nil
}

type adminSettingsData struct {
	Switch impersonation.Switch
}

// adminSettings is GET /admin/settings: the impersonation kill switch (staff see it; admins
// change it).
func (a *App) adminSettings(c *gin.Context) { a.showSettings(c, http.StatusOK, "", nil) }

func (a *App) showSettings(c *gin.Context, status int, problem string, form map[string]string) {
	sw, err := impersonation.GetSwitch(c.Request.Context(), a.r)
	if err != nil {
		a.fail(c, err)
		return
	}
	notice := ""
	switch c.Query("done") {
	case "off":
		n, _ := strconv.Atoi(c.Query("ended"))
		notice = "Impersonation is off for everyone. Open impersonations ended: " + strconv.Itoa(max(n, 0)) + "."
	case "on":
		notice = "Impersonation is on again."
	}
	a.render(c, status, "admin_settings", &Page{Title: "Settings", Nav: "settings", Data: adminSettingsData{Switch: sw},
		Problem: problem, Form: form, Notice: notice})
}

// setImpersonationSwitch is POST /admin/settings/impersonation (admins): enabled=true|false
// and a reason. Turning it off ends every open impersonation at once.
func (a *App) setImpersonationSwitch(c *gin.Context) {
	enabled, ok := a.formBool(c, "enabled", "Say whether impersonation should be on or off")
	if !ok {
		return
	}
	ended, err := impersonation.SetSwitch(c.Request.Context(), a.db, a.trail, impersonation.SwitchRequest{
		Admin: currentUser(c).ID, Enabled: enabled, Reason: c.PostForm("reason"), IP: c.ClientIP(), UserAgent: c.Request.UserAgent(),
	}, a.now())
	e, coded := errs.As(err)
	switch {
	case coded && e.Code == errs.Invalid:
		a.showSettings(c, http.StatusUnprocessableEntity, e.Message, formValues(c, "reason"))
	case err != nil:
		a.fail(c, err)
	case enabled:
		a.redirect(c, "/admin/settings?done=on")
	default:
		a.redirect(c, "/admin/settings?done=off&ended="+strconv.Itoa(ended))
	}
}
