package handlers

import (
	"bytes"
	"net/http"

	"github.com/gin-gonic/gin"
)

// bufferedWriter holds a response back until it is released, so that an impersonated request
// is written to the audit trail before the admin sees anything of it: nothing is shown
// unrecorded. Status and body wait here; headers are set on the real writer's map, which
// goes out only when the response is released (net/http sends headers with the status).
// discard drops them all, the headers the handler set included (a redirect's Location, say).
type bufferedWriter struct {
	gin.ResponseWriter
	status int
	body   *bytes.Buffer // from the render pool; back to it on release
}

func newBufferedWriter(w gin.ResponseWriter) *bufferedWriter {
	body := renderBuffers.Get().(*bytes.Buffer)
	body.Reset()
	return &bufferedWriter{ResponseWriter: w, status: http.StatusOK, body: body}
}
func (b *bufferedWriter) WriteHeader(code int) {
	if code > 0 {
		b.status = code
	}
}
func (b *bufferedWriter) WriteHeaderNow() {}
func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.body == nil { // released: the response is gone
		return len(p), nil
	}
	return b.body.Write(p)
}
func (b *bufferedWriter) WriteString(s string) (int, error) {
	if b.body == nil {
		return len(s), nil
	}
	return b.body.WriteString(s)
}
func (b *bufferedWriter) Status() int { return b.status }
func (b *bufferedWriter) Size() int {
	if b.body == nil {
		return 0
	}
	return b.body.Len()
}
func (b *bufferedWriter) Written() bool { return b.Size() > 0 }
func (b *bufferedWriter) Flush()        {}

// discard drops the held response, status, body and headers: the answer that replaces it
// starts from the headers every answer has (request id, security, no-store).
func (b *bufferedWriter) discard(c *gin.Context, security gin.HandlerFunc) {
	clear(b.ResponseWriter.Header())
	c.Header("X-Request-Id", requestID(c))
	security(c)
	noStore(c)
	b.body.Reset()
}

// release writes the held response to the real writer.
func (b *bufferedWriter) release() {
	b.ResponseWriter.WriteHeader(b.status)
	b.ResponseWriter.WriteHeaderNow()
	b.ResponseWriter.Write(b.body.Bytes())
	putRenderBuffer(b.body)
	b.body = nil // a late write after release goes nowhere (see Write)
}
