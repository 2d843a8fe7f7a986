package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"time"

	"chargedesk/db"
	"chargedesk/queries"
)

// page is how many rows verify reads at a time: memory stays constant at any table size.
const page = 5000

// Problem is the first thing verify found wrong, in a sentence that names the row.
type Problem struct{ What string }

func (p *Problem) Error() string { return p.What }

func problem(format string, args ...any) error { return &Problem{fmt.Sprintf(format, args...)} }

// Report is what verify checked.
type Report struct {
	AuthRows, RouteRows int64
	Impersonations      int64
	Checkpoints         int64 // valid checkpoints read, database and file
	Latest              *CheckpointBody
	FileCheckpoints     int64
	TornLines           int // lines of the checkpoint file cut short by a crash (skipped)
	// BeforeRotation counts checkpoints signed by a key lost before a rotation (audit rekey):
	// not checkable, and their rows are checked for their links only.
	BeforeRotation int
	Triggers       int
	// Pruned is the newest prune (audit --audit-retention): each chain starts after it.
	Pruned PruneMeta
	// ArchivedAuth and ArchivedRoutes are the rows checked in archive segments (--archive).
	ArchivedAuth, ArchivedRoutes, Segments int64
}

// Verify checks, on a read-only connection r: every checkpoint's signature (database and
// file); both chains row by row against the key; that the newest checkpoint's head rows are
// still there unchanged (so rows deleted up to it show); that the append-only triggers are
// the schema's own; and that every impersonation agrees with its start and end rows (so a
// changed or deleted impersonations row, an end without its row and a start that never
// ended show). It returns the first problem as a *Problem.
func (t *Trail) Verify(ctx context.Context, r *sql.DB, checkpointFile string, now time.Time) (Report, error) {
	var rep Report
	q := queries.New(r)
	if err := t.verifyCheckpoints(ctx, q, checkpointFile, &rep); err != nil {
		return rep, err
	}
	keyed, latest := Keyed{Auth: 1, Routes: 1}, CheckpointBody{Auth: Head{Hash: genesis}, Routes: Head{Hash: genesis}}
	var linksOnly Keyed
	if rep.Latest != nil {
		keyed, latest = rep.Latest.KeyedFrom, *rep.Latest
		if rep.Latest.Rotation != nil {
			linksOnly = rep.Latest.Rotation.Before
		}
	}
	var err error
	if rep.Pruned, err = LatestPrune(ctx, q); err != nil {
		return rep, err
	}
	if err := t.verifyAuthChain(ctx, q, keyed.Auth, linksOnly.Auth, latest, &rep); err != nil {
		return rep, err
	}
	if err := t.verifyRouteChain(ctx, q, keyed.Routes, linksOnly.Routes, latest, &rep); err != nil {
		return rep, err
	}
	if err := verifyTriggers(ctx, r, &rep); err != nil {
		return rep, err
	}
	return rep, verifyImpersonations(ctx, q, now, &rep)
}

// VerifyWithArchive is Verify, then every archive segment in dir checked against the key and
// linked to the prune rows the chain holds.
func (t *Trail) VerifyWithArchive(ctx context.Context, r *sql.DB, checkpointFile, dir string, now time.Time) (Report, error) {
	rep, err := t.Verify(ctx, r, checkpointFile, now)
	if err != nil {
		return rep, err
	}
	keyed := Keyed{Auth: 1, Routes: 1}
	var linksOnly Keyed
	if rep.Latest != nil {
		keyed = rep.Latest.KeyedFrom
		if rep.Latest.Rotation != nil {
			linksOnly = rep.Latest.Rotation.Before
		}
	}
	return rep, t.verifyArchive(dir, keyed, linksOnly, &rep)
}

func (t *Trail) verifyCheckpoints(ctx context.Context, q *queries.Queries, file string, rep *Report) error {
	consider := func(b CheckpointBody) {
		if rep.Latest == nil || b.Auth.ID > rep.Latest.Auth.ID || b.Routes.ID > rep.Latest.Routes.ID ||
			(b.Auth.ID == rep.Latest.Auth.ID && b.Routes.ID == rep.Latest.Routes.ID && b.At > rep.Latest.At) {
			rep.Latest = &b
		}
		rep.Checkpoints++
	}
	// Checkpoints this key did not sign are judged once every one has been read: after a key
	// rotation (audit rekey), those of the lost key up to the rotation are history, not forgeries.
	var badRows []int64
	type badLine struct {
		n   int
		key string
	}
	var badLines []badLine
	for after := int64(0); ; {
		cps, err := q.ListCheckpointsAfter(ctx, queries.ListCheckpointsAfterParams{After: after, Limit: page})
		if err != nil {
			return err
		}
		for _, c := range cps {
			b, ok := t.openCheckpoint([]byte(c.Body), c.Sig)
			if ok {
				consider(b)
			} else {
				badRows = append(badRows, c.ID)
			}
			after = c.ID
		}
		if len(cps) < page {
			break
		}
	}
	if file != "" {
		torn, err := readCheckpointFile(file, func(n int, l checkpointLine, ok bool) error {
			var b CheckpointBody
			if ok {
				b, ok = t.openCheckpoint(l.Body, l.Sig)
			}
			if !ok {
				var claimed CheckpointBody
				json.Unmarshal(l.Body, &claimed)
				badLines = append(badLines, badLine{n, claimed.Key})
				return nil
			}
			rep.FileCheckpoints++
			consider(b)
			return nil
		})
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		rep.TornLines = torn
	}
	var rot *Rotation
	if rep.Latest != nil {
		rot = rep.Latest.Rotation
	}
	for _, id := range badRows {
		if rot == nil || id > rot.AfterCheckpoint {
			return problem("audit_checkpoints row %d: its signature does not match (a forged or edited checkpoint)", id)
		}
		rep.BeforeRotation++
	}
	for _, l := range badLines {
		if rot == nil || rot.PreviousKey == "" || l.key != rot.PreviousKey {
			return problem("checkpoint file %s line %d: not a checkpoint signed with this key (a forged or edited line)", file, l.n)
		}
		rep.BeforeRotation++
	}
	return nil
}

// chained is one row of a chain as verify sees it: its id, links, and its hash recomputed
// with a given hash function.
type chained struct {
	id         int64
	prev, hash string
	recompute  func(hash.Hash) string
}

// verifyChain walks one chain in pages of its rows from where the newest prune left it (start:
// the first row must link to the last row pruned): each row must link to the row before it
// and match its keyed hash (rows before keyedFrom: the unkeyed format of before the key), and
// the row the newest checkpoint signed as head must still be there, unchanged. It returns how
// many rows it checked.
func (t *Trail) verifyChain(table string, start Pruned, keyedFrom, linksOnly int64, head Head, signedAt int64, pageAfter func(after int64) ([]chained, error)) (int64, error) {
	prev, sawHead, n := start.LastHash, head.ID <= start.UpTo, int64(0)
	if prev == "" {
		prev = genesis
	}
	for after := start.UpTo; ; {
		rows, err := pageAfter(after)
		if err != nil {
			return n, err
		}
		for _, r := range rows {
			if r.prev != prev {
				return n, &BrokenChainError{table, r.id, "prev_hash does not match the row before it (a row was removed or inserted)"}
			}
			h := t.mac()
			if r.id < keyedFrom {
				h = legacy()
			}
			if r.id >= linksOnly && r.recompute(h) != r.hash { // before a rotation: links only
				return n, &BrokenChainError{table, r.id, "content does not match its keyed hash (the row was changed, or forged without the key)"}
			}
			if r.id == head.ID {
				if r.hash != head.Hash {
					return n, &BrokenChainError{table, r.id, "differs from the row the checkpoint of " + clock(signedAt) + " signed (history was rewritten)"}
				}
				sawHead = true
			}
			prev, after = r.hash, r.id
			n++
		}
		if len(rows) < page {
			break
		}
	}
	if !sawHead {
		return n, problem("%s: row %d, signed by the checkpoint of %s, is gone: rows were deleted (the chain now ends at %d rows)", table, head.ID, clock(signedAt), n)
	}
	return n, nil
}

func (t *Trail) verifyAuthChain(ctx context.Context, q *queries.Queries, keyedFrom, linksOnly int64, latest CheckpointBody, rep *Report) (err error) {
	rep.AuthRows, err = t.verifyChain("auth_audit", rep.Pruned.Auth, keyedFrom, linksOnly, latest.Auth, latest.At, func(after int64) ([]chained, error) {
		rows, err := q.ListAuthAuditChain(ctx, queries.ListAuthAuditChainParams{After: after, Limit: page})
		out := make([]chained, len(rows))
		for i, a := range rows {
			out[i] = chained{a.ID, a.PrevHash, a.Hash, func(h hash.Hash) string {
				return authHash(h, a.At, a.Tag, a.ActorUserID, a.TargetUserID, a.Ip, a.UserAgent, a.Metadata, a.PrevHash)
			}}
		}
		return out, err
	})
	return err
}

func (t *Trail) verifyRouteChain(ctx context.Context, q *queries.Queries, keyedFrom, linksOnly int64, latest CheckpointBody, rep *Report) (err error) {
	rep.RouteRows, err = t.verifyChain("impersonation_audit", rep.Pruned.Routes, keyedFrom, linksOnly, latest.Routes, latest.At, func(after int64) ([]chained, error) {
		rows, err := q.ListImpersonationAuditChain(ctx, queries.ListImpersonationAuditChainParams{After: after, Limit: page})
		out := make([]chained, len(rows))
		for i, a := range rows {
			out[i] = chained{a.ID, a.PrevHash, a.Hash, func(h hash.Hash) string {
				return routeHash(h, a.ImpersonationID, a.At, a.AdminUserID, a.CustomerUserID, a.Method, a.Route, a.Path, a.Status, a.Outcome, a.PrevHash)
			}}
		}
		return out, err
	})
	return err
}

// verifyTriggers compares the file's triggers with those of a fresh database migrated to the
// same schema version: a dropped, altered or added trigger shows.
func verifyTriggers(ctx context.Context, r *sql.DB, rep *Report) error {
	var version uint
	if err := r.QueryRowContext(ctx, `SELECT version FROM schema_migrations LIMIT 1`).Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	dir, err := os.MkdirTemp("", "chargedesk-verify-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	m, err := db.NewMigrator(filepath.Join(dir, "schema.db"))
	if err != nil {
		return err
	}
	if err := errors.Join(m.To(version), m.Close()); err != nil {
		return fmt.Errorf("build the reference schema: %w", err)
	}
	ref, err := db.OpenReadOnly(ctx, filepath.Join(dir, "schema.db"))
	if err != nil {
		return err
	}
	defer ref.Close()
	want, err := triggers(ctx, ref)
	if err != nil {
		return err
	}
	got, err := triggers(ctx, r)
	if err != nil {
		return err
	}
	for name, sql := range want {
		switch g, ok := got[name]; {
		case !ok:
			return problem("trigger %s is missing: the append-only and end-once rules were removed from the database file", name)
		case g != sql:
			return problem("trigger %s was altered: it is not the schema's own", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			return problem("trigger %s is not part of the schema: someone added it to the database file", name)
		}
	}
	rep.Triggers = len(want)
	return nil
}

func triggers(ctx context.Context, r *sql.DB) (map[string]string, error) {
	rows, err := r.QueryContext(ctx, `SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'trigger'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var name, sql string
		if err := rows.Scan(&name, &sql); err != nil {
			return nil, err
		}
		m[name] = sql
	}
	return m, rows.Err()
}

// startMeta is what an impersonation.start row says about its impersonation.
type startMeta struct {
	Customer     int64  `json:"customer_user_id"`
	Ticket       string `json:"ticket"`
	Reason       string `json:"reason"`
	AllowChanges bool   `json:"allow_changes"`
	AllowPay     bool   `json:"allow_payments"` // absent (false) before migration 0022
	ExpiresAt    int64  `json:"expires_at"`
}

// extendMeta is what an impersonation.extend row says: the expiry it replaced and the new one.
type extendMeta struct {
	Previous  int64 `json:"previous_expires_at"`
	ExpiresAt int64 `json:"expires_at"`
}

type endMeta struct {
	Via string `json:"via"`
}

// verifyImpersonations checks that each impersonations row is exactly what its start and end
// rows in the chain say, and that no start row lost its impersonation.
func verifyImpersonations(ctx context.Context, q *queries.Queries, now time.Time, rep *Report) error {
	for after := int64(0); ; {
		imps, err := q.ListImpersonationsAfter(ctx, queries.ListImpersonationsAfterParams{After: after, Limit: page})
		if err != nil {
			return err
		}
		for _, i := range imps {
			if err := verifyImpersonation(ctx, q, i, now, rep.Pruned.Before); err != nil {
				return err
			}
			after = i.ID
			rep.Impersonations++
		}
		if len(imps) < page {
			break
		}
	}
	for after := int64(0); ; {
		rows, err := q.StartRowsAfter(ctx, queries.StartRowsAfterParams{After: after, Limit: page})
		if err != nil {
			return err
		}
		for _, s := range rows {
			if s.HasRow == 0 {
				return problem("impersonations row %d was deleted: auth_audit row %d records its start", s.ImpersonationID.Int64, s.ID)
			}
			after = s.ID
		}
		if len(rows) < page {
			return nil
		}
	}
}

func verifyImpersonation(ctx context.Context, q *queries.Queries, i queries.ListImpersonationsAfterRow, now time.Time, prunedBefore int64) error {
	rows, err := q.ImpersonationLifecycleRows(ctx, sql.NullInt64{Int64: i.ID, Valid: true})
	if err != nil {
		return err
	}
	var starts, extends, ends []queries.AuthAudit
	for _, r := range rows {
		switch r.Tag {
		case TagImpersonationStart:
			starts = append(starts, r)
		case TagImpersonationExtend:
			extends = append(extends, r)
		default:
			ends = append(ends, r)
		}
	}
	if len(starts) == 0 && i.StartedAt < prunedBefore {
		return nil // its start row was archived and pruned with the rows of its time
	}
	if len(starts) != 1 {
		return problem("impersonation %d has %d impersonation.start rows, want exactly one", i.ID, len(starts))
	}
	s := starts[0]
	var sm startMeta
	if err := json.Unmarshal([]byte(s.Metadata), &sm); err != nil {
		return problem("auth_audit row %d: metadata is not JSON", s.ID)
	}
	if s.ActorUserID.Int64 != i.AdminUserID || sm.Customer != i.CustomerUserID || sm.Ticket != i.Ticket || sm.Reason != i.Reason ||
		sm.AllowChanges != (i.AllowChanges == 1) || sm.AllowPay != (i.AllowPayments == 1) || s.At != i.StartedAt {
		return problem("impersonations row %d was changed: it no longer matches its impersonation.start row (auth_audit row %d)", i.ID, s.ID)
	}
	// Its expiry is the start's, moved later by each impersonation.extend row in turn, each
	// written while it was active.
	expires := sm.ExpiresAt
	for _, x := range extends {
		var xm extendMeta
		if err := json.Unmarshal([]byte(x.Metadata), &xm); err != nil {
			return problem("auth_audit row %d: metadata is not JSON", x.ID)
		}
		if xm.Previous != expires || xm.ExpiresAt <= expires || x.At < s.At || x.At >= expires ||
			(i.EndedAt.Valid && x.At > i.EndedAt.Int64) || x.ActorUserID.Int64 != i.AdminUserID {
			return problem("impersonation %d: its impersonation.extend row (auth_audit row %d) does not follow from its start and earlier extensions", i.ID, x.ID)
		}
		expires = xm.ExpiresAt
	}
	if expires != i.ExpiresAt {
		return problem("impersonations row %d was changed: its expiry is not what its impersonation.start and .extend rows say (auth_audit row %d)", i.ID, s.ID)
	}
	switch {
	case !i.EndedAt.Valid && len(ends) > 0:
		return problem("impersonations row %d was changed: it says active, but auth_audit row %d records its end", i.ID, ends[0].ID)
	case !i.EndedAt.Valid && i.ExpiresAt <= now.Unix():
		return problem("impersonation %d started (auth_audit row %d) and never ended, though it expired at %s: its end is missing (a server start ends it and writes the row)", i.ID, s.ID, clock(i.ExpiresAt))
	case !i.EndedAt.Valid:
		return nil // active now
	case len(ends) == 0:
		return problem("impersonation %d ended at %s (via %s) without its impersonation.end row", i.ID, clock(i.EndedAt.Int64), i.EndVia.String)
	case len(ends) > 1:
		return problem("impersonation %d has %d impersonation.end rows (auth_audit rows %d and %d), want exactly one", i.ID, len(ends), ends[0].ID, ends[1].ID)
	}
	e := ends[0]
	var em endMeta
	if err := json.Unmarshal([]byte(e.Metadata), &em); err != nil {
		return problem("auth_audit row %d: metadata is not JSON", e.ID)
	}
	if em.Via != i.EndVia.String || e.At != i.EndedAt.Int64 || (i.EndAuditID.Valid && i.EndAuditID.Int64 != e.ID) {
		return problem("impersonations row %d was changed: its end no longer matches its impersonation.end row (auth_audit row %d)", i.ID, e.ID)
	}
	return nil
}

func clock(unix int64) string { return time.Unix(unix, 0).UTC().Format("2006-01-02 15:04:05 UTC") }
