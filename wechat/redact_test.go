package wechat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Values that appear in requests and answers below and must never be seen in
// a log line or an error message.
var secretsForTest = []string{
	testSecret,
	testJSCode,
	testSessionKey,
	"access-token-must-not-leak",
	"phone-code-must-not-leak",
	"13800138000",
	"new-session-key-must-not-leak",
	SessionSignature(testSessionKey),
}

func assertNoSecrets(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range secretsForTest {
		if strings.Contains(text, s) {
			t.Errorf("%s leaks %q:\n%s", where, s, text)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestNothingSecretReachesLogsOrErrors(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	mode := "ok"
	var mu sync.Mutex
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		m := mode
		mu.Unlock()
		switch m {
		case "echo":
			// WeChat's errmsg sometimes echoes the request; assume the worst.
			fmt.Fprintf(w, `{"errcode":40029,"errmsg":"invalid code, %s"}`, r.URL.RawQuery)
			return
		case "echo values":
			// The worst again: the values alone, and a session key.
			fmt.Fprintf(w, `{"errcode":40029,"errmsg":"invalid %s %s %s"}`, r.URL.Query().Get("js_code"), r.URL.Query().Get("access_token"), testSessionKey)
			return
		case "truncated":
			// A proxy cut the answer short: not JSON, secrets inside.
			rec := httptest.NewRecorder()
			answer(rec, r)
			w.Write(rec.Body.Bytes()[:rec.Body.Len()-3])
			return
		case "capitals":
			// WeChat's keys in other capitals (Go's JSON takes them).
			if r.URL.Path == "/sns/jscode2session" {
				io.WriteString(w, `{"openid":"o-1","Session_Key":"`+testSessionKey+`"}`)
				return
			}
		}
		answer(w, r)
	}))
	c.Logger = logger
	c.Tokens = &Broker{Store: newMemStore(), Fetcher: c, Logger: logger}
	ctx := t.Context()

	var errs []error
	record := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	calls := func() {
		_, err := c.Code2Session(ctx, testAppID, testJSCode)
		record(err)
		_, err = c.FetchToken(ctx, testAppID)
		record(err)
		_, err = c.FetchStableToken(ctx, testAppID, false)
		record(err)
		_, err = c.PhoneNumber(ctx, testAppID, "phone-code-must-not-leak", "")
		record(err)
		record(c.CheckSession(ctx, testAppID, "o-1", testSessionKey))
		_, err = c.ResetUserSessionKey(ctx, testAppID, "o-1", testSessionKey)
		record(err)
	}
	calls()
	if len(errs) > 0 {
		t.Fatalf("happy path failed: %v", errs)
	}
	for _, m := range []string{"echo", "echo values", "truncated", "capitals"} {
		mu.Lock()
		mode = m
		mu.Unlock()
		calls()
	}
	c.BaseURL = "http://127.0.0.1:1" // connection refused
	calls()

	if len(errs) == 0 || !strings.Contains(logs.String(), "wechat call") {
		t.Fatalf("expected errors and debug logs, got %d errors and logs:\n%s", len(errs), logs.String())
	}
	assertNoSecrets(t, "debug log", logs.String())
	for _, err := range errs {
		assertNoSecrets(t, "error", err.Error())
		assertNoSecrets(t, "error", fmt.Sprintf("%+v %#v", err, err))
	}
	assertNoSecrets(t, "broker state", fmt.Sprintf("%+v", c.Tokens.(*Broker).State(testAppID)))
}

// answer plays WeChat's happy answers for TestNothingSecretReachesLogsOrErrors.
func answer(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/sns/jscode2session":
		io.WriteString(w, `{"openid":"o-1","session_key":"`+testSessionKey+`"}`)
	case "/cgi-bin/stable_token", "/cgi-bin/token":
		io.WriteString(w, `{"access_token":"access-token-must-not-leak","expires_in":7200}`)
	case "/wxa/business/getuserphonenumber":
		io.WriteString(w, `{"errcode":0,"errmsg":"ok","phone_info":{"phoneNumber":"13800138000","purePhoneNumber":"13800138000","countryCode":"86","watermark":{"appid":"`+testAppID+`"}}}`)
	case "/wxa/checksession":
		io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
	case "/wxa/resetusersessionkey":
		io.WriteString(w, `{"errcode":0,"errmsg":"ok","openid":"o-1","session_key":"new-session-key-must-not-leak"}`)
	}
}

func TestRedactText(t *testing.T) {
	tests := []struct{ in, want string }{
		{
			`Get "https://api.weixin.qq.com/sns/jscode2session?appid=wx1&secret=s3&js_code=c0de&grant_type=authorization_code": dial tcp`,
			`Get "https://api.weixin.qq.com/sns/jscode2session?appid=wx1&secret=***&js_code=***&grant_type=authorization_code": dial tcp`,
		},
		{"access_token=abc&openid=o&signature=ff&sig_method=hmac_sha256", "access_token=***&openid=o&signature=***&sig_method=hmac_sha256"},
		{"errcode=40029 code=xyz", "errcode=40029 code=***"},
		{"Session_Key=abc", "Session_Key=***"},
	}
	for _, tt := range tests {
		if got := redactText(tt.in); got != tt.want {
			t.Errorf("redactText(%q)\n = %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactBody(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"nested phone", `{"errcode":0,"phone_info":{"phoneNumber":"13800138000","purePhoneNumber":"13800138000","countryCode":86}}`,
			`{"errcode":0,"phone_info":{"countryCode":86,"phoneNumber":"***","purePhoneNumber":"***"}}`},
		{"secret in request", `{"appid":"wx1","secret":"s3","force_refresh":false}`, `{"appid":"wx1","force_refresh":false,"secret":"***"}`},
		{"non-JSON", `<html>secret=s3</html>`, `non-JSON (22 bytes)`},
		{"other capitals", `{"Session_Key":"k","Access_Token":"t"}`, `{"Access_Token":"***","Session_Key":"***"}`},
		{"empty", ``, ``},
	}
	for _, tt := range tests {
		if got := redactBody([]byte(tt.in)); got != tt.want {
			t.Errorf("%s: redactBody = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestRedactErrorKeepsTimeoutSemantics(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/x?secret="+testSecret, nil)
	_, err := http.DefaultClient.Do(req)
	if err == nil || !strings.Contains(err.Error(), testSecret) {
		t.Fatalf("premise: net/http puts the URL in its errors, got %v", err)
	}
	red := redactError(err)
	if strings.Contains(red.Error(), testSecret) || !errors.Is(red, context.Canceled) {
		t.Errorf("redactError = %v; want masked and still context.Canceled", red)
	}
}
