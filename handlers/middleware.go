package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

type ctxKey int

const requestIDKey ctxKey = iota

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
		c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), requestIDKey, id))
		c.Next()
	}
}

// requestIDOf is the typed accessor for the request id.
func requestIDOf(c *gin.Context) string {
	id, _ := c.Request.Context().Value(requestIDKey).(string)
	return id
}

// routeOf names the matched route pattern, never the raw path (a raw path
// may carry an id or a search term).
func routeOf(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}

// accessLog writes one line per request: route pattern, no query string, no
// body, so nothing a client sent can carry a secret into the log.
func (s *Server) accessLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		s.deps.Logger.InfoContext(c.Request.Context(), "request",
			"method", methodOf(c),
			"route", routeOf(c),
			"status", c.Writer.Status(),
			"duration_ms", float64(time.Since(start).Microseconds())/1000,
			"ip", c.ClientIP(),
			"request_id", requestIDOf(c),
		)
	}
}

func (s *Server) observe() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route, method := routeOf(c), methodOf(c)
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
				s.deps.Logger.ErrorContext(c.Request.Context(), "panic", "panic", rec, "route", routeOf(c), "request_id", requestIDOf(c))
				if !c.Writer.Written() {
					writeError(c, http.StatusInternalServerError, "internal", "Something went wrong on our side; try again later.")
				}
				c.Abort()
			}
		}()
		c.Next()
	}
}

// apiTimeout bounds a request, so a stuck dependency fails fast instead of
// holding a client past its own timeout.
func (s *Server) apiTimeout() gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), s.deps.RequestTimeout)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

const maxAPIBody = 64 << 10 // the largest legit body (encryptedData) is a few KB

func (s *Server) bodyLimit(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}

func (s *Server) notFound(c *gin.Context) {
	writeError(c, http.StatusNotFound, "not_found", "No such endpoint.")
}

func (s *Server) methodNotAllowed(c *gin.Context) {
	writeError(c, http.StatusMethodNotAllowed, "method_not_allowed", "This endpoint does not accept that method.")
}
