// Package audit writes and verifies the append-only audit tables (auth_audit and
// impersonation_audit). Each row stores an HMAC of its own content and of the previous row's
// hash, keyed by a secret kept outside the database, so an edited, deleted, inserted or forged
// row breaks the chain at that point; signed checkpoints (checkpoint.go) pin the newest rows,
// so that deleting them shows too. `chargedesk audit verify` (verify.go) names the first
// problem.
package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"chargedesk/db"
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

// writeTimeout bounds an audit write that no client can cancel.
const writeTimeout = 30 * time.Second

// Trail writes audit rows with a key. It holds no state besides the key.
type Trail struct {
	chainKey []byte
	sign     ed25519.PrivateKey
	key      Key
	unkeyed  bool // writes the chain format of before keys (tests of adoption only)
	// prepared are the writer's prepared statements (WithPrepared), or nil: rows are written
	// with statements parsed anew.
	prepared *queries.Queries
	// events queues each event row (IsEvent) in webhook_outbox, in the row's transaction.
	events bool
	// after runs after each auth_audit row is inserted, in its transaction (WithHook).
	after Hook
}

// Hook is work that goes with some rows, done in the row's transaction so that both commit
// or neither does: an email telling a person their sign-in changed (users.SecurityNotices).
// id is the row's. An error fails the write.
type Hook func(ctx context.Context, tx *sql.Tx, at time.Time, id int64, e Entry) error

// WithHook is the trail that also runs h after every auth_audit row it writes (nil: none);
// t itself is unchanged.
func (t *Trail) WithHook(h Hook) *Trail {
	c := *t
	c.after = h
	return &c
}

// WithEvents is the trail that also queues every impersonation.* and admin.* row as a webhook
// event (webhook_outbox), in the same transaction as the row; t itself is unchanged.
func (t *Trail) WithEvents() *Trail {
	c := *t
	c.events = true
	return &c
}

// IsEvent reports the tags other tools are told about: impersonations and admins' actions.
func IsEvent(tag string) bool {
	return strings.HasPrefix(tag, "impersonation.") || strings.HasPrefix(tag, "admin.")
}

// Event is the JSON body of a webhook: the audit row as other tools read it.
type Event struct {
	ID           string          `json:"id"` // "evt_" and the auth_audit row id: the same event twice is a retry
	Type         string          `json:"type"`
	At           string          `json:"at"` // RFC 3339, UTC
	ActorUserID  int64           `json:"actor_user_id,omitempty"`
	TargetUserID int64           `json:"target_user_id,omitempty"`
	Data         json.RawMessage `json:"data"`
}

// WithPrepared is the trail writing through statements prepared once on a database's writer
// pool (queries.Prepare on db.DB.W) instead of parsing them in every transaction. Its
// transactions must be on that database; t itself is unchanged.
func (t *Trail) WithPrepared(w *queries.Queries) *Trail {
	c := *t
	c.prepared = w
	return &c
}

// queriesOn returns the queries to run inside tx, prepared when the trail has them.
func (t *Trail) queriesOn(tx *sql.Tx) *queries.Queries {
	if t.prepared != nil {
		return t.prepared.WithTx(tx)
	}
	return queries.New(tx)
}

// NewTrail returns the writer and verifier of the chains keyed by k.
func NewTrail(k Key) *Trail {
	return &Trail{chainKey: k.chainKey(), sign: k.signingKey(), key: k}
}

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
func (t *Trail) Write(ctx context.Context, tx *sql.Tx, at time.Time, e Entry) (int64, error) {
	q := t.queriesOn(tx)
	prev, err := q.LastAuthAuditHash(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		prev = genesis
	} else if err != nil {
		return 0, fmt.Errorf("audit: last hash: %w", err)
	}
	e = withFactor(ctx, e)
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
	row.Hash = authHash(t.mac(), row.At, row.Tag, row.ActorUserID, row.TargetUserID, row.Ip, row.UserAgent, row.Metadata, prev)
	id, err := q.InsertAuthAudit(ctx, row)
	if err != nil {
		metrics.GetOrCreateCounter("chargedesk_audit_write_failures_total").Inc()
	} else {
		metrics.GetOrCreateCounter("chargedesk_audit_writes_total").Inc()
	}
	if err == nil && t.after != nil {
		if err := t.after(ctx, tx, at, id, e); err != nil {
			return 0, err
		}
	}
	if err != nil || !t.events || !IsEvent(e.Tag) {
		return id, err
	}
	body, err := json.Marshal(Event{ID: "evt_" + strconv.FormatInt(id, 10), Type: e.Tag, At: at.UTC().Format(time.RFC3339),
		ActorUserID: e.Actor, TargetUserID: e.Target, Data: json.RawMessage(meta)})
	if err != nil {
		return 0, err
	}
	return id, q.EnqueueWebhook(ctx, queries.EnqueueWebhookParams{AuditID: id, Event: e.Tag, Body: string(body), CreatedAt: at.Unix(), NextAt: at.Unix()})
}

// Log appends e in a transaction of its own. It may use the disk reserve, and the client
// going away does not cancel it: an audit row that was due is written or fails for a reason
// of the machine.
func (t *Trail) Log(ctx context.Context, d *db.DB, at time.Time, e Entry) (int64, error) {
	ctx, cancel := Detached(ctx)
	defer cancel()
	var id int64
	err := d.CriticalTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = t.Write(ctx, tx, at, e)
		return err
	})
	return id, err
}

// Detached is ctx without its cancellation (a client that hangs up), bounded by a timeout of
// its own: audit writes use it.
func Detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
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

// mac is the keyed hash of the chain. A nil key gives plain SHA-256: the chain format of
// rows written before the database had a key (see keyed_from in checkpoints).
func (t *Trail) mac() hash.Hash {
	if t.unkeyed {
		return legacy()
	}
	return hmac.New(sha256.New, t.chainKey)
}

func legacy() hash.Hash { return sha256.New() }

func authHash(h hash.Hash, at int64, tag string, actor, target sql.NullInt64, ip, ua, meta, prev string) string {
	return chainHash(h, strconv.FormatInt(at, 10), tag, nullString(actor), nullString(target), ip, ua, meta, prev)
}

// chainHash hashes the fields, each length-prefixed so that no two different rows serialise
// the same.
func chainHash(h hash.Hash, fields ...string) string {
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
