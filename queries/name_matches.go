package queries

import (
	"context"
	"database/sql"
)

// nameMatchesAfter is written by hand: sqlc cannot parse a constraint on an FTS5 table's
// rowid, and it is that constraint that lets FTS5 start at the keyset and stop after a page.
const nameMatchesAfter = `SELECT f.rowid FROM users_name_fts f WHERE f.name MATCH ? AND f.rowid > ? ORDER BY f.rowid LIMIT ?`

// NameSearch runs the name search through a statement prepared once (PrepareNameSearch), like
// the generated queries prepared by Prepare: an FTS5 MATCH is costly to parse.
type NameSearch struct{ stmt *sql.Stmt }

// PrepareNameSearch prepares the name search on db.
func PrepareNameSearch(ctx context.Context, db DBTX) (*NameSearch, error) {
	stmt, err := db.PrepareContext(ctx, nameMatchesAfter)
	if err != nil {
		return nil, err
	}
	return &NameSearch{stmt: stmt}, nil
}

// MatchesAfter is one page of the ids whose name matches nameMatch (an FTS5 trigram phrase),
// after afterID, in id order. Admin search only.
func (n *NameSearch) MatchesAfter(ctx context.Context, nameMatch string, afterID, pageSize int64) ([]int64, error) {
	rows, err := n.stmt.QueryContext(ctx, nameMatch, afterID, pageSize)
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
