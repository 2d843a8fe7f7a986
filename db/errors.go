package db

import (
	"context"
	"errors"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Fault is why the database could not take a write (or answer at all): a condition of the
// machine, not of the request, so the caller answers 503 or 507 and tries again later.
type Fault int

// Faults, from the SQLite result code (primary code of the extended one).
const (
	NoFault  Fault = iota
	Full           // SQLITE_FULL, or ordinary writes refused to keep the reserve (ErrLowSpace)
	ReadOnly       // SQLITE_READONLY: the file or its file system became read-only
	Busy           // SQLITE_BUSY/LOCKED past busy_timeout: another writer holds the lock
	IO             // SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_CORRUPT…: the disk failed
	Timeout        // our own deadline for a write ran out
)

// ErrLowSpace refuses an ordinary write when free disk space is below the reserve kept for
// audit rows and impersonation ends.
var ErrLowSpace = errors.New("db: free disk space is below the reserve kept for the audit trail")

// FaultOf classifies err by SQLite result code (never by message text).
func FaultOf(err error) Fault {
	if err == nil {
		return NoFault
	}
	if errors.Is(err, ErrLowSpace) {
		return Full
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Timeout
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return NoFault
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_FULL:
		return Full
	case sqlite3.SQLITE_READONLY:
		return ReadOnly
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return Busy
	case sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_PROTOCOL:
		return IO
	}
	return NoFault
}

// String is the sentence a person reads about the fault.
func (f Fault) String() string {
	switch f {
	case Full:
		return "the server's disk is full"
	case ReadOnly:
		return "the database file is read-only"
	case Busy:
		return "the database is busy with another writer"
	case IO:
		return "the database file could not be read or written"
	case Timeout:
		return "the database did not answer in time"
	}
	return "no fault"
}

// IsConstraint reports whether err is a violated constraint (by result code) on name, the
// index or "table.column" SQLite names in the error; an empty name matches any constraint.
func IsConstraint(err error, name string) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT && strings.Contains(se.Error(), name)
}
