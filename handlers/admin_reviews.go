package handlers

// The access review (admins): /admin/reviews lists reviews and opens one; /admin/reviews/:id
// is the review — every staff account with its role, factors, last sign-in and what it did in
// the period — where each gets a decision (applied at once) and the whole is signed off; it
// exports as CSV and PDF (?format=csv|pdf).

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"chargedesk/errs"
	"chargedesk/queries"
	"chargedesk/report"
	"chargedesk/staff"
)

type reviewsData struct {
	Reviews  []queries.ListReviewsRow
	Due      bool
	FromDate string // the start form's default period: the last 90 days
	ToDate   string
}

type reviewData struct {
	Review  queries.GetReviewRow
	Staff   []queries.ReviewStaffRow
	Open    bool // not signed off yet
	Pending int  // active accounts without a decision
	From    string
	To      string
}

// adminReviews is GET /admin/reviews.
func (a *App) adminReviews(c *gin.Context) {
	a.showReviews(c, http.StatusOK, "", nil)
}

func (a *App) showReviews(c *gin.Context, status int, problem string, form map[string]string) {
	ctx, now := c.Request.Context(), a.now()
	rows, err := a.r.ListReviews(ctx)
	if err != nil {
		a.fail(c, err)
		return
	}
	due, _, err := staff.ReviewDue(ctx, a.r, now)
	if err != nil {
		a.fail(c, err)
		return
	}
	today := now.UTC().Truncate(24 * time.Hour)
	d := reviewsData{Reviews: rows, Due: due, FromDate: today.Add(-staff.ReviewEvery).Format(time.DateOnly), ToDate: today.Format(time.DateOnly)}
	a.render(c, status, "admin_reviews", &Page{Title: "Access reviews", Nav: "reviews", Data: d, Problem: problem, Form: form})
}

// startReview is POST /admin/reviews: from and to (YYYY-MM-DD, both days included).
func (a *App) startReview(c *gin.Context) {
	from, to, _, _, err := reportPeriod(c.PostForm("from"), c.PostForm("to"), a.now())
	if err == nil && (c.PostForm("from") == "" || c.PostForm("to") == "") {
		err = errs.Invalidf("Give the period to review: a start and an end date.")
	}
	var id int64
	if err == nil {
		err = a.db.Tx(c.Request.Context(), func(tx *sql.Tx) (err error) {
			id, err = staff.StartReview(c.Request.Context(), tx, a.staffChange(c), from, to)
			return err
		})
	}
	if a.refused(c, err, func(status int, msg string) {
		a.showReviews(c, status, msg, map[string]string{"from": c.PostForm("from"), "to": c.PostForm("to")})
	}) {
		return
	}
	a.redirect(c, fmt.Sprintf("/admin/reviews/%d", id))
}

// adminReview is GET /admin/reviews/:id, or its export (?format=csv|pdf).
func (a *App) adminReview(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		a.fail(c, errNotFound("This review"))
		return
	}
	a.showReview(c, id, http.StatusOK, "")
}

func (a *App) showReview(c *gin.Context, id int64, status int, problem string) {
	ctx := c.Request.Context()
	r, err := a.r.GetReview(ctx, id)
	if !a.found(c, err, "This review") {
		return
	}
	rows, err := a.r.ReviewStaff(ctx, queries.ReviewStaffParams{ReviewID: id, PeriodFrom: r.PeriodFrom, PeriodTo: r.PeriodTo})
	if err != nil {
		a.fail(c, err)
		return
	}
	d := reviewData{Review: r, Staff: rows, Open: r.SignedOffAt == 0,
		From: time.Unix(r.PeriodFrom, 0).UTC().Format(time.DateOnly), To: time.Unix(r.PeriodTo, 0).UTC().AddDate(0, 0, -1).Format(time.DateOnly)}
	for _, s := range rows {
		if s.Decision == "" && s.Status == "active" {
			d.Pending++
		}
	}
	switch c.Query("format") {
	case "":
		a.render(c, status, "admin_review", &Page{Title: fmt.Sprintf("Access review #%d", id), Nav: "reviews", Data: d, Problem: problem})
	case "csv":
		a.reviewCSV(c, d)
	case "pdf":
		a.reviewPDF(c, d)
	default:
		a.fail(c, errs.Invalidf("Choose the export's format: csv or pdf."))
	}
}

// reviewColumns are the export's columns, one row per staff account.
var reviewColumns = []string{"Name", "Email", "Role", "Status", "Second factors", "Last sign-in (UTC)", "Impersonations", "Admin actions",
	"Approvals given", "Approvals received", "Accounts created", "Decision", "Reason", "Decided by"}

func reviewCells(s queries.ReviewStaffRow) []string {
	last := "never"
	if s.LastSignIn != 0 {
		last = time.Unix(s.LastSignIn, 0).UTC().Format("2006-01-02 15:04")
	}
	decision := decisionWords(s.Decision, s.NewRole)
	return []string{s.Name, s.Email, s.Role, s.Status, orNone(s.Factors), last, strconv.FormatInt(s.Impersonations, 10),
		strconv.FormatInt(s.AdminActions, 10), strconv.FormatInt(s.ApprovalsGiven, 10), strconv.FormatInt(s.ApprovalsReceived, 10),
		orNone(s.Created), decision, s.DecisionReason, s.DecidedByName}
}

// decisionWords says a decision as the review reads it.
func decisionWords(decision, role string) string {
	switch decision {
	case staff.Keep:
		return "keep"
	case staff.ChangeRole:
		return "role changed to " + role
	case staff.Disable:
		return "disabled"
	}
	return "no decision yet"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func (a *App) reviewCSV(c *gin.Context, d reviewData) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(reviewColumns)
	for _, s := range d.Staff {
		w.Write(reviewCells(s))
	}
	w.Flush()
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="chargedesk-access-review-%d.csv"`, d.Review.ID))
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

func (a *App) reviewPDF(c *gin.Context, d reviewData) {
	rows := make([][]string, len(d.Staff))
	for i, s := range d.Staff {
		rows[i] = reviewCells(s)
	}
	state := "Open: not signed off yet."
	if !d.Open {
		state = fmt.Sprintf("Signed off by %s on %s UTC: %s.", d.Review.SignedOffByName, time.Unix(d.Review.SignedOffAt, 0).UTC().Format("2006-01-02 15:04"), d.Review.Summary)
	}
	b, err := report.Table(fmt.Sprintf("ChargeDesk access review #%d", d.Review.ID),
		[]string{fmt.Sprintf("Period: %s to %s (UTC, both days included). Opened by %s on %s UTC.", d.From, d.To, d.Review.StartedByName,
			time.Unix(d.Review.StartedAt, 0).UTC().Format("2006-01-02 15:04")), state},
		reviewColumns, []float64{22, 36, 14, 14, 18, 22, 17, 15, 15, 17, 24, 22, 24, 13}, rows,
		[]string{"Every decision and the sign-off are rows of ChargeDesk's signed audit trail (admin.review.*), with each role change and disabled account as its own row (admin.staff.*); chargedesk audit verify checks them."})
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="chargedesk-access-review-%d.pdf"`, d.Review.ID))
	c.Data(http.StatusOK, "application/pdf", b)
}

// decideReview is POST /admin/reviews/:id/decisions: staff_id, decision (keep, change_role,
// disable), role (for change_role), reason (needed unless keep).
func (a *App) decideReview(c *gin.Context) {
	id, _ := pathID(c)
	who, ok := parseID(c.PostForm("staff_id"))
	if !ok {
		a.fail(c, errs.Invalidf("Say whose access you decide about: staff_id must be a user id."))
		return
	}
	err := a.db.Tx(c.Request.Context(), func(tx *sql.Tx) error {
		return staff.Decide(c.Request.Context(), tx, a.staffChange(c), id, who, c.PostForm("decision"), c.PostForm("role"), c.PostForm("reason"))
	})
	if a.refused(c, err, func(status int, msg string) { a.showReview(c, id, status, msg) }) {
		return
	}
	a.redirect(c, fmt.Sprintf("/admin/reviews/%d#staff-%d", id, who))
}

// signOffReview is POST /admin/reviews/:id/signoff.
func (a *App) signOffReview(c *gin.Context) {
	id, _ := pathID(c)
	err := a.db.Tx(c.Request.Context(), func(tx *sql.Tx) error {
		_, err := staff.SignOff(c.Request.Context(), tx, a.staffChange(c), id)
		return err
	})
	if a.refused(c, err, func(status int, msg string) { a.showReview(c, id, status, msg) }) {
		return
	}
	a.redirect(c, fmt.Sprintf("/admin/reviews/%d", id))
}
