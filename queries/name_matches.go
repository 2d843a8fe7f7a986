package queries

import "context"

// nameMatchesAfter is written by hand: sqlc cannot parse a constraint on an FTS5 table's
// rowid, and it is that constraint that lets FTS5 start at the keyset and stop after a page.
const nameMatchesAfter = `SELECT f.rowid FROM users_name_fts f WHERE f.name MATCH ? AND f.rowid > ? ORDER BY f.rowid LIMIT ?`

// NameMatchesAfter is one page of the ids whose name matches nameMatch (an FTS5 trigram
// phrase), after afterID, in id order. Admin search only (listed in Unscoped).
func (q *Queries) NameMatchesAfter(ctx context.Context, nameMatch string, afterID, pageSize int64) ([]int64, error) {
	rows, err := q.db.QueryContext(ctx, nameMatchesAfter, nameMatch, afterID, pageSize)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
