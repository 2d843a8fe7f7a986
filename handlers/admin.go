package handlers

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"chargedesk/access"
	"chargedesk/audit"
	"chargedesk/charging"
	"chargedesk/queries"
	"chargedesk/replica"
	"chargedesk/staff"
)

// stuckRow is an ACTIVE session that looks stuck, with why.
// The row is a named field, not embedded: html/template looks a promoted field up by a search
// that allocates, per action.
type stuckRow struct {
	Row queries.ListActiveSessionsPlatformRow
	Why []string
}

type adminHomeData struct {
	// ReviewDue reminds admins that staff access is due for review (the last sign-off is older
	// than 90 days, or there is none).
	ReviewDue      string
	Off            string                        // why impersonation is turned off, or "" when it is on
	Approvals      []queries.PendingApprovalsRow // requests to impersonate protected customers
	Counts         queries.ConsoleCountsRow
	MyActive       *bannerData
	Impersonations []queries.ListActiveImpersonationsRow
	Violations     []queries.RecentPrivilegeViolationsRow
	Stuck          []stuckRow
	Charging       int
	// Left is the admin's impersonation that ended in the last hour (nil otherwise, or while
	// another is active): after Exit the console offers the way back to that customer.
	Left *queries.LastEndedImpersonationOfRow
	// MFA says how this console asks for second factors when it does not ("Second factor
	// not required (demo)"); "" when it requires them.
	MFA string
	// Replica is where the continuous copy of the database stands (nil without --replica);
	// ReplicaProblem says what is wrong with it, for a warning.
	Replica        *replica.Status
	ReplicaProblem string
}

// replicaBehindWarn is how many transactions behind the replica may be before the console
// warns (a busy second is a few dozen).
const replicaBehindWarn = 200

// leftWindow is how long after an impersonation ends the console offers to go back to it.
const leftWindow = time.Hour

// adminHome is the support console's start page: who is impersonating whom now, recent
// privilege violations, stuck sessions across the network, counts.
func (a *App) adminHome(c *gin.Context) {
	ctx, now := c.Request.Context(), a.now()
	var d adminHomeData
	var err error
	midnight := time.Date(now.In(displayZone).Year(), now.In(displayZone).Month(), now.In(displayZone).Day(), 0, 0, 0, 0, displayZone)
	if d.Counts, err = a.r.ConsoleCounts(ctx, midnight.Unix()); err != nil {
		a.fail(c, err)
		return
	}
	if d.Impersonations, err = a.r.ListActiveImpersonations(ctx); err != nil {
		a.fail(c, err)
		return
	}
	if d.Violations, err = a.r.RecentPrivilegeViolations(ctx); err != nil {
		a.fail(c, err)
		return
	}
	active, err := a.r.ListActiveSessionsPlatform(ctx)
	if err != nil {
		a.fail(c, err)
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
	if currentUser(c).Role == access.RoleAdmin {
		due, last, err := staff.ReviewDue(ctx, a.r, now)
		switch {
		case err != nil:
			a.fail(c, err)
			return
		case due && last.IsZero():
			d.ReviewDue = "Staff access has never been reviewed. Review who holds which role (SOC 2 CC6.2, ISO 27001 A.5.18)."
		case due:
			d.ReviewDue = fmt.Sprintf("Staff access is due for review: the last review was signed off %s, over 90 days ago.", day(last.Unix()))
		}
	}
	if !a.staffMFA {
		d.MFA = "Second factor not required"
		if a.noMFAReason != "" {
			d.MFA += " (" + a.noMFAReason + ")"
		}
	}
	if a.replica != nil {
		st, err := a.replica.Status(ctx)
		d.Replica = &st
		switch {
		case err != nil:
			d.ReplicaProblem = "The replica could not be read: " + audit.Truncate(err.Error(), 200) + ". Check the replica store; the database itself is fine."
		case st.Behind > replicaBehindWarn:
			d.ReplicaProblem = fmt.Sprintf("The replica is %d transactions behind: if this machine were lost now, they would be.", st.Behind)
		}
		if d.ReplicaProblem != "" {
			a.Log.Warn("replica lagging or unreadable", "replica", st.URL, "behind", st.Behind, "err", err)
		}
	}
	if d.Approvals, err = a.r.PendingApprovals(ctx, now.Unix()); err != nil {
		a.fail(c, err)
		return
	}
	if d.Off, err = a.impersonationOff(c); err != nil {
		a.fail(c, err)
		return
	}
	if d.MyActive == nil {
		left, err := a.r.LastEndedImpersonationOf(ctx, queries.LastEndedImpersonationOfParams{AdminUserID: currentUser(c).ID, Since: sql.NullInt64{Int64: now.Add(-leftWindow).Unix(), Valid: true}})
		if err == nil {
			d.Left = &left
		} else if !errors.Is(err, sql.ErrNoRows) {
			a.fail(c, err)
			return
		}
	}
	notice := ""
	if c.Query("approved") == "1" {
		notice = "Approved. The requester can start the impersonation within 15 minutes; your approval is recorded."
	}
	// After Exit the focus is on Resume (Enter goes back in), otherwise on the search.
	a.render(c, http.StatusOK, "admin_home", &Page{Title: "Support console", Nav: "admin", Data: d, Notice: notice, FocusSearch: d.Left == nil})
}
