// Package handlers is the HTTP layer and the only one that knows Gin. It
// builds the server: the middleware every request passes, health and
// readiness, and the product's two faces, each in its own package: the
// mini-program API (handlers/api) and the admin dashboard
// (handlers/dashboard). What both use lives in handlers/httpx.
package handlers

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mpauth/mpauth/handlers/api"
	"github.com/mpauth/mpauth/handlers/dashboard"
	"github.com/mpauth/mpauth/handlers/httpx"
	"github.com/mpauth/mpauth/services"
	"github.com/mpauth/mpauth/services/admin"
)

// Deps are the services and settings the HTTP layer is built from.
type Deps struct {
	Logger         *slog.Logger         // default: discard
	Registry       *prometheus.Registry // default: a registry of its own
	Ready          func(ctx context.Context) error
	TrustedProxies []string
	// ClientIPHeader is the one header that carries the client's address
	// (default X-Forwarded-For), believed only from TrustedProxies.
	ClientIPHeader string
	Production     bool
	RequestTimeout time.Duration // default 15 s

	// The mini-program API; without Auth it is not mounted.
	Auth   *services.Auth
	Phones *services.Phones
	// The dashboard; without Accounts it is not mounted.
	Accounts  *admin.Accounts
	Sessions  *admin.Sessions
	Dashboard *admin.Dashboard

	// FakeWeChat is mounted under /_fakewechat in demo mode only, so the
	// /demo page and the sample mini program can play the phone.
	FakeWeChat http.Handler
	DemoAppID  string
}

// Quiet puts the HTTP layer in release mode for the whole process (Gin's
// mode is global), whatever GIN_MODE says: no route list or debug warning
// reaches the output. Called once, at start-up.
func Quiet() { gin.SetMode(gin.ReleaseMode) }

// Server is the HTTP application.
type Server struct {
	logger  *slog.Logger
	ready   func(ctx context.Context) error
	metrics *httpMetrics
}

// NewServer builds the router: middleware, health, both faces and what
// answers when no route matches. It changes nothing it is given.
func NewServer(d Deps) (http.Handler, error) {
	s := &Server{logger: d.Logger, ready: d.Ready}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	reg := d.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m, err := newHTTPMetrics(reg)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	timeout := cmp.Or(d.RequestTimeout, 15*time.Second)

	r := gin.New()
	r.ContextWithFallback = true
	r.HandleMethodNotAllowed = true
	// The client address comes from one header, named by the operator, and
	// only when the peer is a configured proxy. Gin also believes X-Real-IP
	// by default: behind a proxy that sets one header and passes the other
	// through, a client could choose its own address and rate-limit bucket.
	if err := r.SetTrustedProxies(d.TrustedProxies); err != nil {
		return nil, err
	}
	r.RemoteIPHeaders = []string{cmp.Or(d.ClientIPHeader, "X-Forwarded-For")}

	r.Use(s.recovery(), s.requestID(), s.accessLog(), s.observe())
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	fallback := []gin.HandlerFunc{s.noRoute}

	if d.Auth != nil {
		api.New(api.Deps{Auth: d.Auth, Phones: d.Phones, Logger: s.logger, RequestTimeout: timeout}).Routes(r)
	}
	if d.Accounts != nil {
		dash, err := dashboard.New(dashboard.Deps{
			Accounts: d.Accounts, Sessions: d.Sessions, Dashboard: d.Dashboard,
			Logger: s.logger, Production: d.Production, RequestTimeout: timeout, DemoAppID: d.DemoAppID,
		})
		if err != nil {
			return nil, err
		}
		dash.Routes(r)
		fallback = append([]gin.HandlerFunc{dash.Fallback}, fallback...)
	}
	if d.FakeWeChat != nil {
		r.Any("/_fakewechat/*path", gin.WrapH(http.StripPrefix("/_fakewechat", d.FakeWeChat)))
	}
	r.NoRoute(fallback...)
	r.NoMethod(fallback...)
	return r, nil
}

// noRoute answers what no route serves with the API's JSON error (404, or
// 405 for a path that takes other methods).
func (s *Server) noRoute(c *gin.Context) {
	if c.Writer.Status() == http.StatusMethodNotAllowed {
		httpx.JSON(c, httpx.ProblemOf(httpx.ErrMethod))
		return
	}
	httpx.JSON(c, httpx.ProblemOf(httpx.ErrNoRoute))
}
