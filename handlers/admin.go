package handlers

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"chargedesk/charging"
	"chargedesk/queries"
)

// stuckRow is an ACTIVE session that looks stuck, with why.
type stuckRow struct {
	queries.ListActiveSessionsPlatformRow
	Why []string
}

type adminHomeData struct {
	Counts         queries.ConsoleCountsRow
	MyActive       *bannerData
	Impersonations []queries.ListActiveImpersonationsRow
	Violations     []queries.RecentPrivilegeViolationsRow
	Stuck          []stuckRow
	Charging       int
}

// adminHome is the support console's start page: who is impersonating whom now, recent
// privilege violations, stuck sessions across the network, counts.
func (a *App) adminHome(c *gin.Context) {
	ctx, now := c.Request.Context(), a.now()
	var d adminHomeData
	var err error
	midnight := time.Date(now.In(displayZone).Year(), now.In(displayZone).Month(), now.In(displayZone).Day(), 0, 0, 0, 0, displayZone)
	if d.Counts, err = a.r.ConsoleCounts(ctx, midnight.Unix()); err != nil {
		a.fail(c, errInternal(err))
		return
	}
	if d.Impersonations, err = a.r.ListActiveImpersonations(ctx); err != nil {
		a.fail(c, errInternal(err))
		return
	}
	if d.Violations, err = a.r.RecentPrivilegeViolations(ctx); err != nil {
		a.fail(c, errInternal(err))
		return
	}
	active, err := a.r.ListActiveSessionsPlatform(ctx)
	if err != nil {
		a.fail(c, errInternal(err))
		return
	}
	for _, s := range active {
		if why := charging.StuckReasons(now, s.StartedAt, s.LastSeenAt, s.HeartbeatIntervalS, s.ConnectorStatus, s.LastReadingAt); len(why) > 0 {
			d.Stuck = append(d.Stuck, stuckRow{s, why})
		} else {
			d.Charging++
		}
	}
	d.MyActive = a.myImpersonation(c)
	a.render(c, http.StatusOK, "admin_home", &Page{Title: "Support console", Nav: "admin", Data: d})
}
