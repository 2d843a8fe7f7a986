package handlers

import (
	"bytes"
	"net/http"

	"github.com/gin-gonic/gin"
)

// bufferedWriter holds a response back until it is released, so that an impersonated request
// is written to the audit trail before the admin sees its page: nothing is shown unrecorded.
// Headers go straight to the real writer's map; status and body wait.
type bufferedWriter struct {
	gin.ResponseWriter
	status int
	body   bytes.Buffer
}

func newBufferedWriter(w gin.ResponseWriter) *bufferedWriter {
	return &bufferedWriter{ResponseWriter: w, status: http.StatusOK}
}

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
	b.ResponseWriter.WriteHeader(b.status)
	b.ResponseWriter.WriteHeaderNow()
	b.ResponseWriter.Write(b.body.Bytes())
}
