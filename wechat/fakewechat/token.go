package fakewechat

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"time"

	"github.com/mpauth/mpauth/wechat"
)

const (
	// tokenTTL is expires_in of a fresh token.
	tokenTTL = 7200 * time.Second
	// tokenOverlap is both the grace a superseded classic token keeps
	// working, and the window before a stable token's expiry in which a
	// normal stable_token call already gets the next token.
	tokenOverlap = 5 * time.Minute
	// expiredRetention keeps an expired token known for a day, so that it
	// answers 42001 (expired) rather than 40001 (unknown) like WeChat's.
	expiredRetention = 24 * time.Hour
	// maxTokenLen: WeChat asks callers to reserve 512 characters.
	maxTokenLen = 512

	// WeChat allows a forced stable_token refresh 20 times a day, at least
	// 30 s apart.
	forceDailyLimit = 20
	forceInterval   = 30 * time.Second
)

type accessToken struct {
	value     string
	appid     string
	expiresAt time.Time
	// diesAt is when a superseded classic token stops working; zero while
	// the token is the newest.
	diesAt time.Time
}

func (t *accessToken) dead(now time.Time) bool {
	return !t.diesAt.IsZero() && !now.Before(t.diesAt)
}

func (t *accessToken) expired(now time.Time) bool { return !now.Before(t.expiresAt) }

func (t *accessToken) prunable(now time.Time) bool {
	return t.dead(now) || !now.Before(t.expiresAt.Add(expiredRetention))
}

func (t *accessToken) expiresIn(now time.Time) int {
	return int(t.expiresAt.Sub(now) / time.Second)
}

// stableTokens is one app's stable_token state: the current token, and the
// next one once a caller asked within the last five minutes of current.
type stableTokens struct {
	current, next *accessToken
}

// forceQuota tracks forced stable_token refreshes for WeChat's limits.
type forceQuota struct {
	last  time.Time
	day   string
	count int
}

// token is GET /cgi-bin/token. Every call issues a new token; the previous
// newest one keeps working for tokenOverlap, then dies with 40001. Older
// ones already have their deadline. This is why servers that each fetch
// their own classic token invalidate each other.
func (s *Server) token(r *http.Request, now time.Time) (any, *wechatError) {
	q := r.URL.Query()
	appid := q.Get("appid")
	if werr := s.checkApp(appid, q.Get("secret")); werr != nil {
		return nil, werr
	}
	if q.Get("grant_type") != "client_credential" {
		return nil, errcode(errInvalidGrantType)
	}
	value := s.newTokenValue()

	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)
	if prev := s.classic[appid]; prev != nil && prev.diesAt.IsZero() {
		prev.diesAt = now.Add(tokenOverlap)
	}
	t := s.issueLocked(appid, value, now)
	s.classic[appid] = t
	return wechat.TokenResponse{AccessToken: t.value, ExpiresIn: t.expiresIn(now)}, nil
}

// stableToken is POST /cgi-bin/stable_token. In normal mode every caller
// gets the same token until its last tokenOverlap, when the next token is
// handed out early (the old one still works until it expires). A forced
// refresh kills current and next at once. Stable and classic tokens never
// affect each other.
func (s *Server) stableToken(r *http.Request, now time.Time) (any, *wechatError) {
	var req wechat.StableTokenRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, errcode(errDataFormat)
	}
	if req.ForceRefresh {
		s.stats.add(func(st *Stats) { st.StableTokenForced++ })
	}
	if werr := s.checkApp(req.AppID, req.Secret); werr != nil {
		return nil, werr
	}
	if req.GrantType != "client_credential" {
		return nil, errcode(errInvalidGrantType)
	}
	value := s.newTokenValue()

	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)
	st := s.stable[req.AppID]
	if st == nil {
		st = &stableTokens{}
		s.stable[req.AppID] = st
	}
	if req.ForceRefresh {
		if werr := s.spendForceLocked(req.AppID, now); werr != nil {
			return nil, werr
		}
		s.killLocked(st.current)
		s.killLocked(st.next)
		st.current, st.next = s.issueLocked(req.AppID, value, now), nil
		return wechat.TokenResponse{AccessToken: value, ExpiresIn: st.current.expiresIn(now)}, nil
	}

	if st.current == nil || st.current.expired(now) {
		// The token handed out early takes over.
		st.current, st.next = st.next, nil
	}
	var t *accessToken
	switch {
	case st.current == nil || st.current.expired(now):
		st.current = s.issueLocked(req.AppID, value, now)
		t = st.current
	case !now.Before(st.current.expiresAt.Add(-tokenOverlap)):
		if st.next == nil {
			st.next = s.issueLocked(req.AppID, value, now)
		}
		t = st.next
	default:
		t = st.current
	}
	// expires_in is what is left, "a value within 7200 s".
	return wechat.TokenResponse{AccessToken: t.value, ExpiresIn: t.expiresIn(now)}, nil
}

func (s *Server) spendForceLocked(appid string, now time.Time) *wechatError {
	q := s.forced[appid]
	if q == nil {
		q = &forceQuota{}
		s.forced[appid] = q
	}
	day := wechat.BillingDay(now) // WeChat's day boundary for daily quotas
	if q.day != day {
		q.day, q.count = day, 0
	}
	switch {
	case q.count >= forceDailyLimit:
		return errcode(errDailyQuota)
	case !q.last.IsZero() && now.Sub(q.last) < forceInterval:
		return errcode(errTooFrequent)
	}
	q.last = now
	q.count++
	return nil
}

func (s *Server) issueLocked(appid, value string, now time.Time) *accessToken {
	t := &accessToken{value: value, appid: appid, expiresAt: now.Add(tokenTTL)}
	s.tokens[value] = t
	s.stats.add(func(st *Stats) { st.TokensIssued++ })
	return t
}

func (s *Server) killLocked(t *accessToken) {
	if t != nil {
		delete(s.tokens, t.value)
	}
}

// InvalidateAccessToken kills every access token of appid, classic (even
// those in their grace period) and stable, as when WeChat revokes them or
// the AppSecret is reset. The next API call with one of them gets 40001,
// and the next token call issues a fresh token.
func (s *Server) InvalidateAccessToken(appid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for value, t := range s.tokens {
		if t.appid == appid {
			delete(s.tokens, value)
		}
	}
	delete(s.classic, appid)
	delete(s.stable, appid)
	s.log.Info("fakewechat: access tokens invalidated", "appid", appid)
}

// newTokenValue returns a token shaped like WeChat's: a version prefix and a
// long URL-safe string.
func (s *Server) newTokenValue() string {
	return "99_" + base64.RawURLEncoding.EncodeToString(s.randomBytes(96))
}

// appForTokenLocked checks the access_token query parameter of an API call
// and returns the token's appid. A missing parameter is 41001; a malformed
// token 40014; an unknown, superseded or invalidated one 40001; an expired
// one 42001.
func (s *Server) appForTokenLocked(q url.Values, now time.Time) (string, *wechatError) {
	values, present := q["access_token"]
	if !present {
		return "", errcode(errAccessTokenMissing)
	}
	value := values[0]
	if !wellFormedToken(value) {
		return "", errcode(errInvalidAccessToken)
	}
	t, found := s.tokens[value]
	switch {
	case !found:
		return "", errcode(errInvalidCredential)
	case t.dead(now):
		delete(s.tokens, value)
		return "", errcode(errInvalidCredential)
	case t.expired(now):
		return "", errcode(errAccessTokenExpired)
	}
	return t.appid, nil
}

func wellFormedToken(v string) bool {
	if v == "" || len(v) > maxTokenLen {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
