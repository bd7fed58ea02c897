// Package services holds the business flows (login, phone binding, sessions,
// admin actions). It speaks no HTTP: handlers translate its typed errors.
package services

import (
	"errors"
	"fmt"
	"time"
)

// Code is a stable, snake_case error code clients switch on.
type Code string

const (
	CodeInvalidRequest     Code = "invalid_request"
	CodeUnauthorized       Code = "unauthorized"
	CodeInvalidCode        Code = "invalid_code"
	CodeReloginRequired    Code = "relogin_required"
	CodePhoneInUse         Code = "phone_in_use"
	CodeRateLimited        Code = "rate_limited"
	CodeRiskBlocked        Code = "risk_blocked"
	CodeUserBlocked        Code = "user_blocked"
	CodeWeChatUnavailable  Code = "wechat_unavailable"
	CodeNotSupported       Code = "not_supported"
	CodeNotFound           Code = "not_found"
	CodeForbidden          Code = "forbidden"
	CodeServiceUnavailable Code = "service_unavailable"
	CodeInternal           Code = "internal"
)

// Error is a failure with a code and a message meant for the client. The
// cause stays server-side (logs, audit), never in Message.
type Error struct {
	Code       Code
	Message    string
	RetryAfter time.Duration // for rate_limited
	Cause      error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Cause)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Cause }

// Errorf builds an *Error.
func Errorf(code Code, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Cause: cause}
}

// ErrorCode returns the code of err, CodeInternal for untyped errors.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}
