// Package report makes the documents a support team hands over: the access report of one
// customer's account (who at ChargeDesk looked at it and changed what, when and why), signed
// so that anyone with the audit key's public half can check it was not edited, and tied to a
// signed checkpoint of the trail so that it can be checked complete against the database.
package report

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/errs"
	"chargedesk/queries"
)

// Kind names an access report in its signature and its file.
const Kind = "access_report"

// MaxRows bounds each of a report's two lists of rows: a period that holds more is refused
// with a sentence (narrow the period), never cut short silently.
const MaxRows = 20_000

// Person is someone a report names: staff by name and role, ChargeDesk itself as id 0.
type Person struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

// Customer is the account a report is about.
type Customer struct {
	ID       int64  `json:"id"`
	PublicID string `json:"public_id"`
	Name     string `json:"name"`
	Email    string `json:"email"`
}

// Access is one impersonation of the account: who, why, in which mode, what they saw and did.
type Access struct {
	ImpersonationID int64   `json:"impersonation_id"`
	Staff           Person  `json:"staff"`
	Ticket          string  `json:"ticket"`
	Reason          string  `json:"reason"`
	Mode            string  `json:"mode"` // read-only, changes allowed, changes and payments allowed
	Started         string  `json:"started"`
	Ended           string  `json:"ended,omitempty"` // "" while it goes on
	EndedHow        string  `json:"ended_how,omitempty"`
	ApprovedBy      *Person `json:"approved_by,omitempty"` // the colleague who approved it (protected accounts)
	Pages           []Page  `json:"pages"`                 // every request made while impersonating, in the period
	Changes         int     `json:"changes"`               // how many of them changed something
}

// Page is one request made while impersonating (one impersonation_audit row).
type Page struct {
	Row     int64  `json:"row"`
	At      string `json:"at"`
	What    string `json:"what"`
	Method  string `json:"method"`
	Path    string `json:"path"`
	Outcome string `json:"outcome"` // viewed, changed, blocked
}

// Action is one auth_audit row about the account written by someone else: a start or end of
// an impersonation, an approval, an admin tool (refund, re-issue…), a protection.
type Action struct {
	Row             int64  `json:"row"`
	At              string `json:"at"`
	Tag             string `json:"tag"`
	By              Person `json:"by"`
	What            string `json:"what"`
	Ticket          string `json:"ticket,omitempty"`
	Reason          string `json:"reason,omitempty"`
	ImpersonationID int64  `json:"impersonation_id,omitempty"`
}

// Rows says which trail rows the report was made from: every auth_audit row about the
// customer by someone else and every impersonation_audit row on them, in the period, up to
// the checkpoint's heads. Digest is SHA-256 over "auth ID HASH\n" for each of the first, then
// "routes ID HASH\n" for each of the second, in id order: recomputed from a database (audit
// verify-report --db), it shows that no row was left out or added.
type Rows struct {
	Auth       int    `json:"auth"`
	Routes     int    `json:"routes"`
	UpToAuth   int64  `json:"up_to_auth_row"`
	UpToRoutes int64  `json:"up_to_routes_row"`
	Digest     string `json:"digest"`
}

// Checkpoint is the signed checkpoint the report covers, as stored (its exact bytes and
// signature), so that it can be checked alone and found in the checkpoint file.
type Checkpoint struct {
	Body json.RawMessage `json:"body"`
	Sig  string          `json:"sig"`
}

// Archived says which part of a report's period is no longer in the live trail: rows written
// before Before, up to rows UpToAuth and UpToRoutes, are in the archive segments (chargedesk
// audit verify --archive), not in this report.
type Archived struct {
	Before     string `json:"before"` // RFC 3339
	UpToAuth   int64  `json:"up_to_auth_row"`
	UpToRoutes int64  `json:"up_to_routes_row"`
}

// Access report: what is signed.
type Report struct {
	V           int        `json:"v"`
	Kind        string     `json:"kind"`
	Customer    Customer   `json:"customer"`
	From        string     `json:"from"` // RFC 3339, inclusive
	To          string     `json:"to"`   // RFC 3339, exclusive
	GeneratedAt string     `json:"generated_at"`
	GeneratedBy Person     `json:"generated_by"`
	Accesses    []Access   `json:"accesses"`
	Actions     []Action   `json:"actions"`
	Rows        Rows       `json:"rows"`
	Checkpoint  Checkpoint `json:"checkpoint"`
	// Archived is set when the period starts before the trail's retention cut: the rows written
	// before it were archived and removed (audit.prune), and the report lists what remains.
	Archived *Archived `json:"archived,omitempty"`
}

// Signed is the file handed out: the report's exact bytes, the public key that signed it
// and the signature.
type Signed struct {
	Report    json.RawMessage `json:"report"`
	Key       string          `json:"key"`
	Signature string          `json:"signature"`
}

// Words turn trail rows into the sentences a customer or an auditor reads (the console's
// wording, kept in handlers).
type Words struct {
	Action func(tag string, actor, target Person, metadata map[string]any) string
	Page   func(method, route, path, outcome string) string
}

// Params ask for one report.
type Params struct {
	Customer int64
	From, To time.Time
	By       Person // who asked for it: the customer, or a staff member (audited)
	Now      time.Time
	// Format (html, pdf, json), IP and UserAgent go into the audit row of a staff member's
	// report.
	Format, IP, UserAgent string
}

// TagAccessReport is the audit row of a report made by staff: reading a customer's whole
// history of support access is itself a privileged look at the account.
const TagAccessReport = "admin.access_report"

// Service makes reports: it checkpoints the trail first so that the report covers every row
// written until it was asked for.
type Service struct {
	DB             *db.DB
	Trail          *audit.Trail
	CheckpointFile string
}

// Period is the longest period one report covers.
const Period = 2 * 366 * 24 * time.Hour

// CheckPeriod refuses a period that is empty, reversed, in the future or too long.
func CheckPeriod(from, to, now time.Time) error {
	switch {
	case from.After(now):
		return errs.Invalidf("The period starts in the future: nothing has happened in it yet.")
	case !from.Before(to):
		return errs.Invalidf("The period must end after it starts.")
	case to.Sub(from) > Period:
		return errs.Invalidf("A report covers at most two years; choose a shorter period.")
	}
	return nil
}

// Access makes and signs the access report of p.Customer for [p.From, p.To).
// A staff member's report is recorded first (admin.access_report, so it is in the report
// itself); when that cannot be written, no report is made.
func (s *Service) Access(ctx context.Context, p Params, w Words) (Signed, Report, error) {
	if err := CheckPeriod(p.From, p.To, p.Now); err != nil {
		return Signed{}, Report{}, err
	}
	if p.By.Role == "admin" || p.By.Role == "support" {
		if _, err := s.Trail.Log(ctx, s.DB, p.Now, audit.Entry{Tag: TagAccessReport, Actor: p.By.ID, Target: p.Customer,
			IP: p.IP, UserAgent: p.UserAgent, Metadata: map[string]any{
				"from": stamp(p.From.Unix()), "to": stamp(p.To.Unix()), "format": p.Format}}); err != nil {
			return Signed{}, Report{}, err
		}
	}
	// A checkpoint now, so that the report covers every row written until now. On a full
	// disk or a read-only file, the latest checkpoint there is still covers what it covers.
	if _, err := s.Trail.Checkpoint(ctx, s.DB, s.CheckpointFile, p.Now, false); err != nil && ctx.Err() != nil {
		return Signed{}, Report{}, err
	}
	tx, err := s.DB.R.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Signed{}, Report{}, err
	}
	defer tx.Rollback()
	r, err := Build(ctx, queries.New(tx), p, w)
	if err != nil {
		return Signed{}, r, err
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return Signed{}, r, err
	}
	return Signed{Report: raw, Key: s.Trail.PublicKey(), Signature: s.Trail.SignStatement(Kind, raw)}, r, nil
}

// Build reads the report from q (one read transaction, so that the rows and the checkpoint
// agree): the rows up to the newest checkpoint's heads. It signs nothing.
func Build(ctx context.Context, q *queries.Queries, p Params, w Words) (Report, error) {
	cust, err := q.ReportCustomer(ctx, p.Customer)
	if errors.Is(err, sql.ErrNoRows) || err == nil && cust.Role != "customer" {
		return Report{}, errs.NotFoundf("That customer")
	} else if err != nil {
		return Report{}, err
	}
	cp, err := q.LatestCheckpoint(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return Report{}, errs.E(errs.Unavailable, "The audit trail has no signed checkpoint yet; try again in a minute.")
	} else if err != nil {
		return Report{}, err
	}
	var head audit.CheckpointBody
	if err := json.Unmarshal([]byte(cp.Body), &head); err != nil {
		return Report{}, fmt.Errorf("report: checkpoint %d: %w", cp.ID, err)
	}
	sel := selection{customer: p.Customer, from: p.From.Unix(), to: p.To.Unix(), auth: head.Auth.ID, routes: head.Routes.ID}
	actions, pages, rows, err := sel.read(ctx, q)
	if err != nil {
		return Report{}, err
	}
	imps, err := q.ReportImpersonations(ctx, queries.ReportImpersonationsParams{ActingAs: p.Customer, FromAt: sel.from, ToAt: sel.to})
	if err != nil {
		return Report{}, err
	}
	people, err := peopleOf(ctx, q, actions, pages, imps)
	if err != nil {
		return Report{}, err
	}
	r := Report{V: 1, Kind: Kind,
		Customer: Customer{ID: cust.ID, PublicID: cust.PublicID, Name: cust.Name, Email: cust.Email},
		From:     stamp(sel.from), To: stamp(sel.to), GeneratedAt: stamp(p.Now.Unix()), GeneratedBy: p.By,
		Accesses: []Access{}, Actions: []Action{}, Rows: rows,
		Checkpoint: Checkpoint{Body: json.RawMessage(cp.Body), Sig: cp.Sig},
	}
	pruned, err := audit.LatestPrune(ctx, q)
	if err != nil {
		return Report{}, err
	}
	if pruned.Before > sel.from {
		r.Archived = &Archived{Before: stamp(pruned.Before), UpToAuth: pruned.Auth.UpTo, UpToRoutes: pruned.Routes.UpTo}
	}
	target := Person{ID: cust.ID, Name: cust.Name, Role: "customer"}
	for _, a := range actions {
		var m map[string]any
		_ = json.Unmarshal([]byte(a.Metadata), &m)
		by := people[a.ActorUserID]
		act := Action{Row: a.ID, At: stamp(a.At), Tag: a.Tag, By: by, What: w.Action(a.Tag, by, target, m)}
		act.Ticket, _ = m["ticket"].(string)
		act.Reason, _ = m["reason"].(string)
		if id, ok := m["impersonation_id"].(float64); ok {
			act.ImpersonationID = int64(id)
		}
		r.Actions = append(r.Actions, act)
	}
	byImp := map[int64]int{}
	for _, i := range imps {
		byImp[i.ID] = len(r.Accesses)
		acc := Access{ImpersonationID: i.ID, Staff: people[i.AdminUserID], Ticket: i.Ticket, Reason: i.Reason,
			Mode: mode(i.AllowChanges, i.AllowPayments), Started: stamp(i.StartedAt), EndedHow: i.EndVia, Pages: []Page{}}
		if i.EndedAt != 0 {
			acc.Ended = stamp(i.EndedAt)
		}
		if i.ApproverID != 0 {
			ap := people[i.ApproverID]
			acc.ApprovedBy = &ap
		}
		r.Accesses = append(r.Accesses, acc)
	}
	for _, pg := range pages {
		k, ok := byImp[pg.ImpersonationID]
		if !ok { // a request in the period of an impersonation the period does not overlap: cannot be
			return Report{}, fmt.Errorf("report: impersonation_audit row %d names impersonation %d, which is not the customer's in the period", pg.ID, pg.ImpersonationID)
		}
		acc := &r.Accesses[k]
		acc.Pages = append(acc.Pages, Page{Row: pg.ID, At: stamp(pg.At), What: w.Page(pg.Method, pg.Route, pg.Path, pg.Outcome),
			Method: pg.Method, Path: pg.Path, Outcome: pg.Outcome})
		if pg.Outcome == "changed" && pg.Route != startRoute {
			acc.Changes++
		}
	}
	return r, nil
}

// startRoute is the impersonation's first row (the start itself), not a change to the account.
const startRoute = "/api/customer/impersonation/start"

// Recount reads again, from q, the rows the report says it was made of (its customer, period
// and checkpoint heads) and returns their count and digest: equal to the report's Rows when no
// row was left out, added or changed.
func Recount(ctx context.Context, q *queries.Queries, r Report) (Rows, error) {
	from, err1 := time.Parse(time.RFC3339, r.From)
	to, err2 := time.Parse(time.RFC3339, r.To)
	if err := errors.Join(err1, err2); err != nil {
		return Rows{}, fmt.Errorf("the report's period: %w", err)
	}
	s := selection{customer: r.Customer.ID, from: from.Unix(), to: to.Unix(), auth: r.Rows.UpToAuth, routes: r.Rows.UpToRoutes}
	_, _, rows, err := s.read(ctx, q)
	return rows, err
}

// selection is which rows a report is made of.
type selection struct {
	customer, from, to int64
	auth, routes       int64 // the checkpoint's heads: rows after them are not covered
}

// read returns the selected rows and their count and digest.
func (s selection) read(ctx context.Context, q *queries.Queries) ([]queries.ReportActionsRow, []queries.ReportPagesRow, Rows, error) {
	actions, err := q.ReportActions(ctx, queries.ReportActionsParams{ActingAs: s.customer, FromAt: s.from, ToAt: s.to, UpTo: s.auth, MaxRows: MaxRows + 1})
	if err != nil {
		return nil, nil, Rows{}, err
	}
	pages, err := q.ReportPages(ctx, queries.ReportPagesParams{ActingAs: s.customer, FromAt: s.from, ToAt: s.to, UpTo: s.routes, MaxRows: MaxRows + 1})
	if err != nil {
		return nil, nil, Rows{}, err
	}
	if len(actions) > MaxRows || len(pages) > MaxRows {
		return nil, nil, Rows{}, errs.Invalidf("This period holds more than %d audit rows about the account; choose a shorter period.", MaxRows)
	}
	h := sha256.New()
	for _, a := range actions {
		fmt.Fprintf(h, "auth %d %s\n", a.ID, a.Hash)
	}
	for _, p := range pages {
		fmt.Fprintf(h, "routes %d %s\n", p.ID, p.Hash)
	}
	return actions, pages, Rows{Auth: len(actions), Routes: len(pages), UpToAuth: s.auth, UpToRoutes: s.routes,
		Digest: hex.EncodeToString(h.Sum(nil))}, nil
}

// peopleOf names everyone the rows mention; ChargeDesk itself (no actor) is id 0.
func peopleOf(ctx context.Context, q *queries.Queries, actions []queries.ReportActionsRow, pages []queries.ReportPagesRow, imps []queries.ReportImpersonationsRow) (map[int64]Person, error) {
	seen := map[int64]bool{}
	var ids []int64
	add := func(id int64) {
		if id != 0 && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, a := range actions {
		add(a.ActorUserID)
	}
	for _, p := range pages {
		add(p.AdminUserID)
	}
	for _, i := range imps {
		add(i.AdminUserID)
		add(i.ApproverID)
	}
	people := map[int64]Person{0: {Name: "ChargeDesk", Role: "system"}}
	if len(ids) == 0 {
		return people, nil
	}
	rows, err := q.ReportPeople(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		people[r.ID] = Person{ID: r.ID, Name: r.Name, Role: r.Role}
	}
	for _, id := range ids {
		if _, ok := people[id]; !ok {
			people[id] = Person{ID: id, Name: fmt.Sprintf("user #%d", id)}
		}
	}
	return people, nil
}

func mode(changes, payments int64) string {
	switch {
	case payments == 1:
		return "changes and payments allowed"
	case changes == 1:
		return "changes allowed"
	}
	return "read-only"
}

func stamp(unix int64) string { return time.Unix(unix, 0).UTC().Format(time.RFC3339) }
