package handlers

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chargedesk/audit"
	"chargedesk/charging"
	"chargedesk/queries"
)

// The admin tools reverse what happened on an account: refund a charge, restore a cancelled
// reservation, re-issue an EV card, force-stop a stuck session. Each is a POST with a
// required reason and an optional reference (audit row ids), shown first as a confirmation
// page; the confirmed POST does the change, its admin.* audit row and the customer's activity
// row in one transaction.

// toolInput is what every tool form carries.
type toolInput struct {
	Customer  int64
	Reason    string
	Reference string
	Confirmed bool
}

func readTool(c *gin.Context) (toolInput, *Error) {
	var in toolInput
	if raw := strings.TrimSpace(c.PostForm("customer_user_id")); raw != "" {
		cust, ok := parseID(raw)
		if !ok {
			return in, errInvalid("customer_user_id must be a user id.")
		}
		in.Customer = cust
	}
	reason, e := validText(reasonField, c.PostForm("reason"))
	if e != nil {
		return in, e
	}
	in.Reason = reason
	ref, ok := textParam(c.PostForm("reference"), 200)
	if !ok {
		return in, errInvalid("Reference is too long (200 characters at most); list the audit row ids, e.g. impersonation_audit #12.")
	}
	in.Reference = ref
	in.Confirmed = c.PostForm("confirm") == "yes"
	return in, nil
}

// toolTarget reads the tool's :id and input. The customer is the one the form names (the
// object must be theirs, or it is 404), or else the object's owner.
func (a *App) toolTarget(c *gin.Context, what string, owner func(context.Context, int64) (int64, error)) (int64, toolInput, bool) {
	id, ok := pathID(c)
	in, e := readTool(c)
	if !ok {
		e = errNotFound(what)
	}
	if e == nil && in.Customer == 0 {
		cust, err := owner(c.Request.Context(), id)
		if !a.found(c, err, what) {
			return 0, in, false
		}
		in.Customer = cust
	}
	if e != nil {
		a.toolProblem(c, in, e)
		return 0, in, false
	}
	return id, in, true
}

// toolProblem shows a refused tool request: the customer's page with the message, or the
// error alone when the customer is unknown.
func (a *App) toolProblem(c *gin.Context, in toolInput, e *Error) {
	if wantsJSON(c) || in.Customer == 0 || e.Status == http.StatusNotFound {
		a.fail(c, e)
		return
	}
	if _, err := a.r.GetCustomerForAdmin(c.Request.Context(), in.Customer); err != nil {
		a.fail(c, errNotFound("This customer"))
		return
	}
	a.showAdminCustomer(c, in.Customer, e.Status, e.Message, map[string]string{})
}

type confirmData struct {
	Heading string
	Lines   []string
	Action  string
	Fields  map[string]string
	Back    string
}

// confirm shows the confirmation step of a tool.
func (a *App) confirm(c *gin.Context, in toolInput, heading string, lines ...string) {
	fields := map[string]string{"customer_user_id": fmt.Sprint(in.Customer), "reason": in.Reason, "reference": in.Reference, "confirm": "yes"}
	if v := c.PostForm("amount"); v != "" { // the refund's own field
		fields["amount"] = v
	}
	lines = append(lines, "Reason: "+in.Reason)
	if in.Reference != "" {
		lines = append(lines, "Reference: "+in.Reference)
	}
	a.render(c, http.StatusOK, "admin_confirm", &Page{Title: heading, Nav: "customers", Data: confirmData{
		Heading: heading, Lines: lines, Action: c.Request.URL.Path, Fields: fields,
		Back: fmt.Sprintf("/admin/customers/%d", in.Customer),
	}})
}

// runTool does a confirmed change with its audit row and activity row in one transaction,
// then shows the customer's page with the result and the audit row id.
func (a *App) runTool(c *gin.Context, in toolInput, tag, notice, section string, do func(ctx context.Context, q *queries.Queries, tx *sql.Tx) (activity string, meta map[string]any, err error)) {
	ctx, u := c.Request.Context(), currentUser(c)
	var rowID int64
	err := a.db.Tx(ctx, func(tx *sql.Tx) error {
		q := queries.New(tx)
		summary, meta, err := do(ctx, q, tx)
		if err != nil {
			return err
		}
		meta["customer_user_id"] = in.Customer
		meta["reason"] = in.Reason
		if in.Reference != "" {
			meta["reference"] = in.Reference
		}
		if rowID, err = a.trail.Write(ctx, tx, a.now(), audit.Entry{
			Tag: tag, Actor: u.ID, Target: in.Customer, IP: c.ClientIP(), UserAgent: c.Request.UserAgent(), Metadata: meta,
		}); err != nil {
			return err
		}
		return q.InsertActivity(ctx, queries.InsertActivityParams{
			ActingAs: in.Customer, At: a.now().Unix(), Kind: "support", Summary: summary, ActorRole: "support",
		})
	})
	var e *Error
	switch {
	case errors.As(err, &e):
		a.toolProblem(c, in, e)
	case err != nil:
		a.fail(c, errInternal(err))
	default:
		a.redirect(c, fmt.Sprintf("/admin/customers/%d?notice=%s&row=%d#%s", in.Customer, notice, rowID, section))
	}
}

var amountRE = regexp.MustCompile(`^[0-9]{1,7}(\.[0-9]{1,2})?$`)

// parseAmount reads a euro amount like 2.50 into cents.
func parseAmount(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if !amountRE.MatchString(s) {
		return 0, false
	}
	whole, frac, _ := strings.Cut(s, ".")
	for len(frac) < 2 {
		frac += "0"
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	return w*100 + f, true
}

// refund is POST /admin/charges/:id/refund (:id is the receipt): a partial or full refund,
// never above what remains of the receipt (the database refuses it too), with a credit note.
func (a *App) refund(c *gin.Context) {
	id, in, ok := a.toolTarget(c, "This receipt", a.r.OwnerOfReceipt)
	if !ok {
		return
	}
	r, err := a.r.GetReceiptForRefund(c.Request.Context(), queries.GetReceiptForRefundParams{ID: id, ActingAs: in.Customer})
	if !a.found(c, err, "This receipt") {
		return
	}
	remaining := r.GrossCents - r.RefundedCents
	amount, ok := parseAmount(c.PostForm("amount"))
	switch {
	case !ok:
		a.toolProblem(c, in, errInvalid("Enter the amount in euros like 2.50 (at most two decimals)."))
		return
	case amount <= 0:
		a.toolProblem(c, in, errInvalid("The refund must be more than €0.00."))
		return
	case amount > remaining:
		a.toolProblem(c, in, errInvalid(fmt.Sprintf("At most %s remains to refund on receipt %s.", money(remaining), r.Number)))
		return
	}
	if !in.Confirmed {
		a.confirm(c, in, "Refund "+money(amount)+" on receipt "+r.Number+"?",
			fmt.Sprintf("Receipt %s: %s charged, %s already refunded, %s remains.", r.Number, money(r.GrossCents), money(r.RefundedCents), money(remaining)),
			"A credit note is issued and the customer sees the refund in their activity.")
		return
	}
	a.runTool(c, in, "admin.refund", "refunded", "receipts", func(ctx context.Context, q *queries.Queries, _ *sql.Tx) (string, map[string]any, error) {
		serial, err := q.NextCreditNoteSerial(ctx)
		if err != nil {
			return "", nil, err
		}
		note := fmt.Sprintf("CN-%d-%06d", a.now().In(displayZone).Year(), serial)
		refundID, err := q.InsertRefund(ctx, queries.InsertRefundParams{
			ReceiptID: id, ActingAs: in.Customer, AmountCents: amount, Reason: in.Reason, Reference: in.Reference,
			CreditNoteNumber: note, CreatedByUserID: sql.NullInt64{Int64: currentUser(c).ID, Valid: true}, CreatedAt: a.now().Unix(),
		})
		if err != nil {
			if strings.Contains(err.Error(), "refund exceeds") {
				return "", nil, errInvalid(fmt.Sprintf("At most %s remains to refund on receipt %s.", money(remaining), r.Number))
			}
			return "", nil, err
		}
		return fmt.Sprintf("Support refunded %s on receipt %s (credit note %s)", money(amount), r.Number, note),
			map[string]any{"receipt_id": id, "refund_id": refundID, "amount_cents": amount, "credit_note": note}, nil
	})
}

// restoreReservation is POST /admin/reservations/:id/restore: a cancelled reservation whose
// window is still ahead comes back as a new reservation pointing at the old one.
func (a *App) restoreReservation(c *gin.Context) {
	id, in, ok := a.toolTarget(c, "This reservation", a.r.OwnerOfReservation)
	if !ok {
		return
	}
	ctx, now := c.Request.Context(), a.now()
	r, err := a.r.GetReservation(ctx, queries.GetReservationParams{ID: id, ActingAs: in.Customer})
	if !a.found(c, err, "This reservation") {
		return
	}
	restored, err := a.r.RestoredCopyOf(ctx, queries.RestoredCopyOfParams{ID: sql.NullInt64{Int64: id, Valid: true}, ActingAs: in.Customer})
	if err != nil {
		a.fail(c, errInternal(err))
		return
	}
	switch {
	case r.Status != "cancelled":
		a.toolProblem(c, in, errInvalid("Only a cancelled reservation can be restored; this one is "+r.Status+"."))
		return
	case r.StartsAt <= now.Unix():
		a.toolProblem(c, in, errInvalid("This reservation's window has started or passed ("+when(r.StartsAt)+"), so it can no longer be restored."))
		return
	case restored > 0:
		a.toolProblem(c, in, errInvalid("This reservation has already been restored."))
		return
	}
	if !in.Confirmed {
		a.confirm(c, in, "Restore the reservation of "+when(r.StartsAt)+"?",
			fmt.Sprintf("A new reservation for %s – %s on the same charge point and card, pointing at reservation #%d.", when(r.StartsAt), clock(r.EndsAt), r.ID))
		return
	}
	a.runTool(c, in, "admin.reservation_restore", "restored", "reservations", func(ctx context.Context, q *queries.Queries, _ *sql.Tx) (string, map[string]any, error) {
		n, err := q.CountOverlappingReservations(ctx, queries.CountOverlappingReservationsParams{EvseID: r.EvseID, StartsAt: r.StartsAt, EndsAt: r.EndsAt})
		if err != nil {
			return "", nil, err
		}
		if n > 0 {
			return "", nil, errConflict("Someone else has reserved that charge point in that window since; it cannot be restored.")
		}
		newID, err := q.InsertRestoredReservation(ctx, queries.InsertRestoredReservationParams{
			ActingAs: in.Customer, EvseID: r.EvseID, CardID: r.CardID, StartsAt: r.StartsAt, EndsAt: r.EndsAt,
			RestoredFromID: sql.NullInt64{Int64: r.ID, Valid: true}, CreatedAt: now.Unix(),
		})
		if err != nil {
			return "", nil, err
		}
		return "Support restored your reservation for " + when(r.StartsAt),
			map[string]any{"reservation_id": r.ID, "restored_reservation_id": newID}, nil
	})
}

// reissueCard is POST /admin/cards/:id/reissue: the old card becomes replaced, a new card
// with a new printed number continues the same contract.
func (a *App) reissueCard(c *gin.Context) {
	id, in, ok := a.toolTarget(c, "This card", a.r.OwnerOfCard)
	if !ok {
		return
	}
	card, err := a.r.GetCard(c.Request.Context(), queries.GetCardParams{ID: id, ActingAs: in.Customer})
	if !a.found(c, err, "This card") {
		return
	}
	if card.Status == "replaced" {
		a.toolProblem(c, in, errInvalid("Card "+card.VisualNumber+" has already been replaced."))
		return
	}
	if !in.Confirmed {
		a.confirm(c, in, "Re-issue card "+card.VisualNumber+"?",
			fmt.Sprintf("Card %s (%s, now %s) will be marked replaced; a new card with a new number continues contract %s.", card.VisualNumber, card.Label, card.Status, card.ContractID))
		return
	}
	a.runTool(c, in, "admin.card_reissue", "reissued", "cards", func(ctx context.Context, q *queries.Queries, _ *sql.Tx) (string, map[string]any, error) {
		serial, err := q.NextCardSerial(ctx)
		if err != nil {
			return "", nil, err
		}
		uid := make([]byte, 7)
		rand.Read(uid)
		number := fmt.Sprintf("DE-EVX-%06d", serial)
		newID, err := q.InsertReissuedCard(ctx, queries.InsertReissuedCardParams{
			ActingAs: in.Customer, VisualNumber: number, Uid: strings.ToUpper(hex.EncodeToString(uid)),
			ContractID: card.ContractID, Label: card.Label, CreatedAt: a.now().Unix(),
		})
		if err != nil {
			return "", nil, err
		}
		n, err := q.ReplaceCard(ctx, queries.ReplaceCardParams{ID: card.ID, ActingAs: in.Customer, ReplacedByID: sql.NullInt64{Int64: newID, Valid: true}})
		if err != nil {
			return "", nil, err
		}
		if n != 1 {
			return "", nil, errConflict("Card " + card.VisualNumber + " changed meanwhile; reload the page.")
		}
		return fmt.Sprintf("Support re-issued card %s as %s (same contract)", card.VisualNumber, number),
			map[string]any{"card_id": card.ID, "new_card_id": newID, "new_visual_number": number}, nil
	})
}

// forceStop is POST /admin/sessions/:id/force-stop: a stuck session is closed at its last
// meter reading, ended by admin_force_close, its connector freed and its receipt priced.
func (a *App) forceStop(c *gin.Context) {
	id, in, ok := a.toolTarget(c, "This charging session", a.r.OwnerOfSession)
	if !ok {
		return
	}
	s, err := a.r.GetSessionForForceStop(c.Request.Context(), queries.GetSessionForForceStopParams{ID: id, ActingAs: in.Customer})
	if !a.found(c, err, "This charging session") {
		return
	}
	if s.Status != "ACTIVE" {
		a.toolProblem(c, in, errInvalid(fmt.Sprintf("Session #%d has already ended.", id)))
		return
	}
	why := charging.StuckReasons(a.now(), s.StartedAt, s.LastSeenAt, s.HeartbeatIntervalS, s.ConnectorStatus, s.LastReadingAt)
	if len(why) == 0 {
		a.toolProblem(c, in, errInvalid(fmt.Sprintf("Session #%d is charging normally, not stuck; the driver or the station can stop it.", id)))
		return
	}
	if !in.Confirmed {
		a.confirm(c, in, fmt.Sprintf("Force-stop session #%d?", id),
			"It looks stuck: "+strings.Join(why, "; ")+".",
			"It will be closed at its last meter reading ("+when(s.LastReadingAt)+"), its connector freed and its receipt priced up to that reading.")
		return
	}
	a.runTool(c, in, "admin.session_force_stop", "stopped", "sessions", func(ctx context.Context, q *queries.Queries, tx *sql.Tx) (string, map[string]any, error) {
		// Priced up to the last reading: that is where the session really stopped.
		stopAt := a.now()
		if s.LastReadingAt > 0 {
			stopAt = time.Unix(s.LastReadingAt, 0)
		}
		receiptID, err := charging.Stop(ctx, tx, charging.StopRequest{
			SessionID: id, ActingAs: in.Customer, At: stopAt,
			EndedBy: charging.EndedByAdmin, Reason: "Closed by support: " + in.Reason,
		})
		if errors.Is(err, charging.ErrNotActive) {
			return "", nil, errConflict(fmt.Sprintf("Session #%d has ended meanwhile.", id))
		} else if err != nil {
			return "", nil, err
		}
		return fmt.Sprintf("Support closed your stuck charging session #%d; its receipt is issued", id),
			map[string]any{"session_id": id, "receipt_id": receiptID, "stuck_because": why}, nil
	})
}
