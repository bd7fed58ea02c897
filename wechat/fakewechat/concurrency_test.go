package fakewechat_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mpauth/mpauth/wechat"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

// Benchmarks hammer the fake with 64+ clients; under -race this shows the
// state is guarded and that no code is handed out or exchanged twice.
func TestConcurrentDeviceLoginsAndExchanges(t *testing.T) {
	const clients, rounds, users = 64, 10, 8
	e := newEnv(t, fakewechat.Options{})

	post := func(path string, body any, out any) error {
		b, _ := json.Marshal(body)
		resp, err := http.Post(e.url+path, "application/json", bytes.NewReader(b))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: HTTP %d", path, resp.StatusCode)
		}
		return json.NewDecoder(resp.Body).Decode(out)
	}
	get := func(path string, q url.Values, out any) error {
		resp, err := http.Get(e.url + path + "?" + q.Encode())
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		return json.NewDecoder(resp.Body).Decode(out)
	}

	var mu sync.Mutex
	codes := map[string]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, clients*rounds)
	for c := range clients {
		wg.Go(func() {
			user := fmt.Sprintf("user%d", c%users)
			for range rounds {
				var login fakewechat.DeviceLoginResponse
				if err := post("/_device/login", fakewechat.DeviceLoginRequest{AppID: appA, User: user}, &login); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				dup := codes[login.Code]
				codes[login.Code] = true
				mu.Unlock()
				if dup {
					errs <- fmt.Errorf("code %s handed out twice", login.Code)
				}
				var sess wechat.Code2SessionResponse
				if err := get("/sns/jscode2session", url.Values{
					"appid": {appA}, "secret": {secretA}, "js_code": {login.Code}, "grant_type": {"authorization_code"},
				}, &sess); err != nil {
					errs <- err
					return
				}
				if sess.ErrCode != 0 || sess.OpenID != fakewechat.OpenID(appA, user) {
					errs <- fmt.Errorf("%s: errcode %d, openid %q", user, sess.ErrCode, sess.OpenID)
				}
				var tok wechat.TokenResponse
				if err := post("/cgi-bin/stable_token", wechat.StableTokenRequest{GrantType: "client_credential", AppID: appA, Secret: secretA}, &tok); err != nil || tok.ErrCode != 0 {
					errs <- fmt.Errorf("stable_token: %v, errcode %d", err, tok.ErrCode)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	st := e.fake.Stats()
	const n = clients * rounds
	if st.DeviceLogins != n || st.CodesExchanged != n || st.JSCode2Session != n || st.StableToken != n {
		t.Errorf("stats: %d logins, %d exchanged, %d jscode2session, %d stable_token; want %d each",
			st.DeviceLogins, st.CodesExchanged, st.JSCode2Session, st.StableToken, n)
	}
	if st.TokensIssued != 1 {
		t.Errorf("%d stable tokens issued under concurrent normal-mode calls, want 1", st.TokensIssued)
	}
}

// BenchmarkLoginAndExchange measures the fake alone under 64 goroutines per
// CPU, so that benchmarks of the real client measure the client.
func BenchmarkLoginAndExchange(b *testing.B) {
	fake := fakewechat.New(fakewechat.Options{})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	var n atomic.Int64
	b.SetParallelism(64)
	b.RunParallel(func(pb *testing.PB) {
		user := fmt.Sprintf("user%d", n.Add(1))
		for pb.Next() {
			code, err := fake.DeviceLogin(fakewechat.DemoAppID, user, false)
			if err != nil {
				b.Error(err)
				return
			}
			resp, err := client.Get(srv.URL + "/sns/jscode2session?" + url.Values{
				"appid": {fakewechat.DemoAppID}, "secret": {fakewechat.DemoAppSecret}, "js_code": {code}, "grant_type": {"authorization_code"},
			}.Encode())
			if err != nil {
				b.Error(err)
				return
			}
			var sess wechat.Code2SessionResponse
			err = json.NewDecoder(resp.Body).Decode(&sess)
			resp.Body.Close()
			if err != nil || sess.ErrCode != 0 {
				b.Errorf("decode %v, errcode %d", err, sess.ErrCode)
				return
			}
		}
	})
}
