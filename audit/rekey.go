package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"chargedesk/db"
)

// Rekey starts keeping the trail with t's key after the previous key was lost, openly: one
// audit.rekey row (written with the new key) names the last checkpoint of the old key and
// the reason, and a checkpoint signed with the new key records the rotation, so that verify
// checks what came before only for its links (it cannot do more without the old key) and
// everything after in full. It returns the rotation.
func (t *Trail) Rekey(ctx context.Context, d *db.DB, file, reason string, now time.Time) (Rotation, error) {
	var rot Rotation
	var line []byte
	err := d.CriticalTx(ctx, func(tx *sql.Tx) error {
		q := t.queriesOn(tx)
		auth, routes, err := heads(ctx, q)
		if err != nil {
			return err
		}
		rot = Rotation{Before: Keyed{Auth: auth.ID + 1, Routes: routes.ID + 1}, At: now.Unix()}
		if last, err := q.LatestCheckpoint(ctx); err == nil {
			var prev CheckpointBody
			json.Unmarshal([]byte(last.Body), &prev) // not verifiable: signed by the lost key
			rot.AfterCheckpoint, rot.PreviousKey = last.ID, prev.Key
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := t.Write(ctx, tx, now, Entry{Tag: "audit.rekey", UserAgent: "chargedesk audit rekey", Metadata: map[string]any{
			"reason": reason, "after_checkpoint": rot.AfterCheckpoint, "previous_key": rot.PreviousKey,
			"verified_only_links_before_auth_row": rot.Before.Auth, "new_key": t.key.PublicKey()}}); err != nil {
			return err
		}
		auth, routes, err = heads(ctx, q)
		if err != nil {
			return err
		}
		line, err = t.insertCheckpoint(ctx, q, CheckpointBody{V: 1, At: now.Unix(), Auth: auth, Routes: routes, KeyedFrom: rot.Before,
			Key: t.key.PublicKey(), Rotation: &rot})
		return err
	})
	if err != nil {
		return rot, fmt.Errorf("audit rekey: %w", err)
	}
	if file != "" {
		return rot, appendLine(file, line)
	}
	return rot, nil
}
