package handlers

import (
	"bytes"
	"net/http"

	"github.com/gin-gonic/gin"
)

// bufferedWriter holds a response back until it is released, so that an impersonated request
// is written to the audit trail before the admin sees anything of it: nothing is shown
// unrecorded. Status, the headers set while it was held (a redirect's Location, say) and the
// body all wait; discarding it drops them all.
type bufferedWriter struct {
	gin.ResponseWriter
	header http.Header
	status int
	body   *bytes.Buffer // from the render pool; back to it on release
}

func newBufferedWriter(w gin.ResponseWriter) *bufferedWriter {
	body := renderBuffers.Get().(*bytes.Buffer)
	body.Reset()
	return &bufferedWriter{ResponseWriter: w, header: w.Header().Clone(), status: http.StatusOK, body: body}
}

func (b *bufferedWriter) Header() http.Header { return b.header }
func (b *bufferedWriter) WriteHeader(code int) {
	if code > 0 {
		b.status = code
	}
}
func (b *bufferedWriter) WriteHeaderNow()                   {}
func (b *bufferedWriter) Write(p []byte) (int, error)       { return b.body.Write(p) }
func (b *bufferedWriter) WriteString(s string) (int, error) { return b.body.WriteString(s) }
func (b *bufferedWriter) Status() int                       { return b.status }
func (b *bufferedWriter) Size() int                         { return b.body.Len() }
func (b *bufferedWriter) Written() bool                     { return b.body.Len() > 0 }
func (b *bufferedWriter) Flush()                            {}

// release writes the held response to the real writer.
func (b *bufferedWriter) release() {
	h := b.ResponseWriter.Header()
	clear(h)
	for k, v := range b.header {
		h[k] = v
	}
	b.ResponseWriter.WriteHeader(b.status)
	b.ResponseWriter.WriteHeaderNow()
	b.ResponseWriter.Write(b.body.Bytes())
	putRenderBuffer(b.body)
	b.body = new(bytes.Buffer) // a late write after release goes nowhere shared
}
