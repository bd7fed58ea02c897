package httpx

import (
	"context"

	"github.com/gin-gonic/gin"

	"github.com/mpauth/mpauth/services"
)

type ctxKey int

const requestIDKey ctxKey = iota

// WithRequestID stores a request's id in its context.
func WithRequestID(c *gin.Context, id string) {
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), requestIDKey, id))
}

// RequestID is the typed accessor for the request id.
func RequestID(c *gin.Context) string {
	id, _ := c.Request.Context().Value(requestIDKey).(string)
	return id
}

// Route names the matched route pattern, never the raw path (a raw path
// may carry an id or a search term).
func Route(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}

// Meta is what the HTTP layer knows about a request, for the audit trail.
func Meta(c *gin.Context) services.Meta {
	return services.Meta{IP: c.ClientIP(), UserAgent: c.Request.UserAgent(), RequestID: RequestID(c)}
}
