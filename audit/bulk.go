package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"chargedesk/queries"
)

// Appender writes many rows to both chains inside one transaction, keeping each chain's head
// hash in memory and its inserts prepared: the big-database generator uses it to build a
// valid keyed chain of millions of rows in minutes. It is Write/WriteRoute without the
// per-row head lookup, so it must be the only writer in tx.
type Appender struct {
	t                   *Trail
	auth, route         *sql.Stmt
	authPrev, routePrev string
}

// Appender starts an appender in tx from the chains' current heads.
func (t *Trail) Appender(ctx context.Context, tx *sql.Tx) (*Appender, error) {
	a, r, err := heads(ctx, queries.New(tx))
	if err != nil {
		return nil, err
	}
	ap := &Appender{t: t, authPrev: a.Hash, routePrev: r.Hash}
	if ap.auth, err = tx.PrepareContext(ctx, `INSERT INTO auth_audit (at, tag, actor_user_id, target_user_id, ip, user_agent, metadata, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`); err != nil {
		return nil, err
	}
	if ap.route, err = tx.PrepareContext(ctx, `INSERT INTO impersonation_audit (impersonation_id, at, admin_user_id, customer_user_id, method, route, path, status, outcome, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`); err != nil {
		return nil, err
	}
	return ap, nil
}

// Auth appends e to auth_audit and returns its id.
func (ap *Appender) Auth(ctx context.Context, at time.Time, e Entry) (int64, error) {
	meta := "{}"
	if len(e.Metadata) > 0 {
		b, err := json.Marshal(e.Metadata)
		if err != nil {
			return 0, err
		}
		meta = string(b)
	}
	actor, target := nullID(e.Actor), nullID(e.Target)
	ip, ua := Truncate(e.IP, 64), Truncate(e.UserAgent, 256)
	h := authHash(ap.t.mac(), at.Unix(), e.Tag, actor, target, ip, ua, meta, ap.authPrev)
	var id int64
	if err := ap.auth.QueryRowContext(ctx, at.Unix(), e.Tag, actor, target, ip, ua, meta, ap.authPrev, h).Scan(&id); err != nil {
		return 0, err
	}
	ap.authPrev = h
	return id, nil
}

// Route appends e to impersonation_audit.
func (ap *Appender) Route(ctx context.Context, at int64, e RouteEntry) error {
	path := Truncate(e.Path, MaxPath)
	h := routeHash(ap.t.mac(), e.ImpersonationID, at, e.Admin, e.Customer, e.Method, e.Route, path, int64(e.Status), e.Outcome, ap.routePrev)
	if _, err := ap.route.ExecContext(ctx, e.ImpersonationID, at, e.Admin, e.Customer, e.Method, e.Route, path, e.Status, e.Outcome, ap.routePrev, h); err != nil {
		return err
	}
	ap.routePrev = h
	return nil
}

// Close releases the prepared inserts.
func (ap *Appender) Close() { ap.auth.Close(); ap.route.Close() }
