// Package errs is ChargeDesk's one error type: a code that says what kind of refusal it is,
// and a sentence for the person. Domain code and handlers both return it; the HTTP layer maps
// each code to a status in one place (handlers/errors.go), and logs only Internal. Nothing
// here knows HTTP: the codes name what went wrong, not how a protocol says it.
package errs

import (
	"errors"
	"fmt"
)

// Code is the kind of a refusal.
type Code int

// Codes, from "the request is wrong" to "the machine is".
const (
	Internal        Code = iota // a bug or an unexpected failure: logged, never shown
	Invalid                     // the input is wrong; the message says which field and why
	NotFound                    // no such object for this customer (another customer's looks the same)
	Forbidden                   // the caller may not do this (now)
	Conflict                    // the object is not in a state that allows it
	TooMany                     // a limit was reached; try later
	Unavailable                 // the database cannot take it now (disk, lock): try later
	Unreachable                 // a charger did not answer in time: what happened there is unknown
	Full                        // the disk is full: nothing was saved; try later
	Malformed                   // the request itself is broken (a bad address, a body that is not JSON)
	Unauthenticated             // nobody is signed in
	TooLarge                    // what was sent is larger than accepted
	WrongMethod                 // the address does not take this kind of request
	WrongHost                   // the request named a host this server does not answer to
)

// Error is a coded refusal. Message is for the person, Title (optional) is the heading its
// page shows; Err, when set, is for the log and never shown.
type Error struct {
	Code    Code
	Title   string
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

// E builds an error of code with a formatted message.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalidf, NotFoundf, … are E for one code.
func Invalidf(format string, args ...any) *Error   { return E(Invalid, format, args...) }
func Forbiddenf(format string, args ...any) *Error { return E(Forbidden, format, args...) }
func Conflictf(format string, args ...any) *Error  { return E(Conflict, format, args...) }

// NotFoundf says what was not found: NotFoundf("This card") → "This card was not found."
func NotFoundf(what string) *Error { return E(NotFound, "%s was not found.", what) }

// As returns err's *Error, if it is one.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// CodeOf is err's code; Internal for any error that is not an *Error.
func CodeOf(err error) Code {
	if e, ok := As(err); ok {
		return e.Code
	}
	return Internal
}
