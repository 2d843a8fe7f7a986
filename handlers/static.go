package handlers

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"chargedesk/static"
)

// staticFS serves the embedded files, and nothing else: no directory listings.
var staticFS = http.FS(static.FS)

// static serves /static/NAME with a day of caching.
func (a *App) static(c *gin.Context) {
	name := strings.TrimPrefix(c.Param("file"), "/")
	if st, err := fs.Stat(static.FS, name); name == "" || err != nil || st.IsDir() {
		a.fail(c, errNotFound("This file"))
		return
	}
	c.Header("Cache-Control", "public, max-age=86400")
	c.FileFromFS(name, staticFS)
}

// securityHeaders are sent with every answer: no framing (clickjacking), no MIME sniffing,
// scripts, fetches and everything else only from this origin (default-src covers them), forms
// only to it.
func (a *App) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	if a.HTTPS(c.Request) {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains") // two years
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
}
