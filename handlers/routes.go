package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// routes lists every route and middleware on one screen.
func (s *Server) routes(r *gin.Engine) {
	r.Use(s.recovery(), s.requestID(), s.accessLog(), s.observe())
	r.NoRoute(s.adminNotFound, s.notFound)
	r.NoMethod(s.adminMethodNotAllowed, s.methodNotAllowed)

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)

	if api := s.deps.API; api != nil {
		v1 := r.Group("/api/v1", s.apiTimeout(), s.bodyLimit(maxAPIBody))
		v1.POST("/login", api.login)
		v1.GET("/me", api.authenticate, api.me)
		v1.POST("/phone", api.authenticate, api.phone)
		v1.POST("/logout", api.authenticate, api.logout)
		r.GET("/api/openapi.yaml", api.openAPI)
	}

	s.adminRoutes(r)

	if s.deps.FakeWeChat != nil {
		r.Any("/_fakewechat/*path", gin.WrapH(http.StripPrefix("/_fakewechat", s.deps.FakeWeChat)))
		if s.deps.Admin != nil {
			r.GET("/demo", s.deps.Admin.securityHeaders, s.demo)
		}
	}
}
