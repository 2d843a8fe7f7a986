package handlers

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"chargedesk/access"
	"chargedesk/errs"
	"chargedesk/format"
	"chargedesk/support"
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
	// Return is where the result is shown ("" for the customer's console page); Extra are the
	// tool's own fields, carried through the confirmation; ReasonIs names the reason there.
	Return   string
	Extra    map[string]string
	ReasonIs string
	// Receipt: the tool was used from this receipt's page, which shows its refusals.
	Receipt int64
}

func readTool(c *gin.Context) (toolInput, *errs.Error) {
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
func (a *App) toolProblem(c *gin.Context, in toolInput, e *errs.Error) {
	if wantsJSON(c) || in.Customer == 0 || e.Code == errs.NotFound {
		a.fail(c, e)
		return
	}
	if _, err := a.r.GetCustomerForAdmin(c.Request.Context(), in.Customer); err != nil {
		a.fail(c, errNotFound("This customer"))
		return
	}
	if in.Receipt != 0 { // the console's receipt, with the problem at the top and the form below
		a.showReceipt(c, in.Receipt, in.Customer, "customers", status(e), e.Message)
		return
	}
	// The page comes back with this tool open, what was typed in it, and the problem beside it.
	form := map[string]string{"tool": c.Request.URL.Path, "problem": e.Message,
		"amount": c.PostForm("amount"), "reason": c.PostForm("reason"), "reference": c.PostForm("reference")}
	for k, v := range form {
		if !utf8.ValidString(v) || len(v) > 2000 {
			form[k] = ""
		}
	}
	a.showAdminCustomer(c, in.Customer, status(e), e.Message, form) // at the top too: the tool may not be on this page
}

type confirmData struct {
	Heading string
	Lines   []string
	Action  string
	Fields  map[string]string
	Back    string
	Warning string // what confirming does, when it is not a change to the customer's account
}

// confirm shows the confirmation step of a tool.
func (a *App) confirm(c *gin.Context, in toolInput, heading string, lines ...string) {
	fields := map[string]string{"customer_user_id": fmt.Sprint(in.Customer), "reason": in.Reason, "reference": in.Reference, "confirm": "yes"}
	for k, v := range in.Extra {
		fields[k] = v
	}
	lines = append(lines, cmp.Or(in.ReasonIs, "Reason")+": "+in.Reason)
	if in.Reference != "" {
		lines = append(lines, "Reference: "+in.Reference)
	}
	back := cmp.Or(in.Return, fmt.Sprintf("/admin/customers/%d", in.Customer))
	a.render(c, http.StatusOK, "admin_confirm", &Page{Title: heading, Nav: "customers", Data: confirmData{
		Heading: heading, Lines: lines, Action: c.Request.URL.Path, Fields: fields, Back: back,
	}})
}

// tool is what a tool request carries, for the support package.
func (a *App) tool(c *gin.Context, in toolInput) support.Tool {
	return support.Tool{Actor: access.Actor{UserID: currentUser(c).ID}, Customer: in.Customer, Reason: in.Reason,
		Reference: in.Reference, Now: a.now(), IP: c.ClientIP(), UA: c.Request.UserAgent()}
}

// plan shows a tool's confirmation page (lines from plan), or the refusal.
func (a *App) plan(c *gin.Context, in toolInput, err error, heading string, lines ...string) {
	if !a.toolRefused(c, in, err) {
		a.confirm(c, in, heading, lines...)
	}
}

// toolRefused answers a tool's error, if there is one: a refusal on the customer's page, or
// the error page.
func (a *App) toolRefused(c *gin.Context, in toolInput, err error) bool {
	if e, ok := errs.As(err); ok {
		a.toolProblem(c, in, e)
	} else if err != nil {
		a.fail(c, err)
	}
	return err != nil
}

// runTool does a confirmed tool in one transaction (change, admin.* audit row, activity
// line), then shows the customer's page with the result and the audit row id.
func (a *App) runTool(c *gin.Context, in toolInput, notice, section string, do func(context.Context, *sql.Tx) (support.Done, error)) {
	var done support.Done
	err := a.db.Tx(c.Request.Context(), func(tx *sql.Tx) (err error) {
		done, err = do(context.WithoutCancel(c.Request.Context()), tx) // see App.tx
		return err
	})
	if a.toolRefused(c, in, err) {
		return
	}
	if in.Return != "" {
		a.redirect(c, addQuery(in.Return, "notice", notice)+"#refunds")
		return
	}
	a.redirect(c, fmt.Sprintf("/admin/customers/%d?notice=%s&row=%d#%s", in.Customer, notice, done.AuditRow, section))
}

// refund is POST /admin/charges/:id/refund (:id is the receipt): a partial or full refund,
// never above what remains of the receipt, with a credit note. The customer reads the reason
// picked from a list (customer_reason); the form's reason is the internal note. back=receipt
// or back=as returns to the receipt it was made from (the console's, or the impersonated one).
func (a *App) refund(c *gin.Context) {
	id, in, ok := a.toolTarget(c, "This receipt", a.r.OwnerOfReceipt)
	if !ok {
		return
	}
	if back := c.PostForm("back"); back == "receipt" || back == "as" {
		in.Receipt = id
	}
	amount, ok := format.ParseEuros(c.PostForm("amount"))
	if !ok {
		a.toolProblem(c, in, errInvalid("Enter the amount in euros, like 2.50 or 2,50 (at most two decimals)."))
		return
	}
	code := c.PostForm("customer_reason")
	label, ok := support.RefundReasonLabel(code)
	if !ok {
		a.toolProblem(c, in, errInvalid("Pick the reason the customer reads from the list."))
		return
	}
	in.Extra = map[string]string{"amount": c.PostForm("amount"), "customer_reason": code, "back": c.PostForm("back")}
	in.ReasonIs = "Internal note (not shown to the customer)"
	switch c.PostForm("back") {
	case "receipt":
		in.Return = fmt.Sprintf("/admin/receipts/%d", id)
	case "as":
		in.Return = fmt.Sprintf("/receipts/%d?as=%d", id, in.Customer)
	}
	t := a.tool(c, in)
	if in.Confirmed {
		a.runTool(c, in, "refunded", "receipts", func(ctx context.Context, tx *sql.Tx) (support.Done, error) {
			return support.Refund(ctx, tx, a.trail, t, id, amount, code)
		})
		return
	}
	p, err := support.PlanRefund(c.Request.Context(), a.r, in.Customer, id, amount)
	r := p.Receipt
	a.plan(c, in, err, "Refund "+money(amount)+" on receipt "+r.Number+"?",
		fmt.Sprintf("Receipt %s: %s charged, %s already refunded, %s remains.", r.Number, money(r.GrossCents), money(r.RefundedCents), money(p.Remaining)),
		"The customer reads: \u201c"+label+"\u201d, on the receipt and in their activity. A credit note is issued.")
}

// restoreReservation is POST /admin/reservations/:id/restore: a cancelled reservation whose
// window is still ahead comes back as a new reservation pointing at the old one.
func (a *App) restoreReservation(c *gin.Context) {
	id, in, ok := a.toolTarget(c, "This reservation", a.r.OwnerOfReservation)
	if !ok {
		return
	}
	t := a.tool(c, in)
	if in.Confirmed {
		a.runTool(c, in, "restored", "reservations", func(ctx context.Context, tx *sql.Tx) (support.Done, error) {
			return support.RestoreReservation(ctx, tx, a.trail, t, id)
		})
		return
	}
	r, err := support.PlanRestore(c.Request.Context(), a.r, t, id)
	a.plan(c, in, err, "Restore the reservation of "+when(r.StartsAt)+"?",
		fmt.Sprintf("A new reservation for %s – %s on the same charge point and card, pointing at reservation #%d.", when(r.StartsAt), clock(r.EndsAt), r.ID))
}

// reissueCard is POST /admin/cards/:id/reissue: the old card becomes replaced, a new card
// with a new printed number continues the same contract.
func (a *App) reissueCard(c *gin.Context) {
	id, in, ok := a.toolTarget(c, "This card", a.r.OwnerOfCard)
	if !ok {
		return
	}
	t := a.tool(c, in)
	if in.Confirmed {
		a.runTool(c, in, "reissued", "cards", func(ctx context.Context, tx *sql.Tx) (support.Done, error) {
			return support.ReissueCard(ctx, tx, a.trail, t, id)
		})
		return
	}
	card, err := support.PlanReissue(c.Request.Context(), a.r, t, id)
	a.plan(c, in, err, "Re-issue card "+card.VisualNumber+"?",
		fmt.Sprintf("Card %s (%s, now %s) will be marked replaced; a new card with a new number continues contract %s.", card.VisualNumber, card.Label, card.Status, card.ContractID))
}

// forceStop is POST /admin/sessions/:id/force-stop: a stuck session is closed at its last
// meter reading, ended by admin_force_close, its connector freed and its receipt priced.
func (a *App) forceStop(c *gin.Context) {
	id, in, ok := a.toolTarget(c, "This charging session", a.r.OwnerOfSession)
	if !ok {
		return
	}
	t := a.tool(c, in)
	p, err := support.PlanForceStop(c.Request.Context(), a.r, t, id)
	if in.Confirmed {
		var remote support.ChargerStop
		notice := "stopped"
		if err == nil { // stuck, and the admin confirmed: its charger is asked first
			remote = a.central.ForceStopRemote(c.Request.Context(), in.Customer, id)
		}
		if remote != nil && remote.Stopped() {
			notice = "charger-stopped"
		}
		a.runTool(c, in, notice, "sessions", func(ctx context.Context, tx *sql.Tx) (support.Done, error) {
			return support.ForceStop(ctx, tx, a.trail, t, id, remote)
		})
		return
	}
	a.plan(c, in, err, fmt.Sprintf("Force-stop session #%d?", id),
		"It looks stuck: "+strings.Join(p.Why, "; ")+".",
		"If its charger is online it is asked to stop the session (RemoteStopTransaction). Otherwise, or if the charger does not know the session, it is closed at its last meter reading ("+when(p.Session.LastReadingAt)+"), its connector freed and its receipt priced up to that reading.")
}

// releaseSession is POST /admin/sessions/:id/release: meter_stop_wh. A session held for
// review (its charger reported more energy than the connector can deliver) gets its receipt
// at a meter reading the admin checked.
func (a *App) releaseSession(c *gin.Context) {
	id, in, ok := a.toolTarget(c, "This charging session", a.r.OwnerOfSession)
	if !ok {
		return
	}
	meter, err := strconv.ParseInt(strings.TrimSpace(c.PostForm("meter_stop_wh")), 10, 64)
	if err != nil || meter < 0 {
		a.toolProblem(c, in, errInvalid("Enter the checked meter reading at the stop in Wh, a whole number (e.g. 12450)."))
		return
	}
	t := a.tool(c, in)
	if in.Confirmed {
		a.runTool(c, in, "released", "sessions", func(ctx context.Context, tx *sql.Tx) (support.Done, error) {
			return support.ReleaseHeld(ctx, tx, a.trail, t, id, meter)
		})
		return
	}
	s, err := support.PlanReview(c.Request.Context(), a.r, t, id)
	a.plan(c, in, err, fmt.Sprintf("Issue the receipt of session #%d at %s?", id, kwh(max(meter-s.MeterStartWh, 0))),
		"It was held because "+s.HeldReason+".",
		fmt.Sprintf("The meter read %d Wh at the start; priced with %d Wh at the stop, the receipt is issued and paid with the customer's payment method.", s.MeterStartWh, meter))
}

// voidSession is POST /admin/sessions/:id/void: a held session is closed with nothing charged.
func (a *App) voidSession(c *gin.Context) {
	id, in, ok := a.toolTarget(c, "This charging session", a.r.OwnerOfSession)
	if !ok {
		return
	}
	t := a.tool(c, in)
	if in.Confirmed {
		a.runTool(c, in, "voided", "sessions", func(ctx context.Context, tx *sql.Tx) (support.Done, error) {
			return support.VoidHeld(ctx, tx, a.trail, t, id)
		})
		return
	}
	s, err := support.PlanReview(c.Request.Context(), a.r, t, id)
	a.plan(c, in, err, fmt.Sprintf("Void session #%d?", id), "It was held because "+s.HeldReason+".",
		"No receipt is issued and nothing is charged; the customer sees that support voided it.")
}
