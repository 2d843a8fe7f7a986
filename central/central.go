// Package central is ChargeDesk's OCPP 1.6J central system: what each message from a charge
// point means (connector status, sessions, meter readings, receipts), each handled in one
// transaction together with its protocol log rows, and the calls ChargeDesk makes to charge
// points (remote start and stop, reservations, unlock, reset). The ocpp package carries the
// frames; this package decides.
package central

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"chargedesk/db"
	"chargedesk/ocpp"
	"chargedesk/queries"
)

// Central is the central system: the OCPP server and what its messages do to the database.
type Central struct {
	db     *db.DB
	now    func() time.Time
	log    *slog.Logger
	Server *ocpp.Server
	// r and w are the queries prepared on the read pool and the writer (Prepared); without
	// them each statement is parsed on every use.
	r, w *queries.Queries
	// opened holds each connection's "Connected" log row (*ocpp.Conn → time.Time) until it is
	// written with the connection's first message, or with its end when it sent none.
	opened sync.Map
}

// New makes the central system on d. now is the clock (tests set it).
func New(d *db.DB, now func() time.Time, log *slog.Logger) *Central {
	c := &Central{db: d, now: now, log: log, r: queries.New(d.R), w: queries.New(d.W)}
	c.Server = &ocpp.Server{Auth: c.authenticate, Handle: c.handle, Malformed: c.malformed,
		Connected: c.connected, Disconnected: c.disconnected, Log: log}
	return c
}

// Prepared makes the central system use queries prepared once on the read pool (r) and the
// writer (w): a charge point's message is then not parsed and planned again on every call.
func (c *Central) Prepared(r, w *queries.Queries) { c.r, c.w = r, w }

// inTx is the writer's queries inside tx.
func (c *Central) inTx(tx *sql.Tx) *queries.Queries { return c.w.WithTx(tx) }

// Online reports whether the charge point ocppID is connected now.
func (c *Central) Online(ocppID string) bool { return c.Server.Get(ocppID) != nil }

// NewPassword is a charge point's new OCPP password: 24 random bytes, URL-safe base64 (32
// characters). Random enough that its SHA-256 (PasswordHash) is all that needs storing.
func NewPassword() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// PasswordHash is what is stored of a charge point's OCPP password.
func PasswordHash(password string) string {
	h := sha256.Sum256([]byte(password))
	return hex.EncodeToString(h[:])
}

func (c *Central) authenticate(ctx context.Context, ocppID, password string) (ocpp.Charger, error) {
	ch, err := c.r.GetChargerForOCPP(ctx, ocppID)
	if errors.Is(err, sql.ErrNoRows) {
		return ocpp.Charger{}, ocpp.ErrUnknown
	} else if err != nil {
		return ocpp.Charger{}, err
	}
	got := PasswordHash(password)
	if ch.OcppPasswordSha256 == "" || subtle.ConstantTimeCompare([]byte(got), []byte(ch.OcppPasswordSha256)) != 1 {
		return ocpp.Charger{}, ocpp.ErrBadPassword
	}
	return ocpp.Charger{ID: ch.ID, OCPPID: ch.OcppID, Heartbeat: time.Duration(ch.HeartbeatIntervalS) * time.Second}, nil
}

// logKeep is how many protocol log rows are kept per charge point; older ones are pruned
// (every pruneEvery-th row, so that pruning costs little).
const (
	logKeep     = 200
	pruneEvery  = 32
	maxLogBytes = 2000
)

// note is one protocol log row to write; at, when set, is its own time (else the call's).
type note struct {
	direction, action, message string
	at                         time.Time
}

// writeLog appends rows to a charge point's protocol log inside tx.
func writeLog(ctx context.Context, q *queries.Queries, charger int64, at time.Time, notes ...note) error {
	for _, n := range notes {
		msg := n.message
		if len(msg) > maxLogBytes {
			msg = msg[:maxLogBytes] + "…"
		}
		when := at
		if !n.at.IsZero() {
			when = n.at
		}
		id, err := q.InsertOCPPLog(ctx, queries.InsertOCPPLogParams{ChargerID: charger, At: when.Unix(), Direction: n.direction, Action: n.action, Message: msg})
		if err != nil {
			return err
		}
		if id%pruneEvery == 0 {
			if err := q.PruneOCPPLog(ctx, queries.PruneOCPPLogParams{ChargerID: charger, Keep: logKeep}); err != nil {
				return err
			}
		}
	}
	return nil
}

// Note writes one line to a charge point's protocol log in its own transaction (connection
// events, calls from ChargeDesk). A failure is logged, not returned: the log is a help, and
// what it records happened anyway.
func (c *Central) Note(ctx context.Context, charger int64, direction, action, message string) {
	err := c.db.Tx(ctx, func(tx *sql.Tx) error {
		return writeLog(ctx, c.inTx(tx), charger, c.now(), note{direction: direction, action: action, message: message})
	})
	if err != nil {
		c.log.Warn("ocpp: protocol log not written", "charger_id", charger, "action", action, "err", err)
	}
}

// connected keeps the connection's "Connected" row for its first message's transaction: a
// write of its own, before the connection reads anything, held up every charge point's boot
// in a reconnect storm (5 000 at once: 5 000 more commits to wait behind).
func (c *Central) connected(cp *ocpp.Conn) { c.opened.Store(cp, c.now()) }

// openedNote is cp's "Connected" row while it is not written yet.
func (c *Central) openedNote(cp *ocpp.Conn) []note {
	at, ok := c.opened.Load(cp)
	if !ok {
		return nil
	}
	return []note{{direction: "note", action: "Connected", message: "WebSocket connection opened (ocpp1.6, Basic auth)", at: at.(time.Time)}}
}

func (c *Central) disconnected(cp *ocpp.Conn) {
	defer c.opened.Delete(cp) // written or not, the connection is gone
	c.connLog(context.Background(), cp, note{direction: "note", action: "Disconnected",
		message: "WebSocket connection closed; open transactions stay open until the charge point reports them"})
}

// connLog writes rows to cp's protocol log in a transaction of their own, after its
// "Connected" row if that is not written yet. A failure is logged, as Note's.
func (c *Central) connLog(ctx context.Context, cp *ocpp.Conn, rows ...note) {
	rows = append(c.openedNote(cp), rows...)
	err := c.db.Tx(ctx, func(tx *sql.Tx) error { return writeLog(ctx, c.inTx(tx), cp.ID, c.now(), rows...) })
	if err != nil {
		c.log.Warn("ocpp: protocol log not written", "charger_id", cp.ID, "action", rows[len(rows)-1].action, "err", err)
		return
	}
	c.opened.Delete(cp)
}

func (c *Central) malformed(cp *ocpp.Conn, raw []byte, e *ocpp.Error) {
	c.connLog(context.Background(), cp, note{direction: "in", action: "(malformed)", message: string(raw) + "  → CALLERROR " + e.Code + ": " + e.Description})
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "(unprintable)"
	}
	return string(b)
}
