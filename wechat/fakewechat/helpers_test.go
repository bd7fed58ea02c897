package fakewechat_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mpauth/mpauth/wechat"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

const (
	appA, secretA = "wxaaaaaaaaaaaaaaaa", "secret-a-0123456789abcdef01234567"
	appB, secretB = "wxbbbbbbbbbbbbbbbb", "secret-b-0123456789abcdef01234567"
)

var twoApps = map[string]string{appA: secretA, appB: secretB}

// clock is the injected WeChat clock; tests advance it instead of sleeping.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is one fake WeChat behind a real HTTP server, driven with plain
// net/http the way the real client drives it.
type env struct {
	t     *testing.T
	fake  *fakewechat.Server
	url   string
	clock *clock
}

func newEnv(t *testing.T, opts fakewechat.Options) *env {
	t.Helper()
	c := &clock{now: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)}
	if opts.Now == nil {
		opts.Now = c.Now
	}
	if opts.Apps == nil {
		opts.Apps = twoApps
	}
	fake := fakewechat.New(opts)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return &env{t: t, fake: fake, url: srv.URL, clock: c}
}

// do sends a request and returns the status and body.
func (e *env) do(method, path string, query url.Values, contentType string, body []byte) (int, []byte) {
	e.t.Helper()
	u := e.url + path
	if query != nil {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, b
}

// wechatCall calls a WeChat API, insists on WeChat's HTTP 200, and decodes
// the answer into out.
func (e *env) wechatCall(method, path string, query url.Values, body any, out any) {
	e.t.Helper()
	var b []byte
	if body != nil {
		b = mustMarshal(e.t, body)
	}
	status, resp := e.do(method, path, query, "application/json", b)
	if status != http.StatusOK {
		e.t.Fatalf("%s %s: HTTP %d %s, want 200 like WeChat", method, path, status, resp)
	}
	if err := json.Unmarshal(resp, out); err != nil {
		e.t.Fatalf("%s %s: %v in %s", method, path, err, resp)
	}
}

// device calls a device or admin route and returns the status; out may be nil.
func (e *env) device(path string, body any, out any) int {
	e.t.Helper()
	status, resp := e.do(http.MethodPost, path, nil, "application/json", mustMarshal(e.t, body))
	if out != nil && len(resp) > 0 {
		if err := json.Unmarshal(resp, out); err != nil {
			e.t.Fatalf("POST %s: %v in %s", path, err, resp)
		}
	}
	return status
}

func (e *env) login(appid, user string) string {
	e.t.Helper()
	var resp fakewechat.DeviceLoginResponse
	if status := e.device("/_device/login", fakewechat.DeviceLoginRequest{AppID: appid, User: user}, &resp); status != http.StatusOK {
		e.t.Fatalf("device login: HTTP %d", status)
	}
	return resp.Code
}

func (e *env) phone(appid, user, phone string) fakewechat.PhoneEvent {
	e.t.Helper()
	var ev fakewechat.PhoneEvent
	if status := e.device("/_device/phone", fakewechat.DevicePhoneRequest{AppID: appid, User: user, Phone: phone}, &ev); status != http.StatusOK {
		e.t.Fatalf("device phone: HTTP %d", status)
	}
	return ev
}

func (e *env) code2session(appid, secret, code string) wechat.Code2SessionResponse {
	e.t.Helper()
	var resp wechat.Code2SessionResponse
	e.wechatCall(http.MethodGet, "/sns/jscode2session", url.Values{
		"appid": {appid}, "secret": {secret}, "js_code": {code}, "grant_type": {"authorization_code"},
	}, nil, &resp)
	return resp
}

// session logs user in and exchanges the code, as a mini program and our
// server do together.
func (e *env) session(appid, secret, user string) wechat.Code2SessionResponse {
	e.t.Helper()
	resp := e.code2session(appid, secret, e.login(appid, user))
	if resp.ErrCode != 0 {
		e.t.Fatalf("code2session: errcode %d %s", resp.ErrCode, resp.ErrMsg)
	}
	return resp
}

func (e *env) classicToken(appid, secret string) wechat.TokenResponse {
	e.t.Helper()
	var resp wechat.TokenResponse
	e.wechatCall(http.MethodGet, "/cgi-bin/token", url.Values{
		"grant_type": {"client_credential"}, "appid": {appid}, "secret": {secret},
	}, nil, &resp)
	return resp
}

func (e *env) stableToken(appid, secret string, force bool) wechat.TokenResponse {
	e.t.Helper()
	var resp wechat.TokenResponse
	e.wechatCall(http.MethodPost, "/cgi-bin/stable_token", nil, wechat.StableTokenRequest{
		GrantType: "client_credential", AppID: appid, Secret: secret, ForceRefresh: force,
	}, &resp)
	return resp
}

func (e *env) phoneNumber(token, code string) wechat.PhoneNumberResponse {
	e.t.Helper()
	var resp wechat.PhoneNumberResponse
	e.wechatCall(http.MethodPost, "/wxa/business/getuserphonenumber", url.Values{"access_token": {token}},
		wechat.PhoneNumberRequest{Code: code}, &resp)
	return resp
}

func (e *env) signed(path, token, openid, signature string) wechat.ResetSessionKeyResponse {
	e.t.Helper()
	var resp wechat.ResetSessionKeyResponse
	e.wechatCall(http.MethodGet, path, url.Values{
		"access_token": {token}, "openid": {openid}, "signature": {signature}, "sig_method": {"hmac_sha256"},
	}, nil, &resp)
	return resp
}

// tokenAccepted is the errcode a valid token gets from getuserphonenumber
// with a made-up phone code: the token passed, the code did not.
const tokenAccepted = 40029

// tokenErrcode reports what an API says about token.
func (e *env) tokenErrcode(token string) int {
	e.t.Helper()
	return e.phoneNumber(token, "no-such-phone-code").ErrCode
}

// signature is computed here independently of the fake: lowercase hex of
// HMAC-SHA256 over "", keyed with the session_key's base64 text.
func signature(sessionKey string) string {
	m := hmac.New(sha256.New, []byte(sessionKey))
	return hex.EncodeToString(m.Sum(nil))
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// errmsgHasRid reports whether an errmsg carries WeChat's ", rid: " suffix.
func errmsgHasRid(msg string) bool { return strings.Contains(msg, ", rid: ") }
