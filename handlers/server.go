// Package handlers is the HTTP layer and the only package that imports Gin.
// It binds requests, calls services and maps their errors; nothing else.
package handlers

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// Deps are everything the HTTP layer needs, wired by main.
type Deps struct {
	Logger         *slog.Logger
	Registry       *prometheus.Registry
	Ready          func(ctx context.Context) error // database reachable, migrations current
	TrustedProxies []string
	// ClientIPHeader is the one header that carries the client's address
	// (default X-Forwarded-For), believed only from TrustedProxies.
	ClientIPHeader string
	Production     bool
	RequestTimeout time.Duration

	API   *APIDeps   // the mini-program API; nil leaves it unmounted (tests of other parts)
	Admin *AdminDeps // the admin dashboard under /admin/; nil leaves it unmounted

	// FakeWeChat is mounted under /_fakewechat in demo mode only, so the demo
	// page and the sample mini program can play the phone.
	FakeWeChat http.Handler
	DemoAppID  string // the fake's app, for the /demo page
}

// Server is the HTTP application.
type Server struct {
	deps    Deps
	metrics *httpMetrics
}

// NewServer builds the router with every route and middleware.
func NewServer(d Deps) (http.Handler, error) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	if d.RequestTimeout == 0 {
		d.RequestTimeout = 15 * time.Second
	}
	s := &Server{deps: d}
	m, err := newHTTPMetrics(d.Registry)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	if d.API != nil {
		d.API.errs = s.writeServiceError
	}

	if d.Admin != nil {
		if err := d.Admin.setup(d.Logger, d.Production); err != nil {
			return nil, err
		}
	}

	gin.SetMode(gin.ReleaseMode)
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
	s.routes(r)
	return r, nil
}
