package wechat

import (
	"context"
	"errors"
	"fmt"
	"strconv"
)

// Kind says what the product should do about a failed WeChat call. Callers
// decide on the Kind, never on raw errcodes, so that the one place that maps
// errors to HTTP answers stays small.
type Kind int

const (
	// KindNone is the Kind of a nil error.
	KindNone Kind = iota
	// KindInvalidCode (40029): the js_code or phone code is wrong, expired or
	// for another appid. The mini program must call wx.login (or ask for the
	// phone) again.
	KindInvalidCode
	// KindCodeUsed (40163): the js_code was already exchanged. Our side should
	// de-duplicate so that this never reaches the user.
	KindCodeUsed
	// KindRiskBlocked (40226): WeChat flagged the user as high-risk and
	// intercepted the login. Block and audit.
	KindRiskBlocked
	// KindRateLimited (45011): too many calls, per user or per app.
	KindRateLimited
	// KindBusy (-1): WeChat is busy. The client has already retried with
	// backoff by the time a caller sees it.
	KindBusy
	// KindTokenInvalid (40001, 42001, 40014 on APIs that take an
	// access_token): the token was rejected. The client has already
	// invalidated it and replayed the call once.
	KindTokenInvalid
	// KindInvalidSignature (87009 from checksession/resetusersessionkey): the
	// session_key we hold is stale.
	KindInvalidSignature
	// KindConfig (40013, 40125, 40164, 45009, and 40001 from the token
	// endpoints): wrong appid or AppSecret, IP not whitelisted, or daily quota
	// spent. An operator has to act.
	KindConfig
	// KindUnavailable: network failure, timeout, HTTP non-2xx or a body that
	// is not JSON. WeChat may not even have seen the request.
	KindUnavailable
	// KindOther: any errcode not listed above, or an error that did not come
	// from the WeChat client.
	KindOther
)

var kindNames = [...]string{
	KindNone:             "none",
	KindInvalidCode:      "invalid_code",
	KindCodeUsed:         "code_used",
	KindRiskBlocked:      "risk_blocked",
	KindRateLimited:      "rate_limited",
	KindBusy:             "busy",
	KindTokenInvalid:     "token_invalid",
	KindInvalidSignature: "invalid_signature",
	KindConfig:           "config",
	KindUnavailable:      "unavailable",
	KindOther:            "other",
}

// String returns the snake_case name used in logs, metrics and API error codes.
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Error is a failed WeChat call. ErrCode and ErrMsg are WeChat's own (ErrMsg
// with any echoed query value masked); for
// KindUnavailable ErrCode is 0 and the cause (a network error, a timeout, an
// HTTP status) is reachable through errors.Unwrap. Nothing in it carries a
// secret: URLs inside the cause have their query values masked.
type Error struct {
	Endpoint string // "jscode2session", "getuserphonenumber", "stable_token", ...
	ErrCode  int
	ErrMsg   string
	Kind     Kind
	cause    error
}

func (e *Error) Error() string {
	if e.Kind == KindUnavailable {
		msg := "wechat " + e.Endpoint + ": unavailable"
		if e.cause != nil {
			msg += ": " + redactText(e.cause.Error())
		}
		return msg
	}
	msg := fmt.Sprintf("wechat %s: errcode %d (%s)", e.Endpoint, e.ErrCode, e.Kind)
	if e.ErrMsg != "" {
		msg += ": " + e.ErrMsg
	}
	if e.cause != nil {
		msg += ": " + redactText(e.cause.Error())
	}
	return msg
}

func (e *Error) Unwrap() error { return e.cause }

// KindOf returns the Kind of err: KindNone for nil, the Kind of the first
// *Error in the chain, KindUnavailable for a bare context error (the caller
// gave up before WeChat answered), and KindOther for anything else.
func KindOf(err error) Kind {
	if err == nil {
		return KindNone
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return KindUnavailable
	}
	return KindOther
}

// kindForErrCode maps WeChat's errcodes. The token endpoints answer 40001
// when the AppSecret is wrong, which is a configuration problem there and a
// token problem everywhere else.
func kindForErrCode(endpoint string, code int) Kind {
	switch code {
	case 0:
		return KindNone
	case -1:
		return KindBusy
	case 40029:
		return KindInvalidCode
	case 40003:
		// An openid the phone code was not issued to: for this user, the
		// code is as good as invalid.
		if endpoint == endpointPhoneNumber {
			return KindInvalidCode
		}
	case 40163:
		return KindCodeUsed
	case 40226:
		return KindRiskBlocked
	case 45011:
		return KindRateLimited
	case 40001:
		if endpoint == endpointStableToken || endpoint == endpointToken {
			return KindConfig
		}
		return KindTokenInvalid
	case 42001, 40014:
		return KindTokenInvalid
	case 87009:
		return KindInvalidSignature
	case 40013, 40125, 40164, 45009:
		return KindConfig
	}
	return KindOther
}
