package report

import (
	"bytes"
)

// Table lays out a titled table for print (A4 landscape, DejaVu Sans), columns as wide as
// widths say (mm), lines wrapping in cells; notes follow the table. The access review's export uses it.
func Table(title string, lines []string, header []string, widths []float64, rows [][]string, notes []string) ([]byte, error) {
	p := newDocument("L")
	p.SetTitle(title, true)
	p.SetMargins(12, 12, 12)
	p.SetAutoPageBreak(true, 12)
	p.AddPage()
	p.SetFont(sans, "B", 14)
	p.MultiCell(0, 7, title, "", "L", false)
	p.SetFont(sans, "", 9)
	for _, l := range lines {
		p.MultiCell(0, 5, l, "", "L", false)
	}
	p.Ln(3)
	row := func(cells []string, bold bool) {
		style := ""
		if bold {
			style = "B"
		}
		p.SetFont(sans, style, 8)
		h := 0.0
		for i, c := range cells {
			if n := float64(len(p.SplitText(c, widths[i]-2))) * 4; n > h {
				h = n
			}
		}
		if h == 0 {
			h = 4
		}
		if p.GetY()+h > 198 {
			p.AddPage()
		}
		x, y := p.GetX(), p.GetY()
		for i, c := range cells {
			p.Rect(x, y, widths[i], h, "D")
			p.SetXY(x+1, y)
			p.MultiCell(widths[i]-2, 4, c, "", "L", false)
			x += widths[i]
			p.SetXY(x, y)
		}
		p.SetXY(12, y+h)
	}
	row(header, true)
	for _, r := range rows {
		row(r, false)
	}
	p.Ln(3)
	p.SetFont(sans, "", 8)
	for _, n := range notes {
		p.MultiCell(0, 4, n, "", "L", false)
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
