package audit

import (
	"bufio"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"sort"
)

// verifyArchive checks every segment in dir: its trailer's signature, the digest of its rows,
// each row's keyed hash and link, that the segments of a chain follow each other from its
// first row, and that they end exactly where the newest prune says the chain was cut.
func (t *Trail) verifyArchive(dir string, keyed, linksOnly Keyed, rep *Report) error {
	for _, c := range []struct {
		chain, prefix string
		pruned        Pruned
		keyedFrom     int64
		linksOnly     int64
		rows          *int64
	}{
		{"auth", "auth_audit-", rep.Pruned.Auth, keyed.Auth, linksOnly.Auth, &rep.ArchivedAuth},
		{"routes", "impersonation_audit-", rep.Pruned.Routes, keyed.Routes, linksOnly.Routes, &rep.ArchivedRoutes},
	} {
		files, err := filepath.Glob(filepath.Join(dir, c.prefix+"*.jsonl"))
		if err != nil {
			return err
		}
		sort.Strings(files) // zero-padded first ids: in chain order
		prev, next := genesis, int64(1)
		for _, f := range files {
			seg, n, err := t.verifySegment(f, c.chain, prev, next, c.keyedFrom, c.linksOnly)
			if err != nil {
				return err
			}
			*c.rows += n
			rep.Segments++
			prev, next = seg.LastHash, seg.Last+1
		}
		if next-1 != c.pruned.UpTo || prev != c.pruned.LastHash && c.pruned.UpTo != 0 {
			return problem("archive %s: its %s segments end at row %d, but the chain was pruned up to row %d (a segment is missing or extra)",
				dir, c.chain, next-1, c.pruned.UpTo)
		}
	}
	return nil
}

// verifySegment checks one segment that must start at row first, linking to prev. It reads
// the file a line at a time (a first prune of a large trail makes a large segment): the rows
// are checked as they come, the trailer — the last line — at the end.
func (t *Trail) verifySegment(file, chain, prev string, first, keyedFrom, linksOnly int64) (Segment, int64, error) {
	var seg Segment
	f, err := os.Open(file)
	if err != nil {
		return seg, 0, err
	}
	defer f.Close()
	name := filepath.Base(file)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	digest := sha256.New()
	var pending []byte // the line read last: a row, unless it is the file's last line
	n := int64(0)
	row := func(l []byte) error {
		digest.Write(l)
		digest.Write([]byte("\n"))
		id, p, h, recompute, err := archivedRow(chain, l)
		if err != nil {
			return problem("archive segment %s line %d: %v", name, n+1, err)
		}
		if id != first+n || p != prev {
			return problem("archive segment %s: row %d does not link to the row before it", name, id)
		}
		mac := t.mac()
		if id < keyedFrom {
			mac = legacy()
		}
		if id >= linksOnly && recompute(mac) != h {
			return problem("archive segment %s: row %d does not match its keyed hash", name, id)
		}
		prev = h
		n++
		return nil
	}
	for sc.Scan() {
		if pending != nil {
			if err := row(pending); err != nil {
				return seg, n, err
			}
		}
		pending = append(pending[:0], sc.Bytes()...)
	}
	if err := sc.Err(); err != nil {
		return seg, n, fmt.Errorf("archive segment %s: %w", name, err)
	}
	var tr trailer
	if pending == nil || json.Unmarshal(pending, &tr) != nil || !VerifyStatement(t.PublicKey(), archiveKind, tr.Segment, tr.Sig) {
		return seg, n, problem("archive segment %s: its trailer is not signed with this key (a forged, edited or cut segment)", name)
	}
	if err := json.Unmarshal(tr.Segment, &seg); err != nil || seg.Chain != chain {
		return seg, n, problem("archive segment %s: its trailer does not describe a %s segment", name, chain)
	}
	switch {
	case hex.EncodeToString(digest.Sum(nil)) != seg.Digest:
		return seg, n, problem("archive segment %s: its rows do not match the signed digest (the file was edited)", name)
	case seg.First != first:
		return seg, n, problem("archive segment %s starts at row %d, but the segment before it ends at row %d", name, seg.First, first-1)
	case n != seg.Rows || first+n-1 != seg.Last || prev != seg.LastHash:
		return seg, n, problem("archive segment %s holds rows %d to %d, its trailer says %d to %d", name, first, first+n-1, seg.First, seg.Last)
	}
	return seg, n, nil
}

// archivedRow reads one row line of a segment: its id, links and how to recompute its hash.
func archivedRow(chain string, line []byte) (id int64, prev, sum string, recompute func(hash.Hash) string, err error) {
	if chain == "auth" {
		var a archivedAuth
		if err := json.Unmarshal(line, &a); err != nil {
			return 0, "", "", nil, err
		}
		actor, target := sql.NullInt64{}, sql.NullInt64{}
		if a.Actor != nil {
			actor = sql.NullInt64{Int64: *a.Actor, Valid: true}
		}
		if a.Target != nil {
			target = sql.NullInt64{Int64: *a.Target, Valid: true}
		}
		return a.ID, a.PrevHash, a.Hash, func(h hash.Hash) string {
			return authHash(h, a.At, a.Tag, actor, target, a.IP, a.UserAgent, a.Metadata, a.PrevHash)
		}, nil
	}
	var r archivedRoute
	if err := json.Unmarshal(line, &r); err != nil {
		return 0, "", "", nil, err
	}
	return r.ID, r.PrevHash, r.Hash, func(h hash.Hash) string {
		return routeHash(h, r.ImpersonationID, r.At, r.AdminUserID, r.CustomerUserID, r.Method, r.Route, r.Path, r.Status, r.Outcome, r.PrevHash)
	}, nil
}
