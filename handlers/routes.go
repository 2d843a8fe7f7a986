package handlers

import (
	"io/fs"
	"net/http"

	"github.com/gin-gonic/gin"

	"chargedesk/static"
)

// maxBody bounds every request body; forms here are small.
const maxBody = 1 << 20

// Routes returns the whole HTTP surface. Reading it tells a newcomer everything ChargeDesk
// answers, and behind which checks.
func (a *App) Routes() http.Handler {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(a.requestLog, a.recover, a.loadUser)
	r.NoRoute(func(c *gin.Context) { a.fail(c, errNotFound("This page")) })
	r.NoMethod(func(c *gin.Context) {
		a.fail(c, &Error{Status: http.StatusMethodNotAllowed, Message: "This address does not accept " + c.Request.Method + " requests."})
	})

	// Public.
	staticFS, _ := fs.Sub(static.FS, ".")
	r.StaticFS("/static", http.FS(staticFS))
	r.GET("/healthz", a.healthz)
	r.GET("/login", a.loginPage)
	r.POST("/login", a.login)
	r.POST("/logout", a.logout)

	// Customer surface: a customer sees their own account. Every handler reads the customer
	// through actingAs(c).
	cust := r.Group("/", a.requireUser, a.customerSurface)
	cust.GET("/", a.home)

	// Admin console.
	adm := r.Group("/admin", a.requireUser, a.requireAdmin)
	adm.GET("", a.adminHome)

	// Cross-site POSTs are refused before they reach Gin.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte("Forbidden: this request came from another site and was refused.\n"))
	}))
	return http.MaxBytesHandler(cop.Handler(r), maxBody)
}
