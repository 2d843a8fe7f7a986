package handlers

import (
	"fmt"
	"math"
	"strconv"
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

// retryAfter sets the Retry-After header of a refusal by a limit that frees up after wait, and
// returns the seconds it says.
func retryAfter(c *gin.Context, wait time.Duration) int {
	secs := int(math.Ceil(wait.Seconds()))
	c.Header("Retry-After", strconv.Itoa(secs))
	return secs
}

// tooManyWrites answers 429 with Retry-After; nothing is changed.
func (a *App) tooManyWrites(c *gin.Context, wait time.Duration) {
	secs := retryAfter(c, wait)
	a.fail(c, &errs.Error{Code: errs.TooMany, Title: "Too many changes",
		Message: fmt.Sprintf("Too many changes to this account in a short time, so this one was not made. Wait %d seconds and try again.", secs)})
}
