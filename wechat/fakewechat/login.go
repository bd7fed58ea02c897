package fakewechat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/mpauth/mpauth/wechat"
)

// codeTTL is how long a js_code or phone code lives (code2Session and
// getuserphonenumber documentation: five minutes).
const codeTTL = 5 * time.Minute

// Errors of the device API, which plays the phone rather than WeChat's
// server and so answers with Go errors (HTTP 400 on the wire).
var (
	ErrUnknownApp  = errors.New("fakewechat: unknown appid")
	ErrNoUser      = errors.New("fakewechat: user name is empty")
	ErrNotLoggedIn = errors.New("fakewechat: user has no login state in this app; call /_device/login first")
	ErrBadPhone    = errors.New(`fakewechat: phone must be E.164 ("+8613800138000", "+1 2025550123") or a bare mainland number ("13800138000")`)
)

type userKey struct{ appid, name string }

// user is one WeChat user as one app sees them.
type user struct {
	appid, name string
	openid      string
	// sessionKey is the live session_key, "" once WeChat dropped the login
	// state (ExpireSession). A replaced key is simply gone: WeChat keeps one.
	sessionKey string
	// loginsOnKey counts the logins the current key has served, for
	// RotateEveryN.
	loginsOnKey int
}

type loginCode struct {
	appid    string
	user     *user
	unionid  bool
	issuedAt time.Time
	used     bool
}

func (c *loginCode) expired(now time.Time) bool { return now.Sub(c.issuedAt) >= codeTTL }

// DeviceLogin plays wx.login for user in appid and returns the js_code. Per
// the rotation policy it may give the user a new session_key, which is
// WeChat's documented behaviour and the stale-key trap: ciphertext made
// before this login no longer decrypts with the key the next code2Session
// returns. wantUnionID makes this code's code2Session carry a unionid.
func (s *Server) DeviceLogin(appid, name string, wantUnionID bool) (string, error) {
	if _, ok := s.apps[appid]; !ok {
		return "", ErrUnknownApp
	}
	if name == "" {
		return "", ErrNoUser
	}
	code := s.randomCode()
	freshKey := s.newSessionKey()
	now := s.now()

	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)
	u := s.userLocked(appid, name)
	if s.rotatesOnLogin(u) {
		if u.sessionKey != "" {
			s.stats.add(func(st *Stats) { st.SessionKeysRotated++ })
		}
		u.sessionKey, u.loginsOnKey = freshKey, 0
	}
	u.loginsOnKey++
	s.stats.add(func(st *Stats) { st.DeviceLogins++ })
	s.loginCodes[code] = &loginCode{appid: appid, user: u, unionid: wantUnionID, issuedAt: now}
	return code, nil
}

func (s *Server) rotatesOnLogin(u *user) bool {
	if u.sessionKey == "" {
		return true
	}
	switch s.rotate {
	case RotateNever:
		return false
	case RotateEveryN:
		return u.loginsOnKey >= s.rotateEvery
	default:
		return true
	}
}

func (s *Server) userLocked(appid, name string) *user {
	k := userKey{appid, name}
	if u, ok := s.users[k]; ok {
		return u
	}
	u := &user{appid: appid, name: name, openid: OpenID(appid, name)}
	s.users[k] = u
	s.byOpenID[u.openid] = u
	return u
}

// jscode2session is code2Session. It answers with the user's current
// session_key, not the one current when the code was made: WeChat keeps one
// key per user, so an older code of a user who logged in again gets the
// newer key.
func (s *Server) jscode2session(r *http.Request, now time.Time) (any, *wechatError) {
	q := r.URL.Query()
	appid := q.Get("appid")
	if werr := s.checkApp(appid, q.Get("secret")); werr != nil {
		return nil, werr
	}
	if q.Get("grant_type") != "authorization_code" {
		return nil, errcode(errInvalidGrantType)
	}
	jsCode := q.Get("js_code")
	if jsCode == "" {
		return nil, errcode(errCodeMissing)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	c, found := s.loginCodes[jsCode]
	switch {
	case !found || c.appid != appid || c.expired(now):
		return nil, errcode(errInvalidCode)
	case c.used:
		return nil, errcode(errCodeUsed)
	}
	// WeChat saw the code, so even an intercepted login spends it.
	c.used = true
	u := c.user
	if s.faults.risky(appid, u.name) {
		return nil, errcode(errHighRiskUser)
	}
	if u.sessionKey == "" {
		// The login state this code opened was dropped since.
		return nil, errcode(errInvalidCode)
	}
	s.stats.add(func(st *Stats) { st.CodesExchanged++ })
	resp := wechat.Code2SessionResponse{OpenID: u.openid, SessionKey: u.sessionKey}
	if c.unionid || s.openPlatform[appid] {
		resp.UnionID = unionID(u.name)
	}
	return resp, nil
}

// newSessionKey returns a session_key: base64 of 16 random bytes, the AES-128
// key of the user's open data.
func (s *Server) newSessionKey() string {
	return base64.StdEncoding.EncodeToString(s.randomBytes(16))
}

// OpenID returns the openid of user in appid: stable across restarts (so a
// demo database stays valid), different per app like WeChat's, and shaped
// like one: "o" and 27 URL-safe characters.
func OpenID(appid, user string) string {
	return "o" + derive("openid", appid+"\x00"+user)
}

// unionID is the user's id across the apps of the fake's one open-platform
// account, so it depends on the user alone.
func unionID(user string) string {
	return "o" + derive("unionid", user)
}

func derive(purpose, s string) string {
	m := hmac.New(sha256.New, []byte("fakewechat "+purpose))
	m.Write([]byte(s))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:27]
}
