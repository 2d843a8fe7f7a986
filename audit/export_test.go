package audit

import (
	"context"
	"database/sql"
)

// UnkeyedTrail writes rows as ChargeDesk did before the chain had a key.
func UnkeyedTrail() *Trail { t := NewTrail(NewKey()); t.unkeyed = true; return t }

// AttackerRehash is the best an attacker without the key can do after editing rows: recompute
// every hash from row `from` on, in the chain's format, with some key of their own.
func AttackerRehash(ctx context.Context, w *sql.DB, from int64) error {
	t := UnkeyedTrail() // the chain's published format, without the key
	rows, err := w.QueryContext(ctx, `SELECT id, at, tag, actor_user_id, target_user_id, ip, user_agent, metadata FROM auth_audit ORDER BY id`)
	if err != nil {
		return err
	}
	type row struct {
		id, at            int64
		tag, ip, ua, meta string
		actor, target     sql.NullInt64
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.at, &r.tag, &r.actor, &r.target, &r.ip, &r.ua, &r.meta); err != nil {
			return err
		}
		all = append(all, r)
	}
	rows.Close()
	prev := genesis
	for _, r := range all {
		if r.id >= from {
			h := authHash(t.mac(), r.at, r.tag, r.actor, r.target, r.ip, r.ua, r.meta, prev)
			if _, err := w.ExecContext(ctx, `UPDATE auth_audit SET prev_hash = ?, hash = ? WHERE id = ?`, prev, h, r.id); err != nil {
				return err
			}
			prev = h
			continue
		}
		if err := w.QueryRowContext(ctx, `SELECT hash FROM auth_audit WHERE id = ?`, r.id).Scan(&prev); err != nil {
			return err
		}
	}
	return nil
}
