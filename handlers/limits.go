package handlers

import (
	"fmt"
	"math"
	"time"

	"github.com/gin-gonic/gin"

	"chargedesk/errs"
)

// limitWrite runs the rest of a customer-surface write if the customer has a write left
// (limits.Writes), and gives it back when the write changed nothing (an error status). It
// reports whether the write ran.
func (a *App) limitWrite(c *gin.Context, customer int64) bool {
	undo, wait := a.limits.Writes.Take(customer, a.now())
	if undo == nil {
		a.tooManyWrites(c, wait)
		return false
	}
	c.Next()
	if c.Writer.Status() >= 400 {
		undo()
	}
	return true
}

// tooManyWrites answers 429 with Retry-After; nothing is changed.
func (a *App) tooManyWrites(c *gin.Context, wait time.Duration) {
	secs := int(math.Ceil(wait.Seconds()))
	c.Header("Retry-After", fmt.Sprint(secs))
	a.fail(c, &errs.Error{Code: errs.TooMany, Title: "Too many changes",
		Message: fmt.Sprintf("Too many changes to this account in a short time, so this one was not made. Wait %d seconds and try again.", secs)})
}
