package api_test

import (
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/mpauth/mpauth/wechat/fakewechat"
)

// WeChat misbehaving in every way we know: each answer is a clear
// wechat_unavailable after bounded retries, with an audit row, and the
// client leaves no goroutine behind.
func TestWeChatFaultsAnswerWeChatUnavailableAndLeakNothing(t *testing.T) {
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	deadURL := "http://" + closed.Addr().String()
	closed.Close() // connection refused from now on

	cases := []struct {
		name  string
		opt   envOptions
		fault *fakewechat.Fault
	}{
		{"slow beyond the timeout", envOptions{wechatTimeout: 100 * time.Millisecond}, &fakewechat.Fault{Endpoint: fakewechat.EndpointJSCode2Session, Latency: time.Second}},
		{"down: connection refused", envOptions{wechatBaseURL: deadURL}, nil},
		{"answering 5xx", envOptions{}, &fakewechat.Fault{HTTPStatus: 503, Times: -1}},
		{"malformed JSON", envOptions{}, &fakewechat.Fault{Malformed: true, Times: -1}},
		{"busy (-1) without end", envOptions{}, &fakewechat.Fault{ErrCode: -1, Times: -1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newAPIEnv(t, c.opt)
			code := e.deviceLogin(appA, "walt")
			if c.fault != nil {
				if err := e.fake.AddFault(*c.fault); err != nil {
					t.Fatal(err)
				}
			}
			e.closeIdle()
			before := runtime.NumGoroutine()
			start := time.Now()
			r := e.call("POST", "/api/v1/login", "", map[string]string{"code": code})
			if r.Status != 503 || r.errorCode() != "wechat_unavailable" {
				t.Fatalf("%d %s, want 503 wechat_unavailable", r.Status, r.Raw)
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Fatalf("took %v: retries are not bounded", took)
			}
			if n := e.countAudit("event = 'login' AND error_code = 'wechat_unavailable' AND reason <> ''"); n != 1 {
				t.Fatalf("audit rows = %d, want 1", n)
			}
			if calls := e.fake.Stats().JSCode2Session; calls > 3 {
				t.Fatalf("code2Session called %d times: more than the retry bound", calls)
			}
			e.fake.ClearFaults()
			e.closeIdle()
			assertGoroutinesSettle(t, before)
		})
	}
}

// assertGoroutinesSettle waits (bounded) for goroutines started by a request
// to end; keep-alive connections may take a moment to close.
func assertGoroutinesSettle(t *testing.T, baseline int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= baseline+2 {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d now, %d before the request\n%s", n, baseline, buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
	}
}
