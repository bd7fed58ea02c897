package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/mpauth/mpauth/services"
)

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"requestId"`
}

// statusOf is the one mapping from service error codes to HTTP statuses.
var statusOf = map[services.Code]int{
	services.CodeInvalidRequest:     http.StatusBadRequest,
	services.CodeUnauthorized:       http.StatusUnauthorized,
	services.CodeInvalidCode:        http.StatusBadRequest,
	services.CodeReloginRequired:    http.StatusUnauthorized,
	services.CodePhoneInUse:         http.StatusConflict,
	services.CodeRateLimited:        http.StatusTooManyRequests,
	services.CodeRiskBlocked:        http.StatusForbidden,
	services.CodeUserBlocked:        http.StatusForbidden,
	services.CodeForbidden:          http.StatusForbidden,
	services.CodeWeChatUnavailable:  http.StatusServiceUnavailable,
	services.CodeNotSupported:       http.StatusBadRequest,
	services.CodeNotFound:           http.StatusNotFound,
	services.CodeServiceUnavailable: http.StatusServiceUnavailable,
	services.CodeInternal:           http.StatusInternalServerError,
}

// writeServiceError maps any error from a service to the standard body.
// Untyped errors are logged with their cause and answered without it.
func (s *Server) writeServiceError(c *gin.Context, err error) {
	var se *services.Error
	if !errors.As(err, &se) {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			se = &services.Error{Code: services.CodeServiceUnavailable, Message: "The service is busy; try again in a moment."}
		} else {
			se = &services.Error{Code: services.CodeInternal, Message: "Something went wrong on our side; try again later."}
		}
	}
	status, ok := statusOf[se.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		s.deps.Logger.ErrorContext(c.Request.Context(), "request failed", "error_code", string(se.Code), "err", err.Error(), "route", routeOf(c), "request_id", requestIDOf(c))
	}
	if se.RetryAfter > 0 {
		secs := int(se.RetryAfter.Seconds() + 0.999)
		c.Header("Retry-After", strconv.Itoa(max(secs, 1)))
	}
	writeError(c, status, string(se.Code), se.Message)
}

func writeError(c *gin.Context, status int, code, message string) {
	c.Header("Cache-Control", "no-store")
	c.AbortWithStatusJSON(status, errorBody{Error: errorDetail{Code: code, Message: message, RequestID: requestIDOf(c)}})
}
