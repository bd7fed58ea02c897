package wechat

import (
	"context"
	"net/http"
	"net/url"
)

// Session is what code2Session yields. SessionKey must never leave the
// server.
type Session struct {
	OpenID     string
	UnionID    string // empty unless the app is bound to an open-platform account
	SessionKey SessionKey
}

// Code2Session exchanges a wx.login code for the user's openid and
// session_key (GET /sns/jscode2session). The code is single-use and lives 5
// minutes; a second wx.login may rotate the session_key.
func (c *Client) Code2Session(ctx context.Context, appID, jsCode string) (Session, error) {
	secret, err := c.appSecret(ctx, appID, endpointCode2Session)
	if err != nil {
		return Session{}, err
	}
	var r Code2SessionResponse
	err = c.do(ctx, request{
		endpoint: endpointCode2Session,
		method:   http.MethodGet,
		path:     "/sns/jscode2session",
		query: url.Values{
			"appid":      {appID},
			"secret":     {secret.Reveal()},
			"js_code":    {jsCode},
			"grant_type": {"authorization_code"},
		},
	}, &r)
	if err != nil {
		return Session{}, err
	}
	if r.OpenID == "" || r.SessionKey == "" {
		return Session{}, incomplete(endpointCode2Session, "openid or session_key")
	}
	return Session{OpenID: r.OpenID, UnionID: r.UnionID, SessionKey: SessionKey(r.SessionKey)}, nil
}

// CheckSession asks WeChat whether key is still the user's current
// session_key (GET /wxa/checksession). A stale key fails with
// KindInvalidSignature (87009).
func (c *Client) CheckSession(ctx context.Context, appID, openID string, key SessionKey) error {
	return c.withToken(ctx, appID, endpointCheckSession, func(token Secret) error {
		var r BaseResponse
		return c.do(ctx, request{
			endpoint:   endpointCheckSession,
			method:     http.MethodGet,
			path:       "/wxa/checksession",
			query:      signedSessionQuery(token, openID, key),
			idempotent: true,
		}, &r)
	})
}

// ResetUserSessionKey makes WeChat issue a new session_key for the user
// (GET /wxa/resetusersessionkey), proving we hold the current one. The old
// key is dead once this succeeds.
func (c *Client) ResetUserSessionKey(ctx context.Context, appID, openID string, key SessionKey) (SessionKey, error) {
	var fresh SessionKey
	err := c.withToken(ctx, appID, endpointResetSessionKey, func(token Secret) error {
		var r ResetSessionKeyResponse
		err := c.do(ctx, request{
			endpoint: endpointResetSessionKey,
			method:   http.MethodGet,
			path:     "/wxa/resetusersessionkey",
			query:    signedSessionQuery(token, openID, key),
		}, &r)
		if err != nil {
			return err
		}
		if r.SessionKey == "" {
			return incomplete(endpointResetSessionKey, "session_key")
		}
		fresh = SessionKey(r.SessionKey)
		return nil
	})
	return fresh, err
}

func signedSessionQuery(token Secret, openID string, key SessionKey) url.Values {
	return url.Values{
		"access_token": {token.Reveal()},
		"openid":       {openID},
		"signature":    {SessionSignature(key)},
		"sig_method":   {"hmac_sha256"},
	}
}
