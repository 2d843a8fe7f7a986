// Package static embeds the files served under /static: vendored htmx 4 and the stylesheet.
package static

import "embed"

// FS holds the static files.
//
//go:embed *.js *.css *.svg
var FS embed.FS
