package fakewechat_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/mpauth/mpauth/wechat"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

func TestClassicTokenIssuesANewTokenWithAGracePeriod(t *testing.T) {
	e := newEnv(t, fakewechat.Options{})
	first := e.classicToken(appA, secretA)
	second := e.classicToken(appA, secretA)
	if first.AccessToken == second.AccessToken {
		t.Fatal("two calls returned the same classic token")
	}
	if first.ExpiresIn != 7200 || second.ExpiresIn != 7200 {
		t.Errorf("expires_in = %d, %d, want 7200", first.ExpiresIn, second.ExpiresIn)
	}

	steps := []struct {
		name    string
		advance time.Duration
		token   string
		want    int
	}{
		{"previous token works right after", 0, first.AccessToken, tokenAccepted},
		{"previous token works within five minutes", 5*time.Minute - time.Second, first.AccessToken, tokenAccepted},
		{"previous token dies after five minutes with 40001", time.Second, first.AccessToken, 40001},
		{"newest token still works", 0, second.AccessToken, tokenAccepted},
		{"newest token expires after 7200 s with 42001", 7200*time.Second - 5*time.Minute, second.AccessToken, 42001},
	}
	for _, st := range steps {
		e.clock.Advance(st.advance)
		if got := e.tokenErrcode(st.token); got != st.want {
			t.Errorf("%s: errcode %d, want %d", st.name, got, st.want)
		}
	}
}

func TestStableToken(t *testing.T) {
	t.Run("same token until expiry, with what is left", func(t *testing.T) {
		e := newEnv(t, fakewechat.Options{})
		first := e.stableToken(appA, secretA, false)
		e.clock.Advance(100 * time.Second)
		again := e.stableToken(appA, secretA, false)
		if again.AccessToken != first.AccessToken {
			t.Fatal("normal mode returned a different token while the first was valid")
		}
		if first.ExpiresIn != 7200 || again.ExpiresIn != 7100 {
			t.Errorf("expires_in = %d then %d, want 7200 then 7100", first.ExpiresIn, again.ExpiresIn)
		}
	})

	t.Run("forced refresh kills the previous token at once", func(t *testing.T) {
		e := newEnv(t, fakewechat.Options{})
		first := e.stableToken(appA, secretA, false)
		forced := e.stableToken(appA, secretA, true)
		if forced.AccessToken == first.AccessToken || forced.ExpiresIn != 7200 {
			t.Fatalf("forced refresh: same token %v, expires_in %d", forced.AccessToken == first.AccessToken, forced.ExpiresIn)
		}
		if got := e.tokenErrcode(first.AccessToken); got != 40001 {
			t.Errorf("previous token: errcode %d, want 40001", got)
		}
		if got := e.stableToken(appA, secretA, false).AccessToken; got != forced.AccessToken {
			t.Error("normal mode after a forced refresh does not return the forced token")
		}
	})

	t.Run("next token comes early in the last five minutes", func(t *testing.T) {
		e := newEnv(t, fakewechat.Options{})
		first := e.stableToken(appA, secretA, false)
		e.clock.Advance(7200*time.Second - 5*time.Minute - time.Second)
		if got := e.stableToken(appA, secretA, false); got.AccessToken != first.AccessToken || got.ExpiresIn != 301 {
			t.Fatalf("before the window: new token %v, expires_in %d", got.AccessToken != first.AccessToken, got.ExpiresIn)
		}
		e.clock.Advance(time.Second)
		next := e.stableToken(appA, secretA, false)
		if next.AccessToken == first.AccessToken || next.ExpiresIn != 7200 {
			t.Fatalf("in the window: new token %v, expires_in %d", next.AccessToken != first.AccessToken, next.ExpiresIn)
		}
		if again := e.stableToken(appA, secretA, false); again.AccessToken != next.AccessToken {
			t.Error("a second call in the window got yet another token")
		}
		if got := e.tokenErrcode(first.AccessToken); got != tokenAccepted {
			t.Errorf("old token before its expiry: errcode %d, want it accepted", got)
		}
		e.clock.Advance(5 * time.Minute)
		if got := e.tokenErrcode(first.AccessToken); got != 42001 {
			t.Errorf("old token after its expiry: errcode %d, want 42001", got)
		}
		if got := e.stableToken(appA, secretA, false); got.AccessToken != next.AccessToken || got.ExpiresIn != 6900 {
			t.Errorf("after the old one expired: same as next %v, expires_in %d", got.AccessToken == next.AccessToken, got.ExpiresIn)
		}
	})

	t.Run("expired token answers 42001 and a new one is issued", func(t *testing.T) {
		e := newEnv(t, fakewechat.Options{})
		first := e.stableToken(appA, secretA, false)
		e.clock.Advance(7200 * time.Second)
		if got := e.tokenErrcode(first.AccessToken); got != 42001 {
			t.Errorf("errcode %d, want 42001", got)
		}
		if got := e.stableToken(appA, secretA, false); got.AccessToken == first.AccessToken || got.ExpiresIn != 7200 {
			t.Errorf("after expiry: same token %v, expires_in %d", got.AccessToken == first.AccessToken, got.ExpiresIn)
		}
	})

	t.Run("forced refresh is limited to one per 30 s and 20 a day", func(t *testing.T) {
		e := newEnv(t, fakewechat.Options{})
		if got := e.stableToken(appA, secretA, true).ErrCode; got != 0 {
			t.Fatalf("first forced refresh: errcode %d", got)
		}
		e.clock.Advance(29 * time.Second)
		if got := e.stableToken(appA, secretA, true).ErrCode; got != 45011 {
			t.Errorf("forced again after 29 s: errcode %d, want 45011", got)
		}
		for i := 2; i <= 20; i++ {
			e.clock.Advance(30 * time.Second)
			if got := e.stableToken(appA, secretA, true).ErrCode; got != 0 {
				t.Fatalf("forced refresh %d: errcode %d", i, got)
			}
		}
		e.clock.Advance(30 * time.Second)
		if got := e.stableToken(appA, secretA, true).ErrCode; got != 45009 {
			t.Errorf("21st forced refresh of the day: errcode %d, want 45009", got)
		}
		e.clock.Advance(24 * time.Hour)
		if got := e.stableToken(appA, secretA, true).ErrCode; got != 0 {
			t.Errorf("forced refresh the next day: errcode %d, want 0", got)
		}
	})
}

func TestStableAndClassicTokensAreSeparate(t *testing.T) {
	e := newEnv(t, fakewechat.Options{})
	stable := e.stableToken(appA, secretA, false)
	classic := e.classicToken(appA, secretA)
	e.classicToken(appA, secretA)
	e.clock.Advance(6 * time.Minute) // past the classic grace
	if got := e.tokenErrcode(stable.AccessToken); got != tokenAccepted {
		t.Errorf("stable token after classic calls: errcode %d", got)
	}
	if got := e.stableToken(appA, secretA, false).AccessToken; got != stable.AccessToken {
		t.Error("classic calls changed the stable token")
	}

	latest := e.classicToken(appA, secretA)
	e.stableToken(appA, secretA, true)
	if got := e.tokenErrcode(latest.AccessToken); got != tokenAccepted {
		t.Errorf("classic token after a forced stable refresh: errcode %d", got)
	}
	if classic.AccessToken == stable.AccessToken {
		t.Error("classic and stable share a token")
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	tests := []struct {
		name string
		call func(e *env) wechat.TokenResponse
		want int
	}{
		{"classic: unknown appid answers 40013", func(e *env) wechat.TokenResponse {
			return e.classicToken("wxnosuchapp0000000", secretA)
		}, 40013},
		{"classic: wrong secret answers 40125", func(e *env) wechat.TokenResponse {
			return e.classicToken(appA, secretB)
		}, 40125},
		{"classic: wrong grant_type answers 40002", func(e *env) wechat.TokenResponse {
			var resp wechat.TokenResponse
			e.wechatCall(http.MethodGet, "/cgi-bin/token", url.Values{"grant_type": {"authorization_code"}, "appid": {appA}, "secret": {secretA}}, nil, &resp)
			return resp
		}, 40002},
		{"stable: unknown appid answers 40013", func(e *env) wechat.TokenResponse {
			return e.stableToken("wxnosuchapp0000000", secretA, false)
		}, 40013},
		{"stable: wrong secret answers 40125", func(e *env) wechat.TokenResponse {
			return e.stableToken(appA, secretB, false)
		}, 40125},
		{"stable: missing secret answers 41004", func(e *env) wechat.TokenResponse {
			return e.stableToken(appA, "", false)
		}, 41004},
		{"stable: GET answers 43002", func(e *env) wechat.TokenResponse {
			var resp wechat.TokenResponse
			e.wechatCall(http.MethodGet, "/cgi-bin/stable_token", url.Values{"grant_type": {"client_credential"}, "appid": {appA}, "secret": {secretA}}, nil, &resp)
			return resp
		}, 43002},
		{"stable: form body answers 47001", func(e *env) wechat.TokenResponse {
			body := url.Values{"grant_type": {"client_credential"}, "appid": {appA}, "secret": {secretA}}.Encode()
			_, b := e.do(http.MethodPost, "/cgi-bin/stable_token", nil, "application/x-www-form-urlencoded", []byte(body))
			var resp wechat.TokenResponse
			mustUnmarshal(t, b, &resp)
			return resp
		}, 47001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, fakewechat.Options{})
			resp := tt.call(e)
			if resp.ErrCode != tt.want || resp.AccessToken != "" {
				t.Errorf("errcode %d (%s), token given %v; want %d", resp.ErrCode, resp.ErrMsg, resp.AccessToken != "", tt.want)
			}
		})
	}
}

func TestAPIsCheckTheAccessToken(t *testing.T) {
	e := newEnv(t, fakewechat.Options{})
	valid := e.stableToken(appA, secretA, false).AccessToken
	if ok, _ := regexp.MatchString(`^[0-9A-Za-z_-]{20,512}$`, valid); !ok {
		t.Errorf("token %q does not look like WeChat's", valid)
	}
	tests := []struct {
		name  string
		query url.Values
		want  int
	}{
		{"valid token passes", url.Values{"access_token": {valid}}, tokenAccepted},
		{"missing token answers 41001", url.Values{}, 41001},
		{"empty token answers 40014", url.Values{"access_token": {""}}, 40014},
		{"token with a bad character answers 40014", url.Values{"access_token": {valid[:20] + "!"}}, 40014},
		{"unknown token answers 40001", url.Values{"access_token": {valid[:len(valid)-1]}}, 40001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp wechat.PhoneNumberResponse
			e.wechatCall(http.MethodPost, "/wxa/business/getuserphonenumber", tt.query, wechat.PhoneNumberRequest{Code: "x"}, &resp)
			if resp.ErrCode != tt.want {
				t.Errorf("errcode %d (%s), want %d", resp.ErrCode, resp.ErrMsg, tt.want)
			}
		})
	}
}

func TestInvalidateAccessToken(t *testing.T) {
	tests := []struct {
		name       string
		invalidate func(e *env)
	}{
		{"Go method", func(e *env) { e.fake.InvalidateAccessToken(appA) }},
		{"admin endpoint", func(e *env) {
			if status := e.device("/_admin/invalidate-token", map[string]string{"appid": appA}, nil); status != http.StatusNoContent {
				t.Fatalf("HTTP %d", status)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, fakewechat.Options{})
			graced := e.classicToken(appA, secretA).AccessToken
			classic := e.classicToken(appA, secretA).AccessToken
			stable := e.stableToken(appA, secretA, false).AccessToken
			other := e.stableToken(appB, secretB, false).AccessToken

			tt.invalidate(e)

			for name, token := range map[string]string{"graced classic": graced, "classic": classic, "stable": stable} {
				if got := e.tokenErrcode(token); got != 40001 {
					t.Errorf("%s token: errcode %d, want 40001", name, got)
				}
			}
			if got := e.tokenErrcode(other); got != tokenAccepted {
				t.Errorf("other app's token: errcode %d, want it untouched", got)
			}
			fresh := e.stableToken(appA, secretA, false).AccessToken
			if fresh == stable || e.tokenErrcode(fresh) != tokenAccepted {
				t.Error("the next stable_token call does not give a fresh working token")
			}
		})
	}
}

func TestInvalidateTokenRejectsUnknownApp(t *testing.T) {
	e := newEnv(t, fakewechat.Options{})
	if status := e.device("/_admin/invalidate-token", map[string]string{"appid": "wxnosuchapp0000000"}, nil); status != http.StatusBadRequest {
		t.Errorf("HTTP %d, want 400", status)
	}
}
