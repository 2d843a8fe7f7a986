package audit

// Retention without breaking the chain (serve --audit-retention): rows older than the period
// are first written to signed archive segments — one JSON-lines file per chain and prune, each
// ending with a trailer signed with the checkpoint key that states the rows' range, the hash
// they link from and to, and a digest of the file — then removed in one transaction with a
// chained, keyed "audit.prune" row that says up to which row each chain was pruned and the hash
// of the last row removed. audit verify starts each chain there and accepts nothing else: rows
// removed without that row, or beyond it, still break the chain. verify --archive checks the
// segments too, row by row with the key.

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"chargedesk/db"
	"chargedesk/queries"
)

// TagPrune is the chain row of a prune.
const TagPrune = "audit.prune"

// archiveKind names a segment's trailer in its signature.
const archiveKind = "audit_archive"

// Pruned is what a prune did to one chain.
type Pruned struct {
	UpTo     int64  `json:"up_to"`     // every row up to this id is gone (0: none ever)
	LastHash string `json:"last_hash"` // the hash of row UpTo: row UpTo+1 links to it
	Rows     int64  `json:"rows"`      // removed by this prune
	Segment  string `json:"segment,omitempty"`
	Digest   string `json:"digest,omitempty"` // SHA-256 of the segment's row lines
}

// PruneMeta is the metadata of an audit.prune row.
type PruneMeta struct {
	Before int64  `json:"before"` // rows written before this moment (Unix) were pruned
	Auth   Pruned `json:"auth"`
	Routes Pruned `json:"routes"`
}

// Segment is the signed trailer of an archive segment file.
type Segment struct {
	Chain    string `json:"chain"` // auth or routes
	First    int64  `json:"first"`
	Last     int64  `json:"last"`
	Rows     int64  `json:"rows"`
	PrevHash string `json:"prev_hash"` // what row First links to
	LastHash string `json:"last_hash"`
	Digest   string `json:"digest"`
}

type trailer struct {
	Segment json.RawMessage `json:"segment"`
	Key     string          `json:"key"`
	Sig     string          `json:"sig"`
}

// LatestPrune is the newest prune recorded in the chain (zero when none).
func LatestPrune(ctx context.Context, q *queries.Queries) (PruneMeta, error) {
	var m PruneMeta
	row, err := q.LatestPrune(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return PruneMeta{Auth: Pruned{LastHash: genesis}, Routes: Pruned{LastHash: genesis}}, nil
	} else if err != nil {
		return m, err
	}
	if err := json.Unmarshal([]byte(row.Metadata), &m); err != nil {
		return m, problem("auth_audit row %d (audit.prune): metadata is not JSON", row.ID)
	}
	return m, nil
}

// Prune archives into dir and then removes every row written before `before` (keeping those
// whose webhook event still waits), recorded as an audit.prune row. ship, when not nil, is
// called with each segment file before anything is removed (the replica). It returns what it
// did; nothing when no row is old enough.
func (t *Trail) Prune(ctx context.Context, d *db.DB, dir string, before, now time.Time, ship func(ctx context.Context, path string) error) (PruneMeta, error) {
	q := queries.New(d.R)
	last, err := LatestPrune(ctx, q)
	if err != nil {
		return last, err
	}
	m := PruneMeta{Before: before.Unix(), Auth: Pruned{UpTo: last.Auth.UpTo, LastHash: last.Auth.LastHash},
		Routes: Pruned{UpTo: last.Routes.UpTo, LastHash: last.Routes.LastHash}}
	authTo, routesTo, err := pruneRange(ctx, q, last, before)
	if err != nil {
		return m, err
	}
	if authTo <= last.Auth.UpTo && routesTo <= last.Routes.UpTo {
		return m, nil
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return m, fmt.Errorf("audit archive: %w", err)
	}
	if authTo > last.Auth.UpTo {
		if m.Auth, err = t.archive(ctx, q, dir, "auth", last.Auth, authTo, ship); err != nil {
			return m, err
		}
	}
	if routesTo > last.Routes.UpTo {
		if m.Routes, err = t.archive(ctx, q, dir, "routes", last.Routes, routesTo, ship); err != nil {
			return m, err
		}
	}
	ctx, cancel := Detached(ctx)
	defer cancel()
	err = d.CriticalTx(ctx, func(tx *sql.Tx) error {
		w := queries.New(tx)
		for _, p := range []struct {
			chain string
			upTo  int64
		}{{"auth", m.Auth.UpTo}, {"routes", m.Routes.UpTo}} {
			if err := w.InsertPrune(ctx, queries.InsertPruneParams{Chain: p.chain, UpTo: p.upTo, At: now.Unix()}); err != nil {
				return err
			}
		}
		meta := map[string]any{"before": m.Before, "auth": m.Auth, "routes": m.Routes}
		if _, err := t.Write(ctx, tx, now, Entry{Tag: TagPrune, Metadata: meta}); err != nil {
			return err
		}
		if err := w.DeleteDeliveredEventsUpTo(ctx, m.Auth.UpTo); err != nil {
			return err
		}
		if _, err := w.DeleteRoutesUpTo(ctx, m.Routes.UpTo); err != nil {
			return err
		}
		_, err := w.DeleteAuthUpTo(ctx, m.Auth.UpTo)
		return err
	})
	return m, err
}

// pruneRange is how far each chain may be pruned for `before`: the longest run of its rows,
// from where the last prune ended, all written before then — and for auth_audit not up to a
// row whose webhook event still waits.
func pruneRange(ctx context.Context, q *queries.Queries, last PruneMeta, before time.Time) (auth, routes int64, err error) {
	auth, err = prefix(ctx, last.Auth.UpTo, func() (int64, error) {
		return q.FirstAuthFrom(ctx, queries.FirstAuthFromParams{After: last.Auth.UpTo, Before: before.Unix()})
	}, q.AuthHeadID)
	if err != nil {
		return 0, 0, err
	}
	routes, err = prefix(ctx, last.Routes.UpTo, func() (int64, error) {
		return q.FirstRouteFrom(ctx, queries.FirstRouteFromParams{After: last.Routes.UpTo, Before: before.Unix()})
	}, q.RouteHeadID)
	if err != nil {
		return 0, 0, err
	}
	waiting, err := q.OldestUndeliveredEvent(ctx)
	if err != nil {
		return 0, 0, err
	}
	if waiting != 0 && auth >= waiting {
		auth = max(waiting-1, last.Auth.UpTo)
	}
	return auth, routes, nil
}

// prefix is the last id before the first row new enough to keep (first), or the head when
// every row is old enough.
func prefix(ctx context.Context, from int64, first func() (int64, error), head func(context.Context) (int64, error)) (int64, error) {
	id, err := first()
	switch {
	case err == nil:
		return max(id-1, from), nil
	case errors.Is(err, sql.ErrNoRows):
		return head(ctx)
	}
	return 0, err
}

// archive writes rows from.UpTo+1 … upTo of chain into a new segment file in dir (synced,
// then renamed into place), ships it, and returns what the prune will record.
func (t *Trail) archive(ctx context.Context, q *queries.Queries, dir, chain string, from Pruned, upTo int64, ship func(context.Context, string) error) (Pruned, error) {
	name := fmt.Sprintf("%s_audit-%012d-%012d.jsonl", map[string]string{"auth": "auth", "routes": "impersonation"}[chain], from.UpTo+1, upTo)
	final := filepath.Join(dir, name)
	tmp := final + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return Pruned{}, fmt.Errorf("audit archive: %w", err)
	}
	defer os.Remove(tmp)
	defer f.Close()
	bw := bufio.NewWriter(f)
	digest := sha256.New()
	seg := Segment{Chain: chain, First: from.UpTo + 1, Last: upTo, PrevHash: from.LastHash}
	prev := from.LastHash
	write := func(id int64, prevHash, hash string, row any) error {
		if prevHash != prev {
			return problem("%s row %d: prev_hash does not match the row before it; not pruned (run audit verify)", chain, id)
		}
		b, err := json.Marshal(row)
		if err != nil {
			return err
		}
		b = append(b, '\n')
		digest.Write(b)
		_, err = bw.Write(b)
		prev = hash
		seg.Rows++
		return err
	}
	for after := from.UpTo; after < upTo; {
		if chain == "auth" {
			rows, err := q.ListAuthAuditChain(ctx, queries.ListAuthAuditChainParams{After: after, Limit: page})
			if err != nil {
				return Pruned{}, err
			}
			for _, r := range rows {
				if r.ID > upTo {
					break
				}
				if err := write(r.ID, r.PrevHash, r.Hash, authRow(r)); err != nil {
					return Pruned{}, err
				}
				after = r.ID
			}
			if len(rows) < page {
				break
			}
		} else {
			rows, err := q.ListImpersonationAuditChain(ctx, queries.ListImpersonationAuditChainParams{After: after, Limit: page})
			if err != nil {
				return Pruned{}, err
			}
			for _, r := range rows {
				if r.ID > upTo {
					break
				}
				if err := write(r.ID, r.PrevHash, r.Hash, routeRow(r)); err != nil {
					return Pruned{}, err
				}
				after = r.ID
			}
			if len(rows) < page {
				break
			}
		}
	}
	seg.LastHash, seg.Digest = prev, hex.EncodeToString(digest.Sum(nil))
	raw, err := json.Marshal(seg)
	if err != nil {
		return Pruned{}, err
	}
	line, _ := json.Marshal(trailer{Segment: raw, Key: t.PublicKey(), Sig: t.SignStatement(archiveKind, raw)})
	bw.Write(append(line, '\n'))
	if err := errors.Join(bw.Flush(), f.Sync(), f.Close()); err != nil {
		return Pruned{}, fmt.Errorf("audit archive %s: %w", name, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return Pruned{}, fmt.Errorf("audit archive: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return Pruned{}, err
	}
	if ship != nil {
		if err := ship(ctx, final); err != nil {
			return Pruned{}, fmt.Errorf("ship %s to the replica (nothing was pruned): %w", name, err)
		}
	}
	return Pruned{UpTo: upTo, LastHash: prev, Rows: seg.Rows, Segment: name, Digest: seg.Digest}, nil
}

// archivedAuth is an auth_audit row as a segment holds it.
type archivedAuth struct {
	ID        int64  `json:"id"`
	At        int64  `json:"at"`
	Tag       string `json:"tag"`
	Actor     *int64 `json:"actor_user_id"`
	Target    *int64 `json:"target_user_id"`
	IP        string `json:"ip"`
	UserAgent string `json:"user_agent"`
	Metadata  string `json:"metadata"`
	PrevHash  string `json:"prev_hash"`
	Hash      string `json:"hash"`
}

func authRow(r queries.AuthAudit) archivedAuth {
	a := archivedAuth{ID: r.ID, At: r.At, Tag: r.Tag, IP: r.Ip, UserAgent: r.UserAgent, Metadata: r.Metadata, PrevHash: r.PrevHash, Hash: r.Hash}
	if r.ActorUserID.Valid {
		a.Actor = &r.ActorUserID.Int64
	}
	if r.TargetUserID.Valid {
		a.Target = &r.TargetUserID.Int64
	}
	return a
}

// archivedRoute is an impersonation_audit row as a segment holds it.
type archivedRoute struct {
	ID              int64  `json:"id"`
	ImpersonationID int64  `json:"impersonation_id"`
	At              int64  `json:"at"`
	AdminUserID     int64  `json:"admin_user_id"`
	CustomerUserID  int64  `json:"customer_user_id"`
	Method          string `json:"method"`
	Route           string `json:"route"`
	Path            string `json:"path"`
	Status          int64  `json:"status"`
	Outcome         string `json:"outcome"`
	PrevHash        string `json:"prev_hash"`
	Hash            string `json:"hash"`
}

func routeRow(r queries.ImpersonationAudit) archivedRoute {
	return archivedRoute{r.ID, r.ImpersonationID, r.At, r.AdminUserID, r.CustomerUserID, r.Method, r.Route, r.Path, r.Status, r.Outcome, r.PrevHash, r.Hash}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// ParseRetention reads --audit-retention: "" (keep everything), days ("730d") or a Go
// duration ("17520h"); at least a day.
func ParseRetention(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil {
			return 0, fmt.Errorf("--audit-retention %q: say a number of days like 730d, or a duration like 17520h", s)
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("--audit-retention %q: say a number of days like 730d, or a duration like 17520h", s)
		}
	}
	if d < 24*time.Hour {
		return 0, fmt.Errorf("--audit-retention %q: keep audit rows at least a day", s)
	}
	return d, nil
}
