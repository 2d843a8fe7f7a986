package report

import (
	"bytes"
	"fmt"
	"strings"
)

// PDF lays the report out for print (A4, DejaVu Sans: every script a name may be in). The
// PDF itself is not signed: its last lines carry the digest and the signature of the JSON
// report it was made from, which is what an auditor checks.
func PDF(r Report, s Signed) ([]byte, error) {
	p := newDocument("P")
	p.SetTitle("Access report — "+r.Customer.Name, true)
	p.SetMargins(18, 18, 18)
	p.SetAutoPageBreak(true, 18)
	p.SetFooterFunc(func() {
		p.SetY(-12)
		p.SetFont(sans, "", 8)
		p.SetTextColor(90, 90, 90)
		p.CellFormat(0, 5, fmt.Sprintf("ChargeDesk access report · %s · page %d", r.Customer.Email, p.PageNo()), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	w, _ := p.GetPageSize()
	width := w - 36

	heading := func(size float64, s string) {
		p.SetFont(sans, "B", size)
		p.SetTextColor(0, 0, 0)
		p.MultiCell(width, size*0.5, s, "", "L", false)
		p.Ln(1.5)
	}
	line := func(s string) {
		p.SetFont(sans, "", 10)
		p.SetTextColor(0, 0, 0)
		p.MultiCell(width, 5, s, "", "L", false)
	}
	small := func(s string) {
		p.SetFont(sans, "", 8)
		p.SetTextColor(70, 70, 70)
		p.MultiCell(width, 4, s, "", "L", false)
	}

	heading(16, "Who at ChargeDesk accessed your account")
	line(fmt.Sprintf("Account: %s (%s), customer number %s", r.Customer.Name, r.Customer.Email, r.Customer.PublicID))
	line(fmt.Sprintf("Period: %s to %s (UTC)", r.From, r.To))
	line(fmt.Sprintf("Made %s for %s", r.GeneratedAt, r.GeneratedBy.Name))
	if a := r.Archived; a != nil {
		p.Ln(2)
		small(fmt.Sprintf("Rows written before %s are no longer in the live audit trail: ChargeDesk keeps the trail for its retention period, then moves older rows to a signed archive. This report lists what remains of the period; the archive holds the rest (up to rows %d and %d).", a.Before, a.UpToAuth, a.UpToRoutes))
	}
	p.Ln(4)

	heading(12, fmt.Sprintf("Support visits (%d)", len(r.Accesses)))
	if len(r.Accesses) == 0 {
		line("No one at ChargeDesk opened this account in the period.")
	}
	for _, a := range r.Accesses {
		ended := "still open when the report was made"
		if a.Ended != "" {
			ended = "until " + a.Ended
		}
		p.SetFont(sans, "B", 10)
		p.MultiCell(width, 5, fmt.Sprintf("%s (%s), ticket %s", a.Staff.Name, a.Staff.Role, a.Ticket), "", "L", false)
		line(fmt.Sprintf("From %s %s; %s.", a.Started, ended, a.Mode))
		line("Reason: " + a.Reason)
		if a.ApprovedBy != nil {
			line(fmt.Sprintf("Approved by %s (%s).", a.ApprovedBy.Name, a.ApprovedBy.Role))
		}
		line(fmt.Sprintf("%d requests, %d of them changes:", len(a.Pages), a.Changes))
		for _, pg := range a.Pages {
			small(fmt.Sprintf("  %s  %s  (%s %s, row %d)", pg.At, pg.What, pg.Method, pg.Path, pg.Row))
		}
		p.Ln(3)
	}

	heading(12, fmt.Sprintf("Recorded actions (%d)", len(r.Actions)))
	if len(r.Actions) == 0 {
		line("No recorded action on this account in the period.")
	}
	for _, a := range r.Actions {
		small(fmt.Sprintf("%s  %s  (row %d, %s)", a.At, a.What, a.Row, a.Tag))
	}
	p.Ln(4)

	heading(12, "How to check this report")
	small(strings.Join([]string{
		fmt.Sprintf("Made from %d audit rows and %d page records, up to rows %d and %d of the audit trail; their digest is %s.",
			r.Rows.Auth, r.Rows.Routes, r.Rows.UpToAuth, r.Rows.UpToRoutes, r.Rows.Digest),
		"The JSON version of this report is signed; check it with: chargedesk audit verify-report REPORT.json --public-key KEY",
		"Signing key (public): " + s.Key,
		"Signature: " + s.Signature,
	}, "\n"))
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
