package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mpauth/mpauth/handlers/httpx"
)

// healthz says the process is alive; it checks nothing else, so an
// orchestrator does not restart a healthy process over a database blip.
func (s *Server) healthz(c *gin.Context) {
	c.String(http.StatusOK, "ok")
}

// readyz says this instance should take traffic: the database answers and
// the schema is current.
func (s *Server) readyz(c *gin.Context) {
	if s.ready != nil {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
		defer cancel()
		if err := s.ready(ctx); err != nil {
			s.logger.WarnContext(ctx, "not ready", "err", err.Error(), "request_id", httpx.RequestID(c))
			c.String(http.StatusServiceUnavailable, "not ready")
			return
		}
	}
	c.String(http.StatusOK, "ready")
}
