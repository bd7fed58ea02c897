package fakewechat_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mpauth/mpauth/wechat"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

// Each fault is set once through the Go method and once through the admin
// endpoint; both must behave the same.
func addFault(t *testing.T, e *env, viaAdmin bool, f fakewechat.Fault, adminBody map[string]any) {
	t.Helper()
	if !viaAdmin {
		if err := e.fake.AddFault(f); err != nil {
			t.Fatal(err)
		}
		return
	}
	if status := e.device("/_admin/faults", adminBody, nil); status != http.StatusNoContent {
		t.Fatalf("POST /_admin/faults: HTTP %d", status)
	}
}

func TestErrcodeFaults(t *testing.T) {
	tests := []struct {
		name      string
		fault     fakewechat.Fault
		adminBody map[string]any
		// calls are made in order; want is each call's errcode.
		calls []fakewechat.Endpoint
		want  []int
	}{
		{
			"busy burst on one endpoint, then normal",
			fakewechat.Fault{Endpoint: fakewechat.EndpointJSCode2Session, ErrCode: -1, Times: 2},
			map[string]any{"endpoint": "jscode2session", "errcode": -1, "times": 2},
			[]fakewechat.Endpoint{fakewechat.EndpointToken, fakewechat.EndpointJSCode2Session, fakewechat.EndpointJSCode2Session, fakewechat.EndpointJSCode2Session},
			[]int{0, -1, -1, 0},
		},
		{
			"busy burst on every endpoint",
			fakewechat.Fault{ErrCode: -1, Times: 2},
			map[string]any{"errcode": -1, "times": 2},
			[]fakewechat.Endpoint{fakewechat.EndpointToken, fakewechat.EndpointStableToken, fakewechat.EndpointJSCode2Session},
			[]int{-1, -1, 0},
		},
		{
			"rate limit for the next call",
			fakewechat.Fault{Endpoint: fakewechat.EndpointStableToken, ErrCode: 45011, Times: 1},
			map[string]any{"endpoint": "stable_token", "errcode": 45011, "times": 1},
			[]fakewechat.Endpoint{fakewechat.EndpointStableToken, fakewechat.EndpointStableToken},
			[]int{45011, 0},
		},
		{
			"until cleared",
			fakewechat.Fault{Endpoint: fakewechat.EndpointToken, ErrCode: -1, Times: -1},
			map[string]any{"endpoint": "token", "errcode": -1, "times": -1},
			[]fakewechat.Endpoint{fakewechat.EndpointToken, fakewechat.EndpointToken, fakewechat.EndpointToken},
			[]int{-1, -1, -1},
		},
	}
	for _, tt := range tests {
		for _, viaAdmin := range []bool{false, true} {
			t.Run(tt.name+via(viaAdmin), func(t *testing.T) {
				e := newEnv(t, fakewechat.Options{})
				// One code for every jscode2session call: an injected error
				// must not spend it, so that the client's retry works.
				code := e.login(appA, "alice")
				addFault(t, e, viaAdmin, tt.fault, tt.adminBody)
				for i, ep := range tt.calls {
					var got wechat.BaseResponse
					switch ep {
					case fakewechat.EndpointJSCode2Session:
						got = e.code2session(appA, secretA, code).BaseResponse
					case fakewechat.EndpointToken:
						got = e.classicToken(appA, secretA).BaseResponse
					case fakewechat.EndpointStableToken:
						got = e.stableToken(appA, secretA, false).BaseResponse
					}
					if got.ErrCode != tt.want[i] {
						t.Errorf("call %d (%s): errcode %d, want %d", i+1, ep, got.ErrCode, tt.want[i])
					}
					if got.ErrCode != 0 && !errmsgHasRid(got.ErrMsg) {
						t.Errorf("call %d: errmsg %q lacks the rid", i+1, got.ErrMsg)
					}
				}
			})
		}
	}
}

func TestRiskyUserFault(t *testing.T) {
	for _, viaAdmin := range []bool{false, true} {
		t.Run("40226 for the user only"+via(viaAdmin), func(t *testing.T) {
			e := newEnv(t, fakewechat.Options{})
			addFault(t, e, viaAdmin, fakewechat.Fault{RiskyUser: "mallory", AppID: appA},
				map[string]any{"risky_user": "mallory", "appid": appA})
			if got := e.code2session(appA, secretA, e.login(appA, "mallory")).ErrCode; got != 40226 {
				t.Errorf("mallory in app A: errcode %d, want 40226", got)
			}
			if got := e.code2session(appA, secretA, e.login(appA, "alice")).ErrCode; got != 0 {
				t.Errorf("alice in app A: errcode %d, want 0", got)
			}
			if got := e.code2session(appB, secretB, e.login(appB, "mallory")).ErrCode; got != 0 {
				t.Errorf("mallory in app B: errcode %d, want 0", got)
			}
			e.fake.ClearFaults()
			if got := e.code2session(appA, secretA, e.login(appA, "mallory")).ErrCode; got != 0 {
				t.Errorf("mallory after ClearFaults: errcode %d, want 0", got)
			}
		})
	}
}

func TestHTTPErrorFault(t *testing.T) {
	for _, viaAdmin := range []bool{false, true} {
		t.Run("502 for the next call, then normal"+via(viaAdmin), func(t *testing.T) {
			e := newEnv(t, fakewechat.Options{})
			addFault(t, e, viaAdmin, fakewechat.Fault{Endpoint: fakewechat.EndpointToken, HTTPStatus: 502, Times: 1},
				map[string]any{"endpoint": "token", "http_status": 502, "times": 1})
			q := url.Values{"grant_type": {"client_credential"}, "appid": {appA}, "secret": {secretA}}
			status, body := e.do(http.MethodGet, "/cgi-bin/token", q, "", nil)
			if status != http.StatusBadGateway || json.Valid(body) {
				t.Errorf("HTTP %d, JSON body %v; want 502 with a proxy's HTML", status, json.Valid(body))
			}
			if got := e.classicToken(appA, secretA); got.ErrCode != 0 || got.AccessToken == "" {
				t.Errorf("next call: errcode %d", got.ErrCode)
			}
		})
	}
}

func TestMalformedBodyFault(t *testing.T) {
	for _, viaAdmin := range []bool{false, true} {
		t.Run("truncated JSON for the next call, then normal"+via(viaAdmin), func(t *testing.T) {
			e := newEnv(t, fakewechat.Options{})
			code := e.login(appA, "alice")
			addFault(t, e, viaAdmin, fakewechat.Fault{Endpoint: fakewechat.EndpointJSCode2Session, Malformed: true, Times: 1},
				map[string]any{"endpoint": "jscode2session", "malformed": true, "times": 1})
			q := url.Values{"appid": {appA}, "secret": {secretA}, "js_code": {code}, "grant_type": {"authorization_code"}}
			status, body := e.do(http.MethodGet, "/sns/jscode2session", q, "", nil)
			if status != http.StatusOK || json.Valid(body) {
				t.Errorf("HTTP %d, valid JSON %v; want 200 with broken JSON", status, json.Valid(body))
			}
			if got := e.code2session(appA, secretA, code).ErrCode; got != 0 {
				t.Errorf("same code afterwards: errcode %d, want 0", got)
			}
		})
	}
}

func TestLatencyFault(t *testing.T) {
	const delay = 40 * time.Millisecond
	for _, viaAdmin := range []bool{false, true} {
		t.Run("delays the endpoint"+via(viaAdmin), func(t *testing.T) {
			e := newEnv(t, fakewechat.Options{})
			addFault(t, e, viaAdmin, fakewechat.Fault{Endpoint: fakewechat.EndpointToken, Latency: delay},
				map[string]any{"endpoint": "token", "latency_ms": delay.Milliseconds()})
			start := time.Now()
			if got := e.classicToken(appA, secretA).ErrCode; got != 0 {
				t.Fatalf("errcode %d", got)
			}
			if elapsed := time.Since(start); elapsed < delay {
				t.Errorf("answered after %v, want at least %v", elapsed, delay)
			}
		})
	}

	t.Run("a client that gives up is not kept waiting", func(t *testing.T) {
		e := newEnv(t, fakewechat.Options{})
		if err := e.fake.AddFault(fakewechat.Fault{Latency: time.Hour}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.url+"/cgi-bin/token", nil)
		if _, err := http.DefaultClient.Do(req); err == nil {
			t.Fatal("request answered despite an hour of latency")
		}
		// httptest's Close waits for the handler: the test would hang here
		// if the injected latency ignored the request's context.
	})
}

func TestFaultsLeaveTheDeviceAlone(t *testing.T) {
	e := newEnv(t, fakewechat.Options{})
	if err := e.fake.AddFault(fakewechat.Fault{HTTPStatus: 503, Times: -1}); err != nil {
		t.Fatal(err)
	}
	e.login(appA, "alice")
	e.phone(appA, "alice", "13800138000")
}

func TestClearFaults(t *testing.T) {
	for _, viaAdmin := range []bool{false, true} {
		t.Run("every fault goes"+via(viaAdmin), func(t *testing.T) {
			e := newEnv(t, fakewechat.Options{})
			for _, f := range []fakewechat.Fault{
				{ErrCode: -1, Times: -1},
				{HTTPStatus: 500, Times: -1},
				{Latency: time.Hour},
				{RiskyUser: "alice"},
			} {
				if err := e.fake.AddFault(f); err != nil {
					t.Fatal(err)
				}
			}
			if viaAdmin {
				if status, _ := e.do(http.MethodDelete, "/_admin/faults", nil, "", nil); status != http.StatusNoContent {
					t.Fatalf("DELETE /_admin/faults: HTTP %d", status)
				}
			} else {
				e.fake.ClearFaults()
			}
			e.session(appA, secretA, "alice")
			if got := e.classicToken(appA, secretA).ErrCode; got != 0 {
				t.Errorf("token after clearing: errcode %d", got)
			}
		})
	}
}

func TestBadFaultsAreRefused(t *testing.T) {
	tests := []struct {
		name string
		body map[string]any
	}{
		{"no kind", map[string]any{"endpoint": "token", "times": 1}},
		{"two kinds", map[string]any{"errcode": -1, "http_status": 502, "times": 1}},
		{"unknown endpoint", map[string]any{"endpoint": "sendmessage", "errcode": -1, "times": 1}},
		{"no times for an errcode", map[string]any{"errcode": -1}},
		{"status that is not 5xx", map[string]any{"http_status": 404, "times": 1}},
		{"negative latency", map[string]any{"latency_ms": -5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, fakewechat.Options{})
			var body struct{ Error string }
			if status := e.device("/_admin/faults", tt.body, &body); status != http.StatusBadRequest || body.Error == "" {
				t.Errorf("HTTP %d, error %q; want 400 with a JSON error", status, body.Error)
			}
			if !strings.HasPrefix(body.Error, "fakewechat: ") {
				t.Errorf("error %q", body.Error)
			}
		})
	}
}

func via(admin bool) string {
	if admin {
		return " (admin endpoint)"
	}
	return " (Go method)"
}
