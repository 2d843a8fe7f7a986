package errs_test

import (
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"chargedesk/errs"
)

// The code of an error, wrapped or not; anything that is not an *errs.Error is Internal.
func TestCodeOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want errs.Code
	}{
		{"a coded refusal", errs.Invalidf("Ticket is required."), errs.Invalid},
		{"wrapped", fmt.Errorf("start: %w", errs.Conflictf("Already done.")), errs.Conflict},
		{"not found", errs.NotFoundf("This card"), errs.NotFound},
		{"a plain error", sql.ErrNoRows, errs.Internal},
		{"nil", nil, errs.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := errs.CodeOf(tt.err); got != tt.want {
				t.Errorf("CodeOf(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

// The message is for the person; the wrapped cause is for the log and for errors.Is.
func TestErrorKeepsItsCause(t *testing.T) {
	t.Parallel()
	e := &errs.Error{Code: errs.Unavailable, Message: "Nothing was saved.", Err: sql.ErrConnDone}
	if !errors.Is(e, sql.ErrConnDone) || e.Error() != "Nothing was saved.: "+sql.ErrConnDone.Error() {
		t.Errorf("%q does not keep its cause", e.Error())
	}
	if got := errs.NotFoundf("This card").Message; got != "This card was not found." {
		t.Errorf("NotFoundf: %q", got)
	}
}
