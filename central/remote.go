package central

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"chargedesk/charging"
	"chargedesk/errs"
	"chargedesk/ocpp"
	"chargedesk/queries"
)

// Call sends a call to a charge point and waits for its answer's status ("Accepted",
// "Rejected", "Unlocked", …). Both the call and the answer go to the charge point's protocol
// log. An offline charge point is errs.Conflict; no answer in time is errs.Unreachable (what
// happened at the charger is then unknown, and the sentence says so); a CALLERROR is
// errs.Conflict with the charge point's code.
func (c *Central) Call(ctx context.Context, charger int64, ocppID, action string, req any) (string, error) {
	cp := c.Server.Get(ocppID)
	if cp == nil {
		return "", errs.Conflictf("The charger %s is offline, so it cannot be asked to do this now.", ocppID)
	}
	c.Note(ctx, charger, "out", action, mustJSON(req))
	raw, err := cp.Call(ctx, action, req)
	var oerr *ocpp.Error
	switch {
	case errors.As(err, &oerr):
		c.Note(ctx, charger, "in", action, "CALLERROR "+oerr.Code+": "+oerr.Description)
		return "", errs.Conflictf("The charger %s refused %s (%s: %s).", ocppID, action, oerr.Code, oerr.Description)
	case errors.Is(err, ocpp.ErrTimeout):
		c.Note(ctx, charger, "note", action, "no answer in time")
		return "", errs.E(errs.Unreachable, "The charger %s did not answer %s in time. It may still act on it: check its status before trying again.", ocppID, action)
	case err != nil:
		c.Note(ctx, charger, "note", action, "the connection ended before the answer")
		return "", errs.Conflictf("The charger %s went offline before it answered %s.", ocppID, action)
	}
	c.Note(ctx, charger, "in", action, compact(raw))
	var conf ocpp.StatusConf
	if err := json.Unmarshal(raw, &conf); err != nil || conf.Status == "" || len(conf.Status) > 40 { // OCPP's statuses are short enums
		return "", errs.Conflictf("The charger %s answered %s with something ChargeDesk cannot read.", ocppID, action)
	}
	return conf.Status, nil
}

// WaitFor polls done (a read) every 100 ms until it reports true or wait passes: how a page
// waits for the message a charge point sends after accepting a call (StartTransaction after
// RemoteStartTransaction, StopTransaction after RemoteStopTransaction).
func (c *Central) WaitFor(ctx context.Context, wait time.Duration, done func(q *queries.Queries) (bool, error)) (bool, error) {
	deadline := time.Now().Add(wait)
	q := c.r
	for {
		ok, err := done(q)
		if err != nil || ok {
			return ok, err
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, nil
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// SessionStarted reports whether a session is open on connector (for WaitFor), and its id.
func SessionStarted(ctx context.Context, connector int64, id *int64) func(q *queries.Queries) (bool, error) {
	return func(q *queries.Queries) (bool, error) {
		s, err := q.ActiveSessionOnConnector(ctx, connector)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		*id = s.ID
		return err == nil, err
	}
}

// SessionEnded reports whether session has ended (for WaitFor).
func SessionEnded(ctx context.Context, session, customer int64) func(q *queries.Queries) (bool, error) {
	return func(q *queries.Queries) (bool, error) {
		s, err := q.GetSession(ctx, queries.GetSessionParams{ID: session, ActingAs: customer})
		return err == nil && s.Status != "ACTIVE", err
	}
}

// chargerAnswerWait is how long a page waits for the charge point's own message after it
// accepted a remote start or stop.
const chargerAnswerWait = 10 * time.Second

// RemoteStart asks the planned charge point to start and waits for the session its
// StartTransaction creates; *session is its id.
func (c *Central) RemoteStart(ctx context.Context, p charging.StartPlan, session *int64) error {
	status, err := c.Call(ctx, p.Charger, p.OCPPID, "RemoteStartTransaction", ocpp.RemoteStartTransactionReq{ConnectorID: p.ConnectorNumber, IDTag: p.IDTag})
	if err != nil {
		return err
	}
	if status != "Accepted" {
		return errs.Conflictf("The charger refused to start charging (it answered %s). Check that the cable is plugged in, or choose another connector.", status)
	}
	ok, err := c.WaitFor(ctx, chargerAnswerWait, SessionStarted(ctx, p.Connector, session))
	if err != nil {
		return err
	}
	if !ok {
		return errs.E(errs.Unreachable, "The charger accepted but has not reported the session yet. It appears on your home page as soon as the charger reports it.")
	}
	return nil
}

// RemoteStop asks a session's charge point to stop it and waits for its StopTransaction.
func (c *Central) RemoteStop(ctx context.Context, customer, session int64) error {
	ch, err := c.r.SessionCharger(ctx, queries.SessionChargerParams{ID: session, ActingAs: customer})
	if err != nil {
		return err
	}
	if !c.Online(ch.OcppID) {
		return errs.Conflictf("The charger is offline, so it cannot be told to stop. Unplug your car at the charger: the session ends when the charger reports back. If it stays open, contact support.")
	}
	status, err := c.Call(ctx, ch.ID, ch.OcppID, "RemoteStopTransaction", ocpp.RemoteStopTransactionReq{TransactionID: session})
	if err != nil {
		return err
	}
	if status != "Accepted" {
		return errs.Conflictf("The charger refused to stop this session (it answered %s). Contact support: they can close it.", status)
	}
	ok, err := c.WaitFor(ctx, chargerAnswerWait, SessionEnded(ctx, session, customer))
	if err != nil {
		return err
	}
	if !ok {
		return errs.E(errs.Unreachable, "The charger accepted the stop but has not reported it yet. The receipt appears as soon as it does.")
	}
	return nil
}

// Remote is what a session's charge point did when asked to stop it (support.ChargerStop).
type Remote struct {
	answer  string
	stopped bool
}

// Stopped reports that the charge point accepted the stop and reported it.
func (r Remote) Stopped() bool { return r.stopped }

// Answer is what it answered, or why it was not asked ("offline", "no answer: …").
func (r Remote) Answer() string { return r.answer }

// ForceStopRemote is the first step of support's force-stop: when the session's charge
// point is online it is asked to stop (RemoteStopTransaction); the answer says whether it
// did, or why the session must be closed in the database.
func (c *Central) ForceStopRemote(ctx context.Context, customer, session int64) Remote {
	ch, err := c.r.SessionCharger(ctx, queries.SessionChargerParams{ID: session, ActingAs: customer})
	if err != nil || !c.Online(ch.OcppID) {
		return Remote{answer: "offline"}
	}
	status, err := c.Call(ctx, ch.ID, ch.OcppID, "RemoteStopTransaction", ocpp.RemoteStopTransactionReq{TransactionID: session})
	if err != nil {
		return Remote{answer: "no answer: " + err.Error()}
	}
	if status != "Accepted" {
		return Remote{answer: status}
	}
	ok, _ := c.WaitFor(ctx, chargerAnswerWait, SessionEnded(ctx, session, customer))
	return Remote{answer: status, stopped: ok}
}
