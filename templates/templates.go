// Package templates embeds the HTML templates: layout.html defines "base", each page in
// pages/ fills "title" and "content", and partials/ holds named fragments pages share.
package templates

import "embed"

// FS holds every template file.
//
//go:embed layout.html pages/*.html partials/*.html
var FS embed.FS
