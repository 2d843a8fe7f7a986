package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"chargedesk/db"
	"chargedesk/queries"
)

// A checkpoint is a signed statement of the newest row of each chain at a moment (in the
// spirit of RFC 6962's signed tree heads and CloudTrail's digest files). It is written to the
// audit_checkpoints table and appended to a file that can leave the machine: deleting the
// newest rows, or every row, shows as a checkpoint whose head is gone.

// Head is the newest row of one chain.
type Head struct {
	ID   int64  `json:"id"`
	Hash string `json:"hash"`
}

// CheckpointBody is what a checkpoint states. KeyedFrom is the first row id of each chain
// written with the key: rows before it come from before the database had one (plain
// SHA-256), and a checkpoint signed when the key was made pins them.
type CheckpointBody struct {
	V         int    `json:"v"`
	At        int64  `json:"at"`
	Auth      Head   `json:"auth"`
	Routes    Head   `json:"routes"`
	KeyedFrom Keyed  `json:"keyed_from"`
	Key       string `json:"key"`
	// Rotation is set from a key rotation on (audit rekey): rows before it were kept with a
	// key that is lost, and are checked for their links only.
	Rotation *Rotation `json:"rotation,omitempty"`
}

// Rotation records that the audit key was replaced (the old one lost): the rows before Before
// were written with it, the checkpoints up to AfterCheckpoint and the file's lines of
// PreviousKey were signed by it. Verify checks those only as far as they can be without it.
type Rotation struct {
	Before          Keyed  `json:"before"`
	AfterCheckpoint int64  `json:"after_checkpoint"`
	PreviousKey     string `json:"previous_key"`
	At              int64  `json:"at"`
}

// Keyed is the first keyed row id of each chain.
type Keyed struct {
	Auth   int64 `json:"auth"`
	Routes int64 `json:"routes"`
}

// checkpointLine is one line of the checkpoint file: the exact signed bytes and the signature.
type checkpointLine struct {
	Body json.RawMessage `json:"body"`
	Sig  string          `json:"sig"`
}

// Checkpoint records the current heads when they moved since the last checkpoint (or when
// there is none), in the database and, when file is not empty, appended to file. adopt says
// the key was just made for a database that already has rows: they become the legacy part.
// It returns the new checkpoint, or nil when nothing moved.
func (t *Trail) Checkpoint(ctx context.Context, d *db.DB, file string, now time.Time, adopt bool) (*CheckpointBody, error) {
	ctx, cancel := Detached(ctx)
	defer cancel()
	var body *CheckpointBody
	var line []byte
	err := d.CriticalTx(ctx, func(tx *sql.Tx) error {
		q := queries.New(tx)
		auth, routes, err := heads(ctx, q)
		if err != nil {
			return err
		}
		keyed := Keyed{Auth: 1, Routes: 1}
		var rotation *Rotation
		last, err := q.LatestCheckpoint(ctx)
		switch {
		case err == nil:
			var prev CheckpointBody
			if err := json.Unmarshal([]byte(last.Body), &prev); err != nil {
				return fmt.Errorf("audit: latest checkpoint: %w", err)
			}
			if prev.Auth == auth && prev.Routes == routes {
				return nil
			}
			keyed, rotation = prev.KeyedFrom, prev.Rotation
		case !errors.Is(err, sql.ErrNoRows):
			return err
		case adopt:
			keyed = Keyed{Auth: auth.ID + 1, Routes: routes.ID + 1}
		}
		body = &CheckpointBody{V: 1, At: now.Unix(), Auth: auth, Routes: routes, KeyedFrom: keyed, Key: t.key.PublicKey(), Rotation: rotation}
		line, err = t.insertCheckpoint(ctx, q, *body)
		return err
	})
	if err != nil || body == nil || file == "" {
		return body, err
	}
	return body, appendLine(file, line)
}

// insertCheckpoint signs body, stores it and returns its line for the checkpoint file.
func (t *Trail) insertCheckpoint(ctx context.Context, q *queries.Queries, body CheckpointBody) ([]byte, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	sig := base64.StdEncoding.EncodeToString(ed25519.Sign(t.sign, raw))
	if _, err := q.InsertCheckpoint(ctx, queries.InsertCheckpointParams{At: body.At, Body: string(raw), Sig: sig}); err != nil {
		return nil, err
	}
	return json.Marshal(checkpointLine{Body: raw, Sig: sig})
}

func heads(ctx context.Context, q *queries.Queries) (auth, routes Head, err error) {
	auth, routes = Head{Hash: genesis}, Head{Hash: genesis}
	if h, err := q.AuthAuditHead(ctx); err == nil {
		auth = Head{ID: h.ID, Hash: h.Hash}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return auth, routes, err
	}
	if h, err := q.ImpersonationAuditHead(ctx); err == nil {
		routes = Head{ID: h.ID, Hash: h.Hash}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return auth, routes, err
	}
	return auth, routes, nil
}

// appendLine appends line to file and syncs it. A line torn by a crash is ended first, so
// that it stays one bad line and the next one is whole.
func appendLine(file string, line []byte) error {
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("checkpoint file: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			line = append([]byte{'\n'}, line...)
		}
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("checkpoint file: %w", err)
	}
	return f.Sync()
}

// openCheckpoint checks a signature and decodes the body.
func (t *Trail) openCheckpoint(raw []byte, sig string) (CheckpointBody, bool) {
	var b CheckpointBody
	s, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || !ed25519.Verify(t.sign.Public().(ed25519.PublicKey), raw, s) {
		return b, false
	}
	return b, json.Unmarshal(raw, &b) == nil
}

// readCheckpointFile calls fn for each whole line of the file. A line cut short by a crash —
// the last one without its newline, or one that a later append ended (appendLine) — is JSON
// that stops early: it is skipped and counted in torn, never taken for an edit.
func readCheckpointFile(file string, fn func(n int, l checkpointLine, ok bool) error) (torn int, err error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for n := 1; ; n++ {
		b, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			if len(bytes.TrimSpace(b)) > 0 {
				torn++
			}
			return torn, nil
		} else if err != nil {
			return torn, err
		}
		raw := bytes.TrimSpace(b)
		if len(raw) == 0 {
			continue
		}
		var l checkpointLine
		jerr := json.Unmarshal(raw, &l)
		if cutShort(jerr) {
			torn++
			continue
		}
		if err := fn(n, l, jerr == nil); err != nil {
			return torn, err
		}
	}
}

// cutShort reports whether err is JSON that ended before it was complete (a write torn by a
// crash), as opposed to JSON that says something else.
func cutShort(err error) bool {
	return err != nil && err.Error() == "unexpected end of JSON input"
}
