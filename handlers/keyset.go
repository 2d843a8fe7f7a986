package handlers

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"

	"chargedesk/errs"

	"github.com/gin-gonic/gin"
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

// keysetParam is the keyset a page link carries in query parameter name: n integers joined
// by "-" ("1714000000-42"). Absent, it is n × MaxInt64 (the newest rows) and paged is false;
// ok is false when it is present but not exactly that.
func keysetParam(c *gin.Context, name string, n int) (k []int64, paged, ok bool) {
	s := c.Query(name)
	if s == "" {
		k = make([]int64, n)
		for i := range k {
			k[i] = math.MaxInt64
		}
		return k, false, true
	}
	parts := strings.Split(s, "-")
	if len(parts) != n {
		return nil, true, false
	}
	k = make([]int64, n)
	for i, p := range parts {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, true, false
		}
		k[i] = v
	}
	return k, true, true
}

// cutPage keeps the first size of rows, which were read with one more than a page; next is
// the keyset of the last kept row when there is a further page, "" otherwise.
func cutPage[T any](rows []T, size int, keyset func(T) string) ([]T, string) {
	if len(rows) <= size {
		return rows, ""
	}
	rows = rows[:size]
	return rows, keyset(rows[size-1])
}

// newestDistinct is one page of rows gathered from several newest-first lists: newest first,
// each row once (a row can come from two lists), at most size.
func newestDistinct[T any](size int64, rows []T, id func(T) int64) []T {
	slices.SortFunc(rows, func(x, y T) int { return cmp.Compare(id(y), id(x)) })
	rows = slices.CompactFunc(rows, func(x, y T) bool { return id(x) == id(y) })
	return rows[:min(len(rows), int(size))]
}

// idList is ids as the JSON array the queries that take a list read with json_each (one
// prepared statement for any number of ids, unlike an IN list).
func idList(ids []int64) string {
	b, _ := json.Marshal(ids)
	return string(b)
}

// errBrokenPageLink answers a page link whose keyset does not parse.
func errBrokenPageLink() *errs.Error {
	return errBadRequest("That page link is broken; start again from the first page.")
}
