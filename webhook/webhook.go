// Package webhook delivers the events queued in webhook_outbox (every impersonation.* and
// admin.* audit row, queued in the row's own transaction) to one URL as signed JSON POSTs,
// retrying with backoff until the receiver answers 2xx. Rows are marked delivered or
// rescheduled, never deleted: an event queued before a crash or a restart is sent after it.
//
// The receiver checks the ChargeDesk-Signature header: "t=<unix seconds>,v1=<hex>", where hex
// is HMAC-SHA256 with the shared secret of "<t>.<body>" (Verify does exactly that).
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/queries"
)

// Header names of a delivery.
const (
	SignatureHeader = "ChargeDesk-Signature"
	EventHeader     = "ChargeDesk-Event"
)

// Sender delivers to URL, signing with Secret.
type Sender struct {
	URL    string
	Secret []byte
	Client *http.Client // nil: 10-second timeout
}

// Sign is the signature header value of body at t.
func Sign(secret []byte, t int64, body []byte) string {
	return "t=" + strconv.FormatInt(t, 10) + ",v1=" + hex.EncodeToString(mac(secret, t, body))
}

// mac is HMAC-SHA256 with secret of "<t>.<body>".
func mac(secret []byte, t int64, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "%d.", t)
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a signature header against body: made with secret, at most maxAge before now.
func Verify(secret []byte, header string, body []byte, now time.Time, maxAge time.Duration) error {
	var t int64
	var sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			t, _ = strconv.ParseInt(v, 10, 64)
		case "v1":
			sig = v
		}
	}
	if t == 0 || sig == "" {
		return errors.New("webhook: no signature")
	}
	if d := now.Sub(time.Unix(t, 0)); d > maxAge || d < -maxAge {
		return errors.New("webhook: signature too old")
	}
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(mac(secret, t, body), got) {
		return errors.New("webhook: bad signature")
	}
	return nil
}

// Backoff is how long after its n-th failed attempt an event is tried again: 5 s, 10 s, 20 s
// … at most an hour.
func Backoff(n int64) time.Duration {
	d := 5 * time.Second
	for i := int64(1); i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// DeliverDue sends the waiting events in the order they happened (at most 50) and records
// each outcome. It stops at the first event not due yet or failing, so that events arrive in
// order: the later ones wait for its retry. Delivery is at least once (an event sent but not
// yet marked when the process dies is sent again): receivers drop repeats by event id.
func (s *Sender) DeliverDue(ctx context.Context, d *db.DB, now time.Time) (delivered int, err error) {
	waiting, err := queries.New(d.R).WaitingWebhooks(ctx, 50)
	if err != nil {
		return 0, err
	}
	for _, ev := range waiting {
		if ev.NextAt > now.Unix() {
			break
		}
		status, sendErr := s.send(ctx, ev.Event, []byte(ev.Body), now)
		err := d.CriticalTx(ctx, func(tx *sql.Tx) error {
			q := queries.New(tx)
			if sendErr == nil {
				return q.MarkWebhookDelivered(ctx, queries.MarkWebhookDeliveredParams{Now: sql.NullInt64{Int64: now.Unix(), Valid: true}, Status: int64(status), ID: ev.ID})
			}
			return q.MarkWebhookFailed(ctx, queries.MarkWebhookFailedParams{NextAt: now.Add(Backoff(ev.Attempts + 1)).Unix(),
				Status: int64(status), Error: audit.Truncate(sendErr.Error(), 300), ID: ev.ID})
		})
		switch {
		case err != nil:
			return delivered, err
		case sendErr != nil:
			return delivered, nil // the rest wait, in order
		}
		delivered++
	}
	return delivered, nil
}

func (s *Sender) send(ctx context.Context, event string, body []byte, now time.Time) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(EventHeader, event)
	req.Header.Set(SignatureHeader, Sign(s.Secret, now.Unix(), body))
	hc := &http.Client{Timeout: 10 * time.Second}
	if s.Client != nil {
		c := *s.Client
		hc = &c
	}
	// Only the receiver's own 2xx is delivery: a redirect is answered, not followed (the body
	// would be lost on the way, or posted somewhere nobody chose).
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	switch {
	case res.StatusCode >= 300 && res.StatusCode < 400:
		return res.StatusCode, fmt.Errorf("the receiver answered %s, a redirect, which is not followed: point --webhook-url at the address it redirects to (%s)",
			res.Status, audit.Truncate(res.Header.Get("Location"), 200))
	case res.StatusCode < 200 || res.StatusCode > 299:
		return res.StatusCode, fmt.Errorf("the receiver answered %s", res.Status)
	}
	return res.StatusCode, nil
}

// Run delivers the events due every second until ctx ends (main runs it beside the server).
func (s *Sender) Run(ctx context.Context, d *db.DB, now func() time.Time, log *slog.Logger) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		if _, err := s.DeliverDue(ctx, d, now()); err != nil && ctx.Err() == nil {
			log.Error("webhook delivery", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
