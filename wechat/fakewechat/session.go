package fakewechat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/mpauth/mpauth/wechat"
)

// checkSession is GET /wxa/checksession: errcode 0 while the signature
// matches the user's live session_key, 87009 otherwise.
func (s *Server) checkSession(r *http.Request, now time.Time) (any, *wechatError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, werr := s.signedUserLocked(r, now); werr != nil {
		return nil, werr
	}
	return okBody, nil
}

// resetUserSessionKey is GET /wxa/resetusersessionkey: the signature must
// match the live session_key, which is then replaced; the old key dies.
func (s *Server) resetUserSessionKey(r *http.Request, now time.Time) (any, *wechatError) {
	fresh := s.newSessionKey()
	s.mu.Lock()
	defer s.mu.Unlock()
	u, werr := s.signedUserLocked(r, now)
	if werr != nil {
		return nil, werr
	}
	u.sessionKey, u.loginsOnKey = fresh, 0
	s.stats.add(func(st *Stats) { st.SessionKeysReset++ })
	return struct {
		okEnvelope
		wechat.ResetSessionKeyResponse
	}{okBody, wechat.ResetSessionKeyResponse{OpenID: u.openid, SessionKey: fresh}}, nil
}

// signedUserLocked checks what checksession and resetusersessionkey share:
// the token, the openid (41009 missing, 40003 not a user of the token's
// app), sig_method (only hmac_sha256; anything else is 40097) and the
// signature (87009 when it does not match, or the login state is gone).
func (s *Server) signedUserLocked(r *http.Request, now time.Time) (*user, *wechatError) {
	q := r.URL.Query()
	appid, werr := s.appForTokenLocked(q, now)
	if werr != nil {
		return nil, werr
	}
	openid := q.Get("openid")
	if openid == "" {
		return nil, errcode(errOpenIDMissing)
	}
	u := s.byOpenID[openid]
	if u == nil || u.appid != appid {
		return nil, errcode(errInvalidOpenID)
	}
	if q.Get("sig_method") != "hmac_sha256" {
		return nil, errcode(errInvalidArgs)
	}
	if u.sessionKey == "" || !hmac.Equal([]byte(q.Get("signature")), []byte(sessionSignature(u.sessionKey))) {
		return nil, errcode(errInvalidSignature)
	}
	return u, nil
}

// sessionSignature is the signature checksession and resetusersessionkey
// expect: lowercase hex of HMAC-SHA256 over the empty string, keyed with the
// session_key's base64 text as bytes (not the 16 decoded bytes). Two
// well-known SDKs first got this wrong, one sending raw bytes, so the fake
// accepts exactly this form and nothing else.
func sessionSignature(sessionKey string) string {
	m := hmac.New(sha256.New, []byte(sessionKey))
	return hex.EncodeToString(m.Sum(nil))
}

// DeviceCheckSession plays wx.checkSession: true while the user holds a live
// login state in appid, that is, logged in at least once and WeChat has not
// dropped it since (ExpireSession). A server-side resetusersessionkey
// replaces the key but keeps the login state, because the server asked for
// it and got the new key; the device never sees keys.
func (s *Server) DeviceCheckSession(appid, name string) (bool, error) {
	if _, ok := s.apps[appid]; !ok {
		return false, ErrUnknownApp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.add(func(st *Stats) { st.DeviceCheckSessions++ })
	u := s.users[userKey{appid, name}]
	return u != nil && u.sessionKey != "", nil
}

// ExpireSession plays WeChat dropping a user's login state: the session_key
// dies (checksession answers 87009, the device's wx.checkSession fails, the
// device cannot make phone data) until the next wx.login.
func (s *Server) ExpireSession(appid, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[userKey{appid, name}]; u != nil {
		u.sessionKey, u.loginsOnKey = "", 0
	}
	s.log.Info("fakewechat: login state expired", "appid", appid)
}

// SessionKey returns the user's live session_key, for tests that check what
// the server stored. It is a test hook: WeChat never reveals a key this way.
func (s *Server) SessionKey(appid, name string) (wechat.SessionKey, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[userKey{appid, name}]
	if u == nil || u.sessionKey == "" {
		return "", false
	}
	return wechat.SessionKey(u.sessionKey), true
}
