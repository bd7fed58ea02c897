package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

const (
	testAppID      = "wx0000000000000001"
	testSecret     = "appsecret-must-not-leak-4f2a"
	testJSCode     = "jscode-must-not-leak-81c3"
	testSessionKey = "HyVFkGl5F5OQWJZZaNzBBg=="
)

type appSecrets map[string]Secret

func (s appSecrets) AppSecret(_ context.Context, appID string) (Secret, error) {
	if v, ok := s[appID]; ok {
		return v, nil
	}
	return "", fmt.Errorf("unknown appid %q", appID)
}

// sleeps records the backoff the client asked for instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return nil
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// newTestClient points a Client at h. Jitter always picks the maximum, so
// backoff is deterministic, and Sleep only records.
func newTestClient(t *testing.T, h http.Handler) (*Client, *sleeps) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	s := &sleeps{}
	return &Client{
		BaseURL: srv.URL,
		HTTP:    srv.Client(),
		Secrets: appSecrets{testAppID: testSecret},
		Sleep:   s.sleep,
		Jitter:  func(max time.Duration) time.Duration { return max },
	}, s
}

// answers replies to successive requests with the given bodies; the last
// repeats. A body starting with a three-digit status and a space is sent
// with that HTTP status.
type answers struct {
	mu     sync.Mutex
	bodies []string
	reqs   []*http.Request
}

func (a *answers) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	n := len(a.reqs)
	a.reqs = append(a.reqs, r)
	body := a.bodies[min(n, len(a.bodies)-1)]
	a.mu.Unlock()
	status := http.StatusOK
	if len(body) > 4 && body[3] == ' ' {
		fmt.Sscanf(body[:3], "%d", &status)
		body = body[4:]
	}
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func (a *answers) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.reqs)
}

func TestCode2SessionSendsWhatWeChatExpects(t *testing.T) {
	var got *http.Request
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		io.WriteString(w, `{"openid":"o-user-1","session_key":"`+testSessionKey+`","unionid":"u-1"}`)
	}))

	s, err := c.Code2Session(t.Context(), testAppID, testJSCode)
	if err != nil {
		t.Fatal(err)
	}
	if s.OpenID != "o-user-1" || s.UnionID != "u-1" || s.SessionKey.Reveal() != testSessionKey {
		t.Errorf("session = %+v (key %q)", s, s.SessionKey.Reveal())
	}
	if got.Method != http.MethodGet || got.URL.Path != "/sns/jscode2session" {
		t.Errorf("request = %s %s", got.Method, got.URL.Path)
	}
	want := url.Values{"appid": {testAppID}, "secret": {testSecret}, "js_code": {testJSCode}, "grant_type": {"authorization_code"}}
	if q := got.URL.Query(); q.Encode() != want.Encode() {
		t.Errorf("query = %v, want %v", q, want)
	}
}

func TestCode2SessionFailures(t *testing.T) {
	tests := []struct {
		name     string
		answers  []string
		kind     Kind
		errcode  int
		attempts int
	}{
		{"invalid code asks for a new wx.login", []string{`{"errcode":40029,"errmsg":"invalid code"}`}, KindInvalidCode, 40029, 1},
		{"used code is reported, never retried", []string{`{"errcode":40163,"errmsg":"code been used"}`}, KindCodeUsed, 40163, 1},
		{"high-risk user is blocked, never retried", []string{`{"errcode":40226,"errmsg":"high risk user"}`}, KindRiskBlocked, 40226, 1},
		{"rate limit is not retried", []string{`{"errcode":45011,"errmsg":"api minute-quota reach limit"}`}, KindRateLimited, 45011, 1},
		{"invalid appid is configuration", []string{`{"errcode":40013,"errmsg":"invalid appid"}`}, KindConfig, 40013, 1},
		{"invalid appsecret is configuration", []string{`{"errcode":40125,"errmsg":"invalid appsecret"}`}, KindConfig, 40125, 1},
		{"busy three times gives up as busy", []string{`{"errcode":-1,"errmsg":"system error"}`}, KindBusy, -1, 3},
		{"unknown errcode is other", []string{`{"errcode":61024,"errmsg":"?"}`}, KindOther, 61024, 1},
		{"non-JSON body is unavailable", []string{`<html>bad gateway</html>`}, KindUnavailable, 0, 1},
		{"JSON that is not an object is unavailable", []string{`null`}, KindUnavailable, 0, 1},
		{"HTTP 502 is unavailable and not replayed: the code may be spent", []string{`502 {"errcode":0}`}, KindUnavailable, 0, 1},
		{"success without session_key is unavailable", []string{`{"openid":"o"}`}, KindUnavailable, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &answers{bodies: tt.answers}
			c, _ := newTestClient(t, a)

			_, err := c.Code2Session(t.Context(), testAppID, testJSCode)
			if KindOf(err) != tt.kind {
				t.Fatalf("KindOf(%v) = %v, want %v", err, KindOf(err), tt.kind)
			}
			var we *Error
			if !errors.As(err, &we) || we.ErrCode != tt.errcode || we.Endpoint != "jscode2session" {
				t.Errorf("error = %#v, want errcode %d from jscode2session", err, tt.errcode)
			}
			if a.count() != tt.attempts {
				t.Errorf("attempts = %d, want %d", a.count(), tt.attempts)
			}
			assertNoSecrets(t, "error", err.Error())
		})
	}
}

func TestBusyIsRetriedWithBackoffThenSucceeds(t *testing.T) {
	a := &answers{bodies: []string{
		`{"errcode":-1,"errmsg":"system error"}`,
		`{"errcode":-1,"errmsg":"system error"}`,
		`{"openid":"o-1","session_key":"` + testSessionKey + `"}`,
	}}
	c, s := newTestClient(t, a)
	reg := prometheus.NewPedanticRegistry()
	c.Metrics = NewMetrics(reg)
	c.Retry = RetryPolicy{Attempts: 3, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}

	if _, err := c.Code2Session(t.Context(), testAppID, testJSCode); err != nil {
		t.Fatal(err)
	}
	if got, want := s.got(), []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("backoff = %v, want %v", got, want)
	}
	if got := counterValue(t, c.Metrics.retries.WithLabelValues("jscode2session")); got != 2 {
		t.Errorf("retries metric = %v, want 2", got)
	}
	if got := counterValue(t, c.Metrics.calls.WithLabelValues("jscode2session", "-1")); got != 2 {
		t.Errorf("calls{errcode=-1} = %v, want 2", got)
	}
	if got := counterValue(t, c.Metrics.calls.WithLabelValues("jscode2session", "0")); got != 1 {
		t.Errorf("calls{errcode=0} = %v, want 1", got)
	}
	if _, err := reg.Gather(); err != nil {
		t.Errorf("gather: %v", err)
	}
}

func TestBackoffNeverSleepsPastTheDeadline(t *testing.T) {
	a := &answers{bodies: []string{`{"errcode":-1,"errmsg":"system error"}`}}
	c, s := newTestClient(t, a)
	c.Retry = RetryPolicy{BaseDelay: time.Hour, MaxDelay: time.Hour}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	_, err := c.Code2Session(ctx, testAppID, testJSCode)
	if KindOf(err) != KindBusy || a.count() != 1 || len(s.got()) != 0 {
		t.Errorf("err = %v, attempts = %d, sleeps = %v; want busy after 1 attempt, no sleep", err, a.count(), s.got())
	}
}

func TestIdempotentCallsAreRetriedWhenUnavailable(t *testing.T) {
	tests := []struct {
		name     string
		force    bool
		attempts int
		wantErr  bool
	}{
		{"normal stable_token is replayed after a 502", false, 2, false},
		{"forced stable_token is not: a lost answer already killed the old token", true, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &answers{bodies: []string{`502 upstream down`, `{"access_token":"tok","expires_in":7200}`}}
			c, _ := newTestClient(t, a)
			_, err := c.FetchStableToken(t.Context(), testAppID, tt.force)
			if (err != nil) != tt.wantErr || a.count() != tt.attempts {
				t.Errorf("err = %v after %d attempts; want error %v after %d", err, a.count(), tt.wantErr, tt.attempts)
			}
		})
	}
}

func TestTimeoutIsUnavailable(t *testing.T) {
	release := make(chan struct{})
	a := &answers{bodies: []string{`{"openid":"o","session_key":"k"}`}}
	c, s := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		a.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { close(release) }) // runs before the server closes
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()

	_, err := c.Code2Session(ctx, testAppID, testJSCode)
	if KindOf(err) != KindUnavailable || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want unavailable wrapping context.DeadlineExceeded", err)
	}
	if len(s.got()) != 0 {
		t.Errorf("slept %v after the deadline", s.got())
	}
	assertNoSecrets(t, "error", err.Error())
}

func TestPerCallTimeout(t *testing.T) {
	release := make(chan struct{})
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release) })
	c.Timeout = 20 * time.Millisecond

	_, err := c.Code2Session(t.Context(), testAppID, testJSCode)
	if KindOf(err) != KindUnavailable || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want unavailable wrapping context.DeadlineExceeded", err)
	}
}

func TestConnectionRefusedIsRetriedAndRedacted(t *testing.T) {
	c, s := newTestClient(t, http.NotFoundHandler())
	srv := httptest.NewServer(http.NotFoundHandler())
	c.BaseURL = srv.URL
	srv.Close() // nothing listens there any more

	_, err := c.Code2Session(t.Context(), testAppID, testJSCode)
	if KindOf(err) != KindUnavailable {
		t.Fatalf("err = %v, want unavailable", err)
	}
	if len(s.got()) != 2 {
		t.Errorf("backoff = %v, want 2 pauses: a refused connection never reached WeChat", s.got())
	}
	assertNoSecrets(t, "error", err.Error())
	var ue *url.Error
	if !errors.As(err, &ue) || !strings.Contains(ue.URL, "secret=***") {
		t.Errorf("url.Error = %v, want its URL kept but masked", ue)
	}
}

func TestMissingErrcodeIsSuccess(t *testing.T) {
	c, _ := newTestClient(t, &answers{bodies: []string{`{"access_token":"tok-1","expires_in":7200}`}})
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	c.Now = func() time.Time { return now }

	tok, err := c.FetchToken(t.Context(), testAppID)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Value.Reveal() != "tok-1" || !tok.ExpiresAt.Equal(now.Add(2*time.Hour)) {
		t.Errorf("token = %q expiring %v", tok.Value.Reveal(), tok.ExpiresAt)
	}
}

func TestTokenEndpointsTreat40001AsConfiguration(t *testing.T) {
	// On the token endpoints 40001 means the AppSecret is wrong.
	c, _ := newTestClient(t, &answers{bodies: []string{`{"errcode":40001,"errmsg":"invalid credential"}`}})
	if _, err := c.FetchStableToken(t.Context(), testAppID, false); KindOf(err) != KindConfig {
		t.Errorf("stable_token: %v, want config", err)
	}
	if _, err := c.FetchToken(t.Context(), testAppID); KindOf(err) != KindConfig {
		t.Errorf("token: %v, want config", err)
	}
}

func TestStableTokenRequest(t *testing.T) {
	var got StableTokenRequest
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/cgi-bin/stable_token" || r.URL.RawQuery != "" {
			t.Errorf("request = %s %s", r.Method, r.URL)
		}
		json.NewDecoder(r.Body).Decode(&got)
		io.WriteString(w, `{"access_token":"tok","expires_in":7200}`)
	}))
	if _, err := c.FetchStableToken(t.Context(), testAppID, true); err != nil {
		t.Fatal(err)
	}
	want := StableTokenRequest{GrantType: "client_credential", AppID: testAppID, Secret: testSecret, ForceRefresh: true}
	if got != want {
		t.Errorf("body = %+v, want %+v", got, want)
	}
}

// wechatAPI is a tiny stand-in for WeChat's token and phone endpoints,
// enough to drive the broker and the replay path.
type wechatAPI struct {
	mu          sync.Mutex
	current     string // what stable_token answers in normal mode
	issued      int
	forced      int
	normal      int
	rejectNext  int // how many phone calls to answer with 40001
	rotateAfter bool
	phoneTokens []string
}

func (w *wechatAPI) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch r.URL.Path {
	case "/cgi-bin/stable_token":
		var req StableTokenRequest
		json.NewDecoder(r.Body).Decode(&req)
		if req.ForceRefresh {
			w.forced++
		} else {
			w.normal++
		}
		if w.current == "" || req.ForceRefresh {
			w.issued++
			w.current = fmt.Sprintf("TOKEN-%d", w.issued)
		}
		fmt.Fprintf(rw, `{"access_token":%q,"expires_in":7200}`, w.current)
	case "/wxa/business/getuserphonenumber":
		tok := r.URL.Query().Get("access_token")
		w.phoneTokens = append(w.phoneTokens, tok)
		var req PhoneNumberRequest
		json.NewDecoder(r.Body).Decode(&req)
		if w.rejectNext > 0 {
			w.rejectNext--
			if w.rotateAfter {
				// Someone else already rotated the token.
				w.issued++
				w.current = fmt.Sprintf("TOKEN-%d", w.issued)
			}
			io.WriteString(rw, `{"errcode":40001,"errmsg":"invalid credential, access_token is invalid or not latest"}`)
			return
		}
		if req.Code != "phone-code-1" {
			io.WriteString(rw, `{"errcode":40029,"errmsg":"invalid code"}`)
			return
		}
		io.WriteString(rw, `{"errcode":0,"errmsg":"ok","phone_info":{"phoneNumber":"13800138000","purePhoneNumber":"13800138000","countryCode":86,"watermark":{"timestamp":1637744274,"appid":"`+testAppID+`"}}}`)
	default:
		http.NotFound(rw, r)
	}
}

func newPhoneClient(t *testing.T, api *wechatAPI) *Client {
	c, _ := newTestClient(t, api)
	c.Tokens = &Broker{Store: newMemStore(), Fetcher: c}
	return c
}

func TestPhoneNumber(t *testing.T) {
	api := &wechatAPI{}
	c := newPhoneClient(t, api)

	info, err := c.PhoneNumber(t.Context(), testAppID, "phone-code-1", "")
	if err != nil {
		t.Fatal(err)
	}
	want := PhoneInfo{PhoneNumber: "13800138000", PurePhoneNumber: "13800138000", CountryCode: "86",
		Watermark: Watermark{Timestamp: 1637744274, AppID: testAppID}}
	if info != want {
		t.Errorf("info = %+v, want %+v", info, want)
	}
	if fmt.Sprint(api.phoneTokens) != "[TOKEN-1]" {
		t.Errorf("tokens used = %v", api.phoneTokens)
	}
}

func TestRejectedTokenIsRefreshedAndReplayedOnce(t *testing.T) {
	tests := []struct {
		name        string
		reject      int
		rotated     bool
		wantErr     Kind
		wantTokens  string
		wantForced  int
		wantNormals int
	}{
		{
			name:   "token revoked while normal mode still returns it: force once, replay",
			reject: 1, wantTokens: "[TOKEN-1 TOKEN-2]", wantForced: 1, wantNormals: 2,
		},
		{
			name:   "token already rotated by someone else: normal mode suffices",
			reject: 1, rotated: true, wantTokens: "[TOKEN-1 TOKEN-2]", wantForced: 0, wantNormals: 2,
		},
		{
			name:   "rejected again after the replay: give up, never loop",
			reject: 5, wantErr: KindTokenInvalid, wantTokens: "[TOKEN-1 TOKEN-2]", wantForced: 1, wantNormals: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &wechatAPI{rejectNext: tt.reject, rotateAfter: tt.rotated}
			c := newPhoneClient(t, api)

			_, err := c.PhoneNumber(t.Context(), testAppID, "phone-code-1", "")
			if KindOf(err) != tt.wantErr {
				t.Fatalf("err = %v, want kind %v", err, tt.wantErr)
			}
			if got := fmt.Sprint(api.phoneTokens); got != tt.wantTokens {
				t.Errorf("phone calls with tokens %s, want %s", got, tt.wantTokens)
			}
			if api.forced != tt.wantForced || api.normal != tt.wantNormals {
				t.Errorf("stable_token calls: %d normal, %d forced; want %d, %d", api.normal, api.forced, tt.wantNormals, tt.wantForced)
			}
		})
	}
}

func TestCallsWithoutTokenSourceAreConfiguration(t *testing.T) {
	c, _ := newTestClient(t, http.NotFoundHandler())
	if _, err := c.PhoneNumber(t.Context(), testAppID, "x", ""); KindOf(err) != KindConfig {
		t.Errorf("err = %v, want config", err)
	}
	c.Secrets = nil
	if _, err := c.Code2Session(t.Context(), testAppID, "x"); KindOf(err) != KindConfig {
		t.Errorf("err = %v, want config", err)
	}
}

// staticTokens is a TokenSource that never changes.
type staticTokens Secret

func (s staticTokens) Token(context.Context, string) (Secret, error)    { return Secret(s), nil }
func (s staticTokens) Invalidate(context.Context, string, Secret) error { return nil }

func TestCheckSession(t *testing.T) {
	tests := []struct {
		name   string
		answer string
		kind   Kind
	}{
		{"current key passes", `{"errcode":0,"errmsg":"ok"}`, KindNone},
		{"stale key is an invalid signature", `{"errcode":87009,"errmsg":"invalid signature"}`, KindInvalidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got url.Values
			c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/wxa/checksession" {
					t.Errorf("path = %s", r.URL.Path)
				}
				got = r.URL.Query()
				io.WriteString(w, tt.answer)
			}))
			c.Tokens = staticTokens("access-token-1")

			err := c.CheckSession(t.Context(), testAppID, "o-user-1", testSessionKey)
			if KindOf(err) != tt.kind {
				t.Fatalf("err = %v, want %v", err, tt.kind)
			}
			want := url.Values{
				"access_token": {"access-token-1"},
				"openid":       {"o-user-1"},
				"signature":    {"252b75c92698025afe925b29cca5517fdf9ee67aae072cf3225ebf3a53783058"},
				"sig_method":   {"hmac_sha256"},
			}
			if got.Encode() != want.Encode() {
				t.Errorf("query = %v, want %v", got, want)
			}
		})
	}
}

func TestResetUserSessionKey(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/wxa/resetusersessionkey" || r.URL.Query().Get("signature") != SessionSignature(testSessionKey) {
			t.Errorf("request = %s", r.URL.Path)
		}
		io.WriteString(w, `{"errcode":0,"errmsg":"ok","openid":"o-user-1","session_key":"tiihtNczf5v6AKRyjwEUhQ=="}`)
	}))
	c.Tokens = staticTokens("access-token-1")

	key, err := c.ResetUserSessionKey(t.Context(), testAppID, "o-user-1", testSessionKey)
	if err != nil {
		t.Fatal(err)
	}
	if key.Reveal() != "tiihtNczf5v6AKRyjwEUhQ==" {
		t.Errorf("new key = %q", key.Reveal())
	}
}

func TestSessionSignatureGolden(t *testing.T) {
	// printf '' | openssl dgst -sha256 -hmac 'KEY'
	tests := []struct {
		key  SessionKey
		want string
	}{
		{"HyVFkGl5F5OQWJZZaNzBBg==", "252b75c92698025afe925b29cca5517fdf9ee67aae072cf3225ebf3a53783058"},
		{"tiihtNczf5v6AKRyjwEUhQ==", "7154f9f8b4b76b92f541cbf0e37d48840fa06e5e42da92a6f80168a1516a4735"},
	}
	for _, tt := range tests {
		if got := SessionSignature(tt.key); got != tt.want {
			t.Errorf("SessionSignature(%q) = %s, want %s", tt.key.Reveal(), got, tt.want)
		}
	}
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Kind
	}{
		{"nil", nil, KindNone},
		{"wrapped WeChat error", fmt.Errorf("login: %w", &Error{Kind: KindCodeUsed}), KindCodeUsed},
		{"caller gave up", context.Canceled, KindUnavailable},
		{"anything else", errors.New("boom"), KindOther},
	}
	for _, tt := range tests {
		if got := KindOf(tt.err); got != tt.want {
			t.Errorf("%s: KindOf = %v, want %v", tt.name, got, tt.want)
		}
	}
}
