package handlers

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// A held response goes out whole on release, and on discard nothing of it does: not its
// status, its body, nor a header the handler set (a Location naming the customer's page).
// Release mode from the start, as handlers.New sets it: tests run in parallel, and a test
// context made before any App would print Gin's debug-mode warning.
func init() { gin.SetMode(gin.ReleaseMode) }

func TestBufferedWriter(t *testing.T) {
	t.Parallel()
	for _, release := range []bool{true, false} {
		rec := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(rec)
		c.Request = httptest.NewRequest(http.MethodGet, "/sessions?as=3", nil)
		c.Set(keyRequestID, "req-1")
		real := c.Writer
		buf := newBufferedWriter(real)
		c.Writer = buf
		c.Header("Location", "/sessions/9?as=3")
		c.String(http.StatusSeeOther, "Jane's session")
		if rec.Body.Len() != 0 || rec.Code != http.StatusOK || rec.Flushed {
			t.Fatal("the held response reached the client before its release")
		}
		c.Writer = real
		if release {
			buf.release()
			if rec.Code != http.StatusSeeOther || rec.Body.String() != "Jane's session" || rec.Header().Get("Location") != "/sessions/9?as=3" {
				t.Errorf("released: %d %q %q", rec.Code, rec.Body.String(), rec.Header().Get("Location"))
			}
			continue
		}
		buf.discard(c, (&App{}).securityHeaders)
		c.String(http.StatusServiceUnavailable, "Not recorded, so not shown")
		if rec.Code != http.StatusServiceUnavailable || rec.Body.String() != "Not recorded, so not shown" || rec.Header().Get("Location") != "" ||
			rec.Header().Get("X-Request-Id") != "req-1" || rec.Header().Get("X-Frame-Options") != "DENY" {
			t.Errorf("discarded: %d %q, headers %v", rec.Code, rec.Body.String(), rec.Header())
		}
	}
}
