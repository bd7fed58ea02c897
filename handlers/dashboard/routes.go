package dashboard

import (
	"net/http"

	ginsessions "github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"github.com/mpauth/mpauth/handlers/httpx"
	"github.com/mpauth/mpauth/static"
)

// maxForm bounds a dashboard form body (the largest is a filter form).
const maxForm = 64 << 10

// Routes lists every dashboard route. Reads are GET; everything that
// changes state (or is audited, like an export or a reveal) is POST behind
// the cross-origin check. Searches that may carry a phone number are POST
// too, so the number never lands in a URL or an access log.
func (a *Handler) Routes(r gin.IRouter) {
	r.GET("/admin", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/admin/") })
	r.GET(staticPrefix+"*filepath", staticHandler(static.FS))
	if a.demoAppID != "" {
		r.GET("/demo", a.securityHeaders, a.demo)
	}

	g := r.Group("/admin", a.securityHeaders, a.crossOrigin, httpx.BodyLimit(maxForm), ginsessions.Sessions(a.cookieName, a.store))
	g.GET("/login", a.loginForm)
	g.POST("/login", httpx.Timeout(a.timeout), a.login)
	g.POST("/lang", a.setLang)

	in := g.Group("", a.requireSignIn)
	in.POST("/logout", a.logout)

	pages := in.Group("", httpx.Timeout(a.timeout))
	pages.GET("/", a.overview)

	pages.GET("/users", a.users)
	pages.POST("/users", a.users)
	pages.GET("/users/:id", a.user)
	pages.POST("/users/:id/block", a.blockUser)
	pages.POST("/users/:id/unblock", a.unblockUser)
	pages.POST("/users/:id/sessions/revoke", a.revokeAllSessions)
	pages.POST("/users/:id/sessions/:sid/revoke", a.revokeSession)
	pages.GET("/users/:id/reveal", a.revealForm)
	pages.POST("/users/:id/reveal", a.reveal)

	pages.GET("/phones", a.phones)
	pages.POST("/phones", a.phones)

	pages.GET("/audit/logins", a.loginAudit)
	pages.GET("/audit/admin", a.adminAudit)

	// Exports stream for as long as the download takes: no request timeout.
	in.POST("/users/export", a.exportUsers)
	in.POST("/phones/export", a.exportPhones)
	in.POST("/audit/logins/export", a.exportLoginAudit)
	in.POST("/audit/admin/export", a.exportAdminAudit)
}
