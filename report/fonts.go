package report

import (
	_ "embed"

	"codeberg.org/go-pdf/fpdf"
)

// DejaVu Sans (fonts/LICENSE: the Bitstream Vera licence) prints every name a customer may
// have — Łukasz, Ørsted, Дмитрий, Ελένη — where the core PDF fonts know only Windows-1252 and
// print "?". fpdf embeds only the glyphs a document uses.
var (
	//go:embed fonts/DejaVuSans.ttf
	sansRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	sansBold []byte
)

// sans is the font family name the documents use.
const sans = "DejaVu"

// newDocument is an A4 document ("P" portrait, "L" landscape) with the Unicode font loaded.
func newDocument(orientation string) *fpdf.Fpdf {
	p := fpdf.New(orientation, "mm", "A4", "")
	p.AddUTF8FontFromBytes(sans, "", sansRegular)
	p.AddUTF8FontFromBytes(sans, "B", sansBold)
	p.SetCreator("ChargeDesk", true)
	return p
}
