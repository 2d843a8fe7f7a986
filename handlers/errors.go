package handlers

import (
	"database/sql"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"chargedesk/db"
	"chargedesk/errs"
)

// Error is what a handler returns when a request cannot be served: an HTTP status and a
// sentence for the person. Err, when set, is logged and never shown.
type Error struct {
	Status  int
	Title   string // the page heading; the status text when empty
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

func errBadRequest(msg string) *Error { return &Error{Status: http.StatusBadRequest, Message: msg} }
func errForbidden(msg string) *Error  { return &Error{Status: http.StatusForbidden, Message: msg} }
func errInvalid(msg string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Message: msg}
}
func errNotFound(what string) *Error {
	return &Error{Status: http.StatusNotFound, Message: what + " was not found."}
}
func errInternal(err error) *Error {
	return &Error{Status: http.StatusInternalServerError, Message: "Internal error. It has been logged; please try again.", Err: err}
}

// wantsJSON reports whether the client asked for JSON rather than HTML.
func wantsJSON(c *gin.Context) bool {
	accept := c.GetHeader("Accept")
	if strings.Contains(accept, "application/json") {
		return true
	}
	return strings.HasPrefix(c.ContentType(), "application/json") && !strings.Contains(accept, "text/html")
}

// fail is the one error path: it picks the status, logs internal errors, and answers with a
// sentence as JSON ({"error": "..."}) or as an HTML page (fragment for HTMX).
func (a *App) fail(c *gin.Context, err error) {
	var e *Error
	if d, ok := errs.As(err); ok && !errors.As(err, &e) {
		e = &Error{Status: statusOf[d.Code], Message: d.Message, Err: d.Err}
		if d.Code == errs.Internal {
			e = errInternal(d)
		}
	}
	if e == nil && !errors.As(err, &e) {
		e = errInternal(err)
	}
	if e.Status == http.StatusInternalServerError && c.Request.Context().Err() != nil {
		// The client went away and took the request's context with it: not our error.
		a.Log.Info("request cancelled by the client", "request_id", requestID(c), "route", c.FullPath())
		c.AbortWithStatus(499)
		return
	}
	if e.Status == http.StatusInternalServerError {
		e = storageError(c, e)
	}
	if e.Status >= 500 {
		a.Log.Error("request failed", "request_id", requestID(c), "route", c.FullPath(), "err", e.Err)
	}
	c.Abort()
	if wantsJSON(c) {
		c.JSON(e.Status, gin.H{"error": e.Message})
		return
	}
	title := e.Title
	if title == "" {
		title = errorTitles[e.Status]
	}
	if title == "" {
		title = http.StatusText(e.Status)
	}
	a.render(c, e.Status, "error", &Page{Title: title, Data: e})
}

// statusOf maps each domain error code to its HTTP status: the one place that does.
var statusOf = map[errs.Code]int{
	errs.Internal:    http.StatusInternalServerError,
	errs.Invalid:     http.StatusUnprocessableEntity,
	errs.NotFound:    http.StatusNotFound,
	errs.Forbidden:   http.StatusForbidden,
	errs.Conflict:    http.StatusConflict,
	errs.TooMany:     http.StatusTooManyRequests,
	errs.Unavailable: http.StatusServiceUnavailable,
	errs.Unreachable: http.StatusGatewayTimeout,
}

// storageError turns an internal error caused by the machine (disk full, read-only file,
// writer busy past its timeout) into 507 or 503 with Retry-After and a sentence saying so.
func storageError(c *gin.Context, e *Error) *Error {
	f := db.FaultOf(e.Err)
	if f == db.NoFault {
		return e
	}
	status := http.StatusServiceUnavailable
	if f == db.Full && c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		status = http.StatusInsufficientStorage
	}
	c.Header("Retry-After", "30")
	msg := "This page could not be loaded because " + f.String() + ". Try again in a minute."
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		msg = "This was not saved because " + f.String() + ": nothing was changed. Try again in a minute."
	}
	return &Error{Status: status, Title: "Try again later", Message: msg, Err: e.Err}
}

// faultSentence names why the database refused, for a message.
func faultSentence(err error) string {
	if f := db.FaultOf(err); f != db.NoFault {
		return f.String()
	}
	return "the database refused the write"
}

// logErr records an error that does not change the answer.
func (a *App) logErr(c *gin.Context, msg string, err error) {
	a.Log.Error(msg, slog.String("request_id", requestID(c)), slog.Any("err", err))
}

// found reports whether a lookup found its row. When it did not, it has answered: 404 naming
// what was looked for (another customer's object looks the same as none), or 500.
func (a *App) found(c *gin.Context, err error, what string) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, sql.ErrNoRows):
		a.fail(c, errNotFound(what))
	default:
		a.fail(c, errInternal(err))
	}
	return false
}

// errorTitles are the headings of error pages, as a person would say them (not "Not Found").
var errorTitles = map[int]string{
	http.StatusBadRequest:            "That did not work",
	http.StatusUnauthorized:          "Please log in",
	http.StatusForbidden:             "Not allowed",
	http.StatusNotFound:              "Not found",
	http.StatusMethodNotAllowed:      "That did not work",
	http.StatusConflict:              "Already done, or in the way",
	http.StatusRequestEntityTooLarge: "Too much at once",
	http.StatusUnprocessableEntity:   "Please check what you entered",
	http.StatusTooManyRequests:       "Too many at once",
	http.StatusInternalServerError:   "Something went wrong on our side",
	http.StatusServiceUnavailable:    "Try again in a moment",
	http.StatusInsufficientStorage:   "Not saved: the server's disk is full",
}
