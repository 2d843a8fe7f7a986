package handlers

import (
	"net/http"

	"chargedesk/errs"

	"github.com/gin-gonic/gin"
)

// Route is one customer-surface route. Write marks the routes that change the account;
// OwnerOnly the writes only the customer themself may make (never support, even with changes
// allowed: giving or taking back support's own access); Payment the writes of payment methods,
// which move money: through an impersonation only when it allows payments (paymentGuard, and
// access.CheckPaymentWrite in the domain).
type Route struct {
	Method, Path string
	Write        bool
	OwnerOnly    bool
	Payment      bool
	handler      gin.HandlerFunc
}

// customerRoutes is the customer surface: what a driver sees of their own account (and what
// an impersonating admin sees of theirs). Every handler reads the customer via actingAs(c).
func (a *App) customerRoutes() []Route {
	get := func(path string, h gin.HandlerFunc) Route {
		return Route{Method: http.MethodGet, Path: path, handler: h}
	}
	post := func(path string, h gin.HandlerFunc) Route {
		return Route{Method: http.MethodPost, Path: path, Write: true, handler: h}
	}
	own := func(path string, h gin.HandlerFunc) Route {
		return Route{Method: http.MethodPost, Path: path, Write: true, OwnerOnly: true, handler: h}
	}
	pay := func(path string, h gin.HandlerFunc) Route {
		return Route{Method: http.MethodPost, Path: path, Write: true, Payment: true, handler: h}
	}
	return []Route{
		get("/", a.home),
		get("/chargers", a.chargers),
		get("/chargers/:id", a.charger),
		get("/sessions", a.sessions),
		post("/sessions", a.startSession),
		get("/sessions/:id", a.session),
		get("/sessions/:id/stop", a.confirmStopCharging),
		post("/sessions/:id/stop", a.stopSession),
		get("/receipts/:id", a.receipt),
		get("/cards", a.cards),
		post("/cards", a.addCard),
		get("/cards/:id/block", a.confirmBlockCard()),
		post("/cards/:id/block", a.blockCard),
		get("/reservations", a.reservations),
		post("/reservations", a.createReservation),
		get("/reservations/:id/cancel", a.confirmCancelReservation()),
		post("/reservations/:id/cancel", a.cancelReservation),
		get("/payment-methods", a.paymentMethods),
		pay("/payment-methods", a.addPaymentMethod),
		pay("/payment-methods/:id/default", a.setDefaultPaymentMethod),
		get("/payment-methods/:id/delete", a.confirmRemovePaymentMethod()),
		pay("/payment-methods/:id/delete", a.deletePaymentMethod),
		get("/activity", a.activityPage),
		get("/activity/report", a.accessReport),
		own("/support-access", a.grantSupportAccess),
		own("/support-access/revoke", a.revokeSupportAccess),
		own("/support-access/requests/:id", a.answerConsent),
		own("/activity/notices", a.setNotices),
	}
}

// CustomerRoutes lists the customer surface (without handlers), so tests can be generated
// from it and a new route without a test case fails.
func (a *App) CustomerRoutes() []Route {
	rs := a.customerRoutes()
	for i := range rs {
		rs[i].handler = nil
	}
	return rs
}

// maxBody bounds every request body; forms here are small.
const maxBody = 1 << 20

// Routes returns the whole HTTP surface. Reading it tells a newcomer everything ChargeDesk
// answers, and behind which checks.
func (a *App) Routes() http.Handler {
	r := gin.New()
	// ClientIP is the peer address, or X-Forwarded-For's when the peer is a trusted proxy
	// (--trusted-proxy; none by default).
	proxies := make([]string, len(a.proxies))
	for i, p := range a.proxies {
		proxies[i] = p.String()
	}
	r.SetTrustedProxies(proxies)
	r.RemoteIPHeaders = []string{"X-Forwarded-For"}
	r.HandleMethodNotAllowed = true
	r.Use(a.requestLog, a.recover, a.securityHeaders, a.allowedHost, a.cleanQuery, a.readForm, a.loadUser, noStore)
	r.NoRoute(func(c *gin.Context) { a.fail(c, errNotFound("This page")) })
	r.NoMethod(func(c *gin.Context) {
		a.fail(c, &errs.Error{Code: errs.WrongMethod, Message: "This address does not accept " + c.Request.Method + " requests."})
	})

	// Public.
	r.GET("/static/*file", a.static)
	r.GET("/favicon.ico", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/static/favicon.svg") })
	r.GET("/healthz", a.healthz)
	r.GET("/metrics", a.requireUser, a.requireFactor, a.requireStaff, a.metricsPage) // Prometheus text, for staff
	r.GET("/login", a.loginPage)
	r.POST("/login", a.login)
	r.POST("/logout", a.logout)
	r.GET("/login/sso", a.ssoStart) // single sign-on for staff (OpenID Connect)
	r.GET("/login/sso/callback", a.ssoFinish)
	r.GET("/login/verify", a.loginVerifyPage) // the second step, after a right password
	r.POST("/login/verify", a.loginVerify)
	r.POST("/login/passkey", a.passkeyOptions) // a passkey challenge: second step or step-up
	r.GET("/password/set", a.passwordSetPage)
	r.POST("/password/set", a.passwordSet)
	// Signed in, whoever you are: your own sign-in security. A staff member who owes a
	// factor reaches these (to enrol) and nothing else.
	r.GET("/account/security", a.requireUser, a.accountSecurity)
	r.POST("/account/password", a.requireUser, a.requireFactor, a.changePassword)
	r.POST("/account/confirm", a.requireUser, a.requireFactor, a.stepUp, a.confirmFactor)
	r.POST("/account/totp", a.requireUser, a.stepUpToAdd, a.beginTOTP)
	r.POST("/account/totp/confirm", a.requireUser, a.confirmTOTP)
	r.POST("/account/passkeys/options", a.requireUser, a.stepUpToAdd, a.passkeyNewOptions)
	r.POST("/account/passkeys", a.requireUser, a.stepUpToAdd, a.addPasskey)
	r.POST("/account/factors/:id/delete", a.requireUser, a.requireFactor, a.stepUp, a.removeFactor)
	r.POST("/account/recovery-codes", a.requireUser, a.requireFactor, a.stepUp, a.newRecoveryCodes)
	r.POST("/account/sessions/end", a.requireUser, a.requireFactor, a.stepUp, a.endSession)
	r.POST("/account/sessions/end-others", a.requireUser, a.requireFactor, a.stepUp, a.endOtherSessions)
	// Charge points (OCPP 1.6J over a WebSocket, Basic auth per charge point).
	r.GET("/ocpp/1.6/:id", a.ocppConnect)

	// Customer surface: a customer sees their own account. Every handler reads the customer
	// through actingAs(c).
	cust := r.Group("/", a.requireUser, a.requireFactor, a.customerSurface)
	for _, rt := range a.customerRoutes() {
		if rt.Payment {
			cust.Handle(rt.Method, rt.Path, a.paymentGuard, rt.handler)
			continue
		}
		cust.Handle(rt.Method, rt.Path, rt.handler)
	}

	// The console, for staff (support and admins); the admin tools for admins only.
	// Sensitive actions (step) need a second factor used within the step-up window.
	adm := r.Group("/admin", a.requireUser, a.requireFactor, a.requireStaff)
	step, admin := a.stepUp, a.requireAdmin
	adm.GET("", a.adminHome)
	adm.GET("/customers", a.adminCustomers)
	adm.GET("/customers/quick", a.quickSearch)
	adm.GET("/customers/:id", a.adminCustomer)
	adm.GET("/customers/:id/impersonate", a.adminImpersonate)
	adm.GET("/customers/:id/access-report", a.consoleAccessReport)
	adm.POST("/customers/:id/consent", a.askConsent) // ask the customer for access (consent on request)
	adm.GET("/impersonate", a.impersonateLink)       // a ticket's deep link: the start form, prefilled
	adm.POST("/charges/:id/refund", admin, step, a.refund)
	adm.POST("/reservations/:id/restore", admin, step, a.restoreReservation)
	adm.POST("/cards/:id/reissue", admin, step, a.reissueCard)
	adm.POST("/sessions/:id/force-stop", admin, step, a.forceStop)
	adm.POST("/sessions/:id/release", admin, step, a.releaseSession)
	adm.POST("/sessions/:id/void", admin, step, a.voidSession)
	adm.GET("/chargers", a.adminChargers)
	adm.POST("/chargers", admin, step, a.registerCharger)
	adm.GET("/chargers/:id", a.adminCharger)
	adm.POST("/chargers/:id/password", admin, step, a.chargerPassword)
	adm.POST("/chargers/:id/call", admin, step, a.chargerCall)
	adm.GET("/audit", a.adminAudit)
	adm.GET("/impersonations", a.adminImpersonations)
	adm.GET("/impersonations/:id", a.adminImpersonation)
	adm.GET("/receipts/:id", a.consoleReceipt)
	adm.GET("/receipts/:id/session.json", a.receiptInputs) // what the receipt was priced from
	adm.GET("/receipts/:id/tariff.json", a.receiptInputs)
	adm.GET("/staff", admin, a.adminStaff)
	adm.GET("/reviews", admin, a.adminReviews) // access reviews: every staff account, decided and signed off
	adm.POST("/reviews", admin, step, a.startReview)
	adm.GET("/reviews/:id", admin, a.adminReview)
	adm.POST("/reviews/:id/decisions", admin, step, a.decideReview)
	adm.POST("/reviews/:id/signoff", admin, step, a.signOffReview)
	adm.POST("/staff", admin, step, a.createStaff)
	adm.POST("/staff/:id/role", admin, step, a.staffRole)
	adm.POST("/staff/:id/status", admin, step, a.accountStatus(func(_ int64, done string) string { return "/admin/staff?done=" + done }))
	adm.POST("/staff/:id/link", admin, step, a.staffLink)
	adm.POST("/staff/:id/factors/reset", admin, step, a.resetFactors)
	adm.POST("/staff/:id/signout", admin, step, a.staffSignOut)
	adm.POST("/customers/:id/status", admin, step, a.accountStatus(func(id int64, done string) string {
		return "/admin/customers/" + itoa(id) + "?notice=" + done + "#account"
	}))
	adm.GET("/webhooks", admin, a.adminWebhooks)
	adm.POST("/approvals/:id/approve", step, a.approveImpersonation)
	adm.GET("/approvals/badge", a.approvalsBadge) // the nav's count, polled
	adm.GET("/approvals/:id", a.approvalWaiting)  // the requester's waiting page, self-updating
	adm.POST("/customers/:id/protect", admin, step, a.protectCustomer)
	adm.GET("/settings", a.adminSettings)
	adm.POST("/settings/impersonation", admin, step, a.setImpersonationSwitch)
	adm.GET("/tariffs", a.adminTariffs)
	adm.GET("/tariffs/:id", a.adminTariff)

	// Impersonation API: start is for admins (checked inside, so that a refusal is audited)
	// and steps up; end and extend act only on the caller's own impersonation.
	// Ending is never held up by a factor.
	api := r.Group("/api/customer/impersonation", a.requireUser)
	api.POST("/start", a.requireFactor, a.stepUpStaff, a.startImpersonation)
	api.POST("/end", a.endImpersonationRoute)
	api.POST("/extend", a.requireFactor, a.extendImpersonation)
	api.GET("/end", a.endPage)

	// Cross-site POSTs are refused before they reach Gin.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte("Forbidden: this request came from another site and was refused.\n"))
	}))
	return headAsGet(http.MaxBytesHandler(cop.Handler(r), maxBody))
}
