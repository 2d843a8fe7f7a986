package handlers

import (
	"cmp"
	"database/sql"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"chargedesk/db"
	"chargedesk/errs"
)

// Handlers answer a refusal with an *errs.Error, like the domain packages: these build the
// common ones.
func errBadRequest(msg string) *errs.Error { return &errs.Error{Code: errs.Malformed, Message: msg} }
func errForbidden(msg string) *errs.Error  { return &errs.Error{Code: errs.Forbidden, Message: msg} }
func errInvalid(msg string) *errs.Error    { return &errs.Error{Code: errs.Invalid, Message: msg} }
func errNotFound(what string) *errs.Error  { return errs.NotFoundf(what) }
func errInternal(err error) *errs.Error {
	return &errs.Error{Code: errs.Internal, Message: internalMessage, Err: err}
}

const internalMessage = "Internal error. It has been logged; please try again."

// personal is err as a refusal to show the person in place (a wrong code, a limit), or false
// when it is the machine's (internal, the disk, the database unavailable): those go to fail.
func personal(err error) (*errs.Error, bool) {
	e, ok := errs.As(err)
	if !ok || e.Code == errs.Internal || e.Code == errs.Unavailable || e.Code == errs.Full {
		return nil, false
	}
	return e, true
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
// sentence as JSON ({"error": "..."}) or as an HTML page (fragment for HTMX). Any error that
// is not an *errs.Error is internal: logged, and never shown.
func (a *App) fail(c *gin.Context, err error) {
	e, ok := errs.As(err)
	if !ok {
		e = errInternal(err)
	}
	if e.Code == errs.Internal {
		if c.Request.Context().Err() != nil {
			// The client went away and took the request's context with it: not our error.
			a.Log.Info("request cancelled by the client", "request_id", requestID(c), "route", c.FullPath())
			c.AbortWithStatus(499)
			return
		}
		e = storageError(c, e)
	}
	status := statusOf[e.Code]
	if status >= 500 {
		a.Log.Error("request failed", "request_id", requestID(c), "route", c.FullPath(), "err", e.Err)
	}
	c.Abort()
	msg := e.Message
	if e.Code == errs.Internal {
		msg = internalMessage // a domain's internal error says nothing to the person
	}
	if wantsJSON(c) {
		c.JSON(status, gin.H{"error": msg})
		return
	}
	title := cmp.Or(e.Title, errorTitles[status], http.StatusText(status))
	d := errorPage{Message: msg}
	if status == http.StatusServiceUnavailable && (c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead) {
		d.Retry = c.Request.URL.RequestURI() // asking again changes nothing
	}
	a.render(c, status, "error", &Page{Title: title, Data: d})
}

// errorPage is what the error page shows; Retry is the address to ask again (a GET that the
// server could not answer for now), or "".
type errorPage struct{ Message, Retry string }

// statusOf maps each error code to its HTTP status: the one place that does.
var statusOf = map[errs.Code]int{
	errs.Internal:        http.StatusInternalServerError,
	errs.Invalid:         http.StatusUnprocessableEntity,
	errs.NotFound:        http.StatusNotFound,
	errs.Forbidden:       http.StatusForbidden,
	errs.Conflict:        http.StatusConflict,
	errs.TooMany:         http.StatusTooManyRequests,
	errs.Unavailable:     http.StatusServiceUnavailable,
	errs.Unreachable:     http.StatusGatewayTimeout,
	errs.Full:            http.StatusInsufficientStorage,
	errs.Malformed:       http.StatusBadRequest,
	errs.Unauthenticated: http.StatusUnauthorized,
	errs.TooLarge:        http.StatusRequestEntityTooLarge,
	errs.WrongMethod:     http.StatusMethodNotAllowed,
	errs.WrongHost:       http.StatusMisdirectedRequest,
}

// status is the HTTP status of err.
func status(err *errs.Error) int { return statusOf[err.Code] }

// storageError turns an internal error caused by the machine (disk full, read-only file,
// writer busy past its timeout) into Full (507) or Unavailable (503) with Retry-After and a
// sentence saying so.
func storageError(c *gin.Context, e *errs.Error) *errs.Error {
	f := db.FaultOf(e.Err)
	if f == db.NoFault {
		return e
	}
	code := errs.Unavailable
	if f == db.Full && c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		code = errs.Full
	}
	c.Header("Retry-After", "30")
	msg := "This page could not be loaded because " + f.String() + ". Try again in a minute."
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		msg = "This was not saved because " + f.String() + ": nothing was changed. Try again in a minute."
	}
	return &errs.Error{Code: code, Title: "Try again later", Message: msg, Err: e.Err}
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
		a.fail(c, err)
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
