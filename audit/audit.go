// Package audit writes and verifies the append-only, hash-chained audit tables (auth_audit and
// impersonation_audit). Each row
// stores the SHA-256 of its own content and of the previous row's hash, so an edited, deleted
// or inserted row breaks the chain at that point and `chargedesk audit verify` names it.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"chargedesk/queries"
)

// Tags used across the product.
const (
	TagLoginSuccess       = "login.success"
	TagLoginFailure       = "login.failure"
	TagLogout             = "logout"
	TagPrivilegeViolation = "privilege_violation"
)

// genesis is the prev_hash of the first row.
const genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Entry is one auth_audit row before it is chained. Zero user ids mean "none".
type Entry struct {
	Tag       string
	Actor     int64
	Target    int64
	IP        string
	UserAgent string
	Metadata  map[string]any
}

// Write appends e inside tx, which must be a write transaction so that reading the last hash
// and inserting the next row cannot interleave with another writer.
func Write(ctx context.Context, tx *sql.Tx, at time.Time, e Entry) (int64, error) {
	q := queries.New(tx)
	prev, err := q.LastAuthAuditHash(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		prev = genesis
	} else if err != nil {
		return 0, fmt.Errorf("audit: last hash: %w", err)
	}
	meta := "{}"
	if len(e.Metadata) > 0 {
		b, err := json.Marshal(e.Metadata)
		if err != nil {
			return 0, fmt.Errorf("audit: metadata: %w", err)
		}
		meta = string(b)
	}
	row := queries.InsertAuthAuditParams{
		At:           at.Unix(),
		Tag:          e.Tag,
		ActorUserID:  nullID(e.Actor),
		TargetUserID: nullID(e.Target),
		Ip:           Truncate(e.IP, 64),
		UserAgent:    Truncate(e.UserAgent, 256),
		Metadata:     meta,
		PrevHash:     prev,
	}
	row.Hash = hashRow(row.At, row.Tag, row.ActorUserID, row.TargetUserID, row.Ip, row.UserAgent, row.Metadata, prev)
	return q.InsertAuthAudit(ctx, row)
}

// Log appends e in a transaction of its own on the writer pool w.
func Log(ctx context.Context, w *sql.DB, at time.Time, e Entry) (int64, error) {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	id, err := Write(ctx, tx, at, e)
	if err != nil {
		return 0, errors.Join(err, tx.Rollback())
	}
	return id, tx.Commit()
}

// BrokenChainError names the first row whose hash does not match.
type BrokenChainError struct {
	Table string
	RowID int64
	Why   string
}

func (e *BrokenChainError) Error() string {
	return fmt.Sprintf("%s row %d: %s", e.Table, e.RowID, e.Why)
}

// VerifyAuth recomputes the auth_audit chain and returns the number of rows checked, or a
// *BrokenChainError for the first row that does not match.
func VerifyAuth(ctx context.Context, r *sql.DB) (int, error) {
	rows, err := queries.New(r).ListAuthAuditChain(ctx)
	if err != nil {
		return 0, err
	}
	prev := genesis
	for _, a := range rows {
		if a.PrevHash != prev {
			return 0, &BrokenChainError{"auth_audit", a.ID, "prev_hash does not match the row before it (a row was removed or inserted)"}
		}
		if h := hashRow(a.At, a.Tag, a.ActorUserID, a.TargetUserID, a.Ip, a.UserAgent, a.Metadata, a.PrevHash); h != a.Hash {
			return 0, &BrokenChainError{"auth_audit", a.ID, "content does not match its hash (the row was changed)"}
		}
		prev = a.Hash
	}
	return len(rows), nil
}

func hashRow(at int64, tag string, actor, target sql.NullInt64, ip, ua, meta, prev string) string {
	return chainHash(strconv.FormatInt(at, 10), tag, nullString(actor), nullString(target), ip, ua, meta, prev)
}

// chainHash is the SHA-256 of the fields, each length-prefixed so that no two different rows
// serialise the same.
func chainHash(fields ...string) string {
	h := sha256.New()
	for _, f := range fields {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

func nullString(n sql.NullInt64) string {
	if !n.Valid {
		return ""
	}
	return strconv.FormatInt(n.Int64, 10)
}

// Truncate shortens s to at most n bytes on a rune boundary and drops invalid UTF-8.
func Truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
