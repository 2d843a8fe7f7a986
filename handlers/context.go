package handlers

import (
	"github.com/gin-gonic/gin"

	"chargedesk/queries"
)

// Context keys are unexported and read only through the typed accessors below.
const (
	keyUser      = "chargedesk.user"
	keyCaller    = "chargedesk.caller" // *queries.GetCallerRow: the session, user and open impersonation
	keyActingAs  = "chargedesk.acting_as"
	keyRequestID = "chargedesk.request_id"
	keyMarker    = "chargedesk.as"
	keyImp       = "chargedesk.impersonation"
	keyPending   = "chargedesk.pending" // *queries.GetCallerRow of a session whose second step is due
	keyStepUp    = "chargedesk.stepup"  // the factor a sensitive action stepped up with (stepUp)
)

// currentUser is the logged-in user, re-read from the database on this request; nil when
// anonymous.
func currentUser(c *gin.Context) *queries.User {
	u, _ := c.Get(keyUser)
	user, _ := u.(*queries.User)
	return user
}

// actingAs is the customer whose data this customer-surface request may see. It is set only
// by the customerSurface middleware; 0 means none, and every customer query then finds nothing.
func actingAs(c *gin.Context) int64 {
	return c.GetInt64(keyActingAs)
}

// marker is the ?as= value an impersonating admin's request carries, 0 otherwise. Every
// customer-surface URL built for this request repeats it.
func marker(c *gin.Context) int64 { return c.GetInt64(keyMarker) }

// activeImpersonation is the impersonation this request is scoped by, with what its banner
// shows; nil when none.
func activeImpersonation(c *gin.Context) *bannerData {
	v, _ := c.Get(keyImp)
	imp, _ := v.(*bannerData)
	return imp
}

// callerRow is the caller's session row, nil when anonymous (or still at the second step).
func callerRow(c *gin.Context) *queries.GetCallerRow {
	v, _ := c.Get(keyCaller)
	r, _ := v.(*queries.GetCallerRow)
	return r
}

// pendingCaller is the session whose password was right and whose second step is due; nil
// otherwise.
func pendingCaller(c *gin.Context) *queries.GetCallerRow {
	v, _ := c.Get(keyPending)
	r, _ := v.(*queries.GetCallerRow)
	return r
}

func requestID(c *gin.Context) string { return c.GetString(keyRequestID) }

// Note for handlers: pass c.Request.Context() to the database, never c itself. Gin recycles
// its contexts after a request, while database/sql may still watch the context it was given.
