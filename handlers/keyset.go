package handlers

import "math"

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
