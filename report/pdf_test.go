package report_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"chargedesk/report"
)

// pdfText is what pdftotext reads in a PDF: the text a person copies out of it, and what a
// screen reader says. CI installs poppler-utils; without it the test is skipped here.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CHARGEDESK_NEED_PDFTOTEXT") == "1" {
			t.Fatal("pdftotext not found (apt-get install poppler-utils)")
		}
		t.Skip("pdftotext not found (apt-get install poppler-utils)")
	}
	file := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// The PDFs print a name in whatever script it is written in — Polish, Danish, Cyrillic,
// Greek — not as "?" (the core PDF fonts know only Windows-1252).
func TestPDFsPrintEveryName(t *testing.T) {
	t.Parallel()
	names := []string{"Łukasz Żółć", "Søren Ørsted", "Дмитрий Иванов", "Ελένη Παππά"}
	r := report.Report{
		Customer: report.Customer{Name: names[0], Email: "lukasz@example.com", PublicID: "C-1"},
		From:     "2026-01-01T00:00:00Z", To: "2026-12-01T00:00:00Z", GeneratedAt: "2026-12-07T12:00:00Z",
		GeneratedBy: report.Person{Name: names[0], Role: "customer"},
		Accesses: []report.Access{{Staff: report.Person{Name: names[2], Role: "support"}, Ticket: "SUP-1", Reason: "Проверить квитанцию",
			Mode: "read-only", Started: "2026-06-01T10:00:00Z", Ended: "2026-06-01T10:05:00Z", ApprovedBy: &report.Person{Name: names[1], Role: "admin"},
			Pages: []report.Page{{Row: 1, At: "2026-06-01T10:01:00Z", What: "Viewed the receipt of " + names[0], Method: "GET", Path: "/receipts/1"}}}},
		Actions: []report.Action{{Row: 2, At: "2026-06-02T10:00:00Z", Tag: "admin.refund", By: report.Person{Name: names[3], Role: "admin"}, What: names[3] + " refunded €1.00"}},
	}
	pdf, err := report.PDF(r, report.Signed{Key: "ab", Signature: "cd"})
	if err != nil {
		t.Fatal(err)
	}
	table, err := report.Table("Access review — "+names[1], []string{"Period: 2026"}, []string{"Name", "Role"}, []float64{80, 40},
		[][]string{{names[2], "support"}, {names[3] + " " + strings.Repeat("long ", 30), "admin"}}, []string{"Signed off by " + names[1]})
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range []struct {
		name string
		pdf  []byte
		want []string
	}{
		{"the access report", pdf, append(names, "Проверить квитанцию", "€1.00")},
		{"the review table", table, []string{names[1], names[2], names[3]}},
	} {
		if bytes.Contains(doc.pdf, []byte("/Helvetica")) {
			t.Errorf("%s still uses a core font", doc.name)
		}
		text := pdfText(t, doc.pdf)
		for _, w := range doc.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s does not print %q; it reads: %.400s", doc.name, w, text)
			}
		}
	}
}
