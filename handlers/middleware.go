package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mpauth/mpauth/handlers/httpx"
)

// validRequestID accepts a caller's X-Request-ID only when it is a plain
// token, so it cannot inject text into log lines.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

func (s *Server) requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if !validRequestID.MatchString(id) {
			b := make([]byte, 12)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Header("X-Request-ID", id)
		httpx.WithRequestID(c, id)
		c.Next()
	}
}

// accessLog writes one line per request: route pattern, no query string, no
// body, so nothing a client sent can carry a secret into the log.
func (s *Server) accessLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		s.logger.InfoContext(c.Request.Context(), "request",
			"method", methodOf(c),
			"route", httpx.Route(c),
			"status", c.Writer.Status(),
			"duration_ms", float64(time.Since(start).Microseconds())/1000,
			"ip", c.ClientIP(),
			"request_id", httpx.RequestID(c),
		)
	}
}

func (s *Server) observe() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route, method := httpx.Route(c), methodOf(c)
		s.metrics.requests.WithLabelValues(route, method, strconv.Itoa(c.Writer.Status())).Inc()
		s.metrics.duration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
	}
}

// methodOf names the request method for metrics and logs. HTTP allows any
// token as a method, and every distinct label value is a series kept until
// the process exits, so a client inventing methods would grow our memory
// without bound; whatever is not a standard method counts as "other".
func methodOf(c *gin.Context) string {
	switch m := c.Request.Method; m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// recovery turns a panic into the standard error body: a bug must never
// reach the client as a dropped connection or a stack trace.
func (s *Server) recovery() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if rec := recover(); rec != nil {
				if rec == http.ErrAbortHandler {
					panic(rec)
				}
				s.logger.ErrorContext(c.Request.Context(), "panic", "panic", rec, "route", httpx.Route(c), "request_id", httpx.RequestID(c))
				if !c.Writer.Written() {
					httpx.JSON(c, httpx.ProblemOf(fmt.Errorf("panic: %v", rec)))
				}
				c.Abort()
			}
		}()
		c.Next()
	}
}
