// Package httpx holds the HTTP pieces both faces (the mini-program API and
// the dashboard) share: the one place an error becomes a status and a code,
// request metadata, binding, and per-route limits.
package httpx

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mpauth/mpauth/services"
)

// Problem is an error as a client sees it: the status, our stable code and
// a message meant for the client. The cause stays server-side.
type Problem struct {
	Status     int
	Code       services.Code
	Message    string
	RetryAfter time.Duration
}

// statusOf is the one table from error codes to HTTP statuses.
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

var (
	// ErrBodyTooLarge: the request body passed the route's limit (413).
	ErrBodyTooLarge = &services.Error{Code: services.CodeInvalidRequest, Message: "The request body is too large."}
	// ErrNoRoute and ErrMethod answer what no route serves (404, 405).
	ErrNoRoute = &services.Error{Code: services.CodeNotFound, Message: "No such endpoint."}
	ErrMethod  = &services.Error{Code: "method_not_allowed", Message: "This endpoint does not accept that method."}

	errInternal = &services.Error{Code: services.CodeInternal, Message: "Something went wrong on our side; try again later."}
	errBusy     = &services.Error{Code: services.CodeServiceUnavailable, Message: "The service is busy; try again in a moment."}
)

// ProblemOf classifies any error: a typed service error keeps its code and
// message; a cancelled or timed-out request is busy; anything else is ours,
// and says nothing of its cause.
func ProblemOf(err error) Problem {
	var se *services.Error
	switch {
	case errors.As(err, &se):
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		se = errBusy
	default:
		se = errInternal
	}
	status, ok := statusOf[se.Code]
	switch {
	case se == ErrBodyTooLarge:
		status = http.StatusRequestEntityTooLarge
	case se == ErrMethod:
		status = http.StatusMethodNotAllowed
	case !ok:
		status = http.StatusInternalServerError
	}
	return Problem{Status: status, Code: se.Code, Message: se.Message, RetryAfter: se.RetryAfter}
}

// StatusOf is the status an error code answers with.
func StatusOf(code services.Code) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// SetRetryAfter sets Retry-After (whole seconds, at least 1) when the
// problem says to wait.
func SetRetryAfter(c *gin.Context, p Problem) {
	if p.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(max(1, int(p.RetryAfter.Seconds()+0.999))))
	}
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"requestId"`
}

// JSON answers a problem with the API's error body and ends the request.
func JSON(c *gin.Context, p Problem) {
	SetRetryAfter(c, p)
	c.Header("Cache-Control", "no-store")
	c.AbortWithStatusJSON(p.Status, errorBody{Error: errorDetail{Code: string(p.Code), Message: p.Message, RequestID: RequestID(c)}})
}
