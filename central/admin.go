package central

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"chargedesk/access"
	"chargedesk/audit"
	"chargedesk/errs"
	"chargedesk/ocpp"
	"chargedesk/queries"
)

// AdminRequest is an admin's action on a charge point.
type AdminRequest struct {
	Actor   access.Actor
	Charger int64
	Reason  string
	Now     time.Time
	IP, UA  string
}

func (r AdminRequest) check() error {
	if len(strings.TrimSpace(r.Reason)) < 5 {
		return errs.Invalidf("Give a reason of at least 5 characters (a ticket number, what the customer reported).")
	}
	if len(r.Reason) > 500 {
		return errs.Invalidf("The reason is at most 500 characters.")
	}
	return nil
}

// record checks the actor is an active admin and writes the audit row of their action on
// a charge point, inside tx, before anything is sent to the charge point.
func record(ctx context.Context, tx *sql.Tx, trail *audit.Trail, r AdminRequest, tag string, meta map[string]any) (queries.GetChargerForConsoleRow, error) {
	q := queries.New(tx) // an admin action: rare, not worth preparing
	if err := access.CheckAdmin(ctx, q, r.Actor); err != nil {
		return queries.GetChargerForConsoleRow{}, err
	}
	ch, err := q.GetChargerForConsole(ctx, r.Charger)
	if errors.Is(err, sql.ErrNoRows) {
		return ch, errs.NotFoundf("This charger")
	} else if err != nil {
		return ch, err
	}
	meta["charger_id"] = ch.ID
	meta["ocpp_id"] = ch.OcppID
	meta["reason"] = r.Reason
	_, err = trail.Write(ctx, tx, r.Now, audit.Entry{Tag: tag, Actor: r.Actor.UserID, Target: ch.OwnerID, IP: r.IP, UserAgent: r.UA, Metadata: meta})
	return ch, err
}

// ChangePassword gives a charge point a new OCPP password (24 random bytes, shown once; only its
// SHA-256 is kept) and records it (admin.charger_password). The charge point's open
// connection stays until it reconnects, which then needs the new password.
func (c *Central) ChangePassword(ctx context.Context, trail *audit.Trail, r AdminRequest) (string, error) {
	if err := r.check(); err != nil {
		return "", err
	}
	password := NewPassword()
	err := c.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := record(ctx, tx, trail, r, "admin.charger_password", map[string]any{}); err != nil {
			return err
		}
		return c.inTx(tx).SetChargerPassword(ctx, queries.SetChargerPasswordParams{ID: r.Charger, Sha256: PasswordHash(password)})
	})
	return password, err
}

// AdminCalls are the calls an admin may send a charge point from the console.
var AdminCalls = map[string]string{
	"UnlockConnector": "Unlock a connector (a cable stuck in the socket)",
	"ResetSoft":       "Soft reset (the charge point restarts its software)",
	"ResetHard":       "Hard reset (the charge point reboots)",
}

// AdminCallEffects say what each of AdminCalls does to the people at the charger: the
// confirmation names it before anything is sent.
var AdminCallEffects = map[string]string{
	"UnlockConnector": "The connector's lock opens so that the cable can be pulled out. A session on it stops if the charger ends it on unlock.",
	"ResetSoft":       "The charge point restarts its software: a charging session on it is stopped and billed to its last reading, and it is offline for about a minute.",
	"ResetHard":       "The charge point reboots: every charging session on it stops at once (billed to its last reading), and it is offline for a few minutes.",
}

// PlanAdminCall checks an admin call without sending or recording anything: the action is
// offered, the reason and the connector will do, and the charger is online now. The answer
// is the sentence the confirmation shows.
func (c *Central) PlanAdminCall(r AdminRequest, ocppID, call string, connector int) (string, error) {
	effect, ok := AdminCallEffects[call]
	if !ok {
		return "", errs.Invalidf("Choose one of the actions offered.")
	}
	if err := r.check(); err != nil {
		return "", err
	}
	if call == "UnlockConnector" && (connector < 1 || connector > 99) {
		return "", errs.Invalidf("Choose the connector to unlock.")
	}
	if !c.Online(ocppID) {
		return "", errs.Conflictf("The charger %s is offline, so it cannot be asked to do this now. Nothing was sent.", ocppID)
	}
	return effect, nil
}

// AdminCall sends one of AdminCalls to a charge point for an admin, recorded first
// (admin.charger_call) with the reason; it returns the charge point's answer.
func (c *Central) AdminCall(ctx context.Context, trail *audit.Trail, r AdminRequest, call string, connector int) (string, error) {
	if _, ok := AdminCalls[call]; !ok {
		return "", errs.Invalidf("Choose one of the actions offered.")
	}
	if err := r.check(); err != nil {
		return "", err
	}
	action, req := "Reset", any(nil)
	switch call {
	case "UnlockConnector":
		if connector < 1 || connector > 99 {
			return "", errs.Invalidf("Choose the connector to unlock.")
		}
		action, req = "UnlockConnector", ocpp.UnlockConnectorReq{ConnectorID: connector}
	case "ResetSoft":
		req = ocpp.ResetReq{Type: "Soft"}
	case "ResetHard":
		req = ocpp.ResetReq{Type: "Hard"}
	}
	var ch queries.GetChargerForConsoleRow
	err := c.db.Tx(ctx, func(tx *sql.Tx) (err error) {
		if ch, err = record(ctx, tx, trail, r, "admin.charger_call", map[string]any{"action": action, "request": req}); err != nil {
			return err
		}
		if !c.Online(ch.OcppID) {
			return errs.Conflictf("The charger %s is offline, so it cannot be asked to do this now. Nothing was sent.", ch.OcppID)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return c.Call(ctx, ch.ID, ch.OcppID, action, req)
}
