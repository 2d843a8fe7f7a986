package handlers

import (
	"math"
	"strconv"
	"strings"
)

// keysetTop is where a newest-first page over an (at, id) index starts: the newest moment it
// may hold and, at that moment, the id rows must be below. It is the range's end (toAt,
// exclusive) or the keyset row of the previous page (cursorAt, cursorID), whichever is
// earlier. Queries take this one upper bound: given two, the planner (which prepares the
// statement without their values) may walk from the wrong one through millions of rows.
func keysetTop(toAt, cursorAt, cursorID int64) (topAt, belowID int64) {
	if cursorAt < toAt {
		return cursorAt, cursorID
	}
	return toAt - 1, math.MaxInt64
}

// cursorOf parses a page link's keyset, n integers joined by "-" ("1714000000-42"); false
// when it is not exactly that.
func cursorOf(s string, n int) ([]int64, bool) {
	parts := strings.Split(s, "-")
	if len(parts) != n {
		return nil, false
	}
	out := make([]int64, n)
	for i, p := range parts {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

// errBrokenPageLink answers a page link whose keyset does not parse.
func errBrokenPageLink() *Error {
	return errBadRequest("That page link is broken; start again from the first page.")
}
