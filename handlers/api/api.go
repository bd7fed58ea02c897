// Package api is the mini-program API: login, phone binding and the session,
// as JSON. Routes are in Routes; each resource has its file.
package api

import (
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mpauth/mpauth/handlers/httpx"
	"github.com/mpauth/mpauth/services"
)

// Handler serves the API from the services it is given.
type Handler struct {
	auth    *services.Auth
	phones  *services.Phones
	logger  *slog.Logger
	timeout time.Duration
}

// Deps are what the API needs.
type Deps struct {
	Auth           *services.Auth
	Phones         *services.Phones
	Logger         *slog.Logger
	RequestTimeout time.Duration
}

// New builds the API.
func New(d Deps) *Handler {
	return &Handler{auth: d.Auth, phones: d.Phones, logger: d.Logger, timeout: d.RequestTimeout}
}

// maxBody: the largest legitimate body (encryptedData) is a few KB.
const maxBody = 64 << 10

// Routes lists every route of the API.
func (h *Handler) Routes(r gin.IRouter) {
	v1 := r.Group("/api/v1", httpx.Timeout(h.timeout), httpx.BodyLimit(maxBody))
	v1.POST("/login", h.login)
	v1.GET("/me", h.authenticate, h.me)
	v1.POST("/phone", h.authenticate, h.phone)
	v1.POST("/logout", h.authenticate, h.logout)
	r.GET("/api/openapi.yaml", h.openAPI)
}

// fail answers an error from a service with the API's error body; a
// server-side failure is logged with its cause.
func (h *Handler) fail(c *gin.Context, err error) {
	p := httpx.ProblemOf(err)
	if p.Status >= 500 {
		h.logger.ErrorContext(c.Request.Context(), "request failed", "error_code", string(p.Code), "err", err.Error(), "route", httpx.Route(c), "request_id", httpx.RequestID(c))
	}
	httpx.JSON(c, p)
}
