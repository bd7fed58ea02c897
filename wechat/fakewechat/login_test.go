package fakewechat_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mpauth/mpauth/wechat"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

func TestCode2Session(t *testing.T) {
	query := func(appid, secret, code string) url.Values {
		return url.Values{"appid": {appid}, "secret": {secret}, "js_code": {code}, "grant_type": {"authorization_code"}}
	}
	tests := []struct {
		name string
		call func(e *env) wechat.Code2SessionResponse
		want int
	}{
		{"fresh code returns a session", func(e *env) wechat.Code2SessionResponse {
			return e.code2session(appA, secretA, e.login(appA, "alice"))
		}, 0},
		{"same code twice answers 40163", func(e *env) wechat.Code2SessionResponse {
			code := e.login(appA, "alice")
			e.code2session(appA, secretA, code)
			return e.code2session(appA, secretA, code)
		}, 40163},
		{"code still works just before five minutes", func(e *env) wechat.Code2SessionResponse {
			code := e.login(appA, "alice")
			e.clock.Advance(5*time.Minute - time.Second)
			return e.code2session(appA, secretA, code)
		}, 0},
		{"code expires after five minutes with 40029", func(e *env) wechat.Code2SessionResponse {
			code := e.login(appA, "alice")
			e.clock.Advance(5 * time.Minute)
			return e.code2session(appA, secretA, code)
		}, 40029},
		{"code of another app answers 40029", func(e *env) wechat.Code2SessionResponse {
			return e.code2session(appB, secretB, e.login(appA, "alice"))
		}, 40029},
		{"made-up code answers 40029", func(e *env) wechat.Code2SessionResponse {
			return e.code2session(appA, secretA, "0a3Xkl000Qx5xx1xxx000xxxxx3Xkl0U")
		}, 40029},
		{"unknown appid answers 40013", func(e *env) wechat.Code2SessionResponse {
			return e.code2session("wxnosuchapp0000000", secretA, e.login(appA, "alice"))
		}, 40013},
		{"wrong secret answers 40125", func(e *env) wechat.Code2SessionResponse {
			return e.code2session(appA, secretB, e.login(appA, "alice"))
		}, 40125},
		{"missing appid answers 41002", func(e *env) wechat.Code2SessionResponse {
			return e.code2session("", secretA, e.login(appA, "alice"))
		}, 41002},
		{"missing secret answers 41004", func(e *env) wechat.Code2SessionResponse {
			return e.code2session(appA, "", e.login(appA, "alice"))
		}, 41004},
		{"missing js_code answers 41008", func(e *env) wechat.Code2SessionResponse {
			return e.code2session(appA, secretA, "")
		}, 41008},
		{"wrong grant_type answers 40002", func(e *env) wechat.Code2SessionResponse {
			q := query(appA, secretA, e.login(appA, "alice"))
			q.Set("grant_type", "client_credential")
			var resp wechat.Code2SessionResponse
			e.wechatCall(http.MethodGet, "/sns/jscode2session", q, nil, &resp)
			return resp
		}, 40002},
		{"POST answers 43001", func(e *env) wechat.Code2SessionResponse {
			var resp wechat.Code2SessionResponse
			e.wechatCall(http.MethodPost, "/sns/jscode2session", query(appA, secretA, e.login(appA, "alice")), nil, &resp)
			return resp
		}, 43001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, fakewechat.Options{})
			resp := tt.call(e)
			if resp.ErrCode != tt.want {
				t.Fatalf("errcode = %d (%s), want %d", resp.ErrCode, resp.ErrMsg, tt.want)
			}
			if tt.want != 0 {
				if resp.SessionKey != "" || resp.OpenID != "" {
					t.Errorf("error answer carries a session: %+v", resp)
				}
				if !errmsgHasRid(resp.ErrMsg) {
					t.Errorf("errmsg %q lacks WeChat's rid suffix", resp.ErrMsg)
				}
				return
			}
			if resp.OpenID != fakewechat.OpenID(appA, "alice") {
				t.Errorf("openid = %q, want the stable openid of alice", resp.OpenID)
			}
			if len(resp.SessionKey) != 24 {
				t.Errorf("session_key %q is not base64 of 16 bytes", resp.SessionKey)
			}
			if resp.UnionID != "" {
				t.Errorf("unionid %q present although nobody asked", resp.UnionID)
			}
		})
	}
}

func TestCode2SessionIsServedAsTextPlainLikeWeChat(t *testing.T) {
	e := newEnv(t, fakewechat.Options{})
	resp, err := http.Get(e.url + "/sns/jscode2session?" + url.Values{
		"appid": {appA}, "secret": {secretA}, "js_code": {e.login(appA, "alice")}, "grant_type": {"authorization_code"},
	}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Content-Type"); got != "text/plain" {
		t.Errorf("Content-Type = %q, want text/plain", got)
	}
}

func TestSessionKeyRotationOnNewLogin(t *testing.T) {
	tests := []struct {
		name   string
		policy fakewechat.RotatePolicy
		every  int
		// want names the key each of five logins returns: the same letter
		// is the same key.
		want string
	}{
		{"default rotates on every login", fakewechat.RotateAlways, 0, "abcde"},
		{"never keeps the first key", fakewechat.RotateNever, 0, "aaaaa"},
		{"every 2 serves two logins per key", fakewechat.RotateEveryN, 2, "aabbc"},
		{"every 1 is every login", fakewechat.RotateEveryN, 1, "abcde"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, fakewechat.Options{RotateSessionKey: tt.policy, RotateEvery: tt.every})
			letters := map[string]byte{}
			var got []byte
			for range 5 {
				key := e.session(appA, secretA, "alice").SessionKey
				if _, seen := letters[key]; !seen {
					letters[key] = byte('a' + len(letters))
				}
				got = append(got, letters[key])
			}
			if string(got) != tt.want {
				t.Errorf("keys = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestOlderCodeGetsTheUsersCurrentKey(t *testing.T) {
	e := newEnv(t, fakewechat.Options{})
	first := e.login(appA, "alice")
	second := e.login(appA, "alice")
	a := e.code2session(appA, secretA, first)
	b := e.code2session(appA, secretA, second)
	if a.ErrCode != 0 || a.SessionKey != b.SessionKey {
		t.Errorf("older code: errcode %d, same key %v; want the one current key", a.ErrCode, a.SessionKey == b.SessionKey)
	}
}

func TestOpenIDAndUnionID(t *testing.T) {
	e := newEnv(t, fakewechat.Options{OpenPlatformApps: []string{appB}})
	withUnion := func(appid, secret, user string, ask bool) wechat.Code2SessionResponse {
		var resp fakewechat.DeviceLoginResponse
		e.device("/_device/login", fakewechat.DeviceLoginRequest{AppID: appid, User: user, UnionID: ask}, &resp)
		return e.code2session(appid, secret, resp.Code)
	}

	aliceA := withUnion(appA, secretA, "alice", false)
	aliceA2 := withUnion(appA, secretA, "alice", true)
	aliceB := withUnion(appB, secretB, "alice", false) // appB is bound to the open platform
	bobA := withUnion(appA, secretA, "bob", true)

	t.Run("openid is stable per app and user", func(t *testing.T) {
		if aliceA.OpenID != aliceA2.OpenID {
			t.Errorf("alice's openid changed between logins: %q, %q", aliceA.OpenID, aliceA2.OpenID)
		}
		if other := newEnv(t, fakewechat.Options{}).session(appA, secretA, "alice"); other.OpenID != aliceA.OpenID {
			t.Errorf("alice's openid differs between two fakes: %q, %q", aliceA.OpenID, other.OpenID)
		}
	})
	t.Run("openid differs per app and per user", func(t *testing.T) {
		if aliceA.OpenID == aliceB.OpenID || aliceA.OpenID == bobA.OpenID {
			t.Errorf("openids collide: %q, %q, %q", aliceA.OpenID, aliceB.OpenID, bobA.OpenID)
		}
	})
	t.Run("openid looks like WeChat's", func(t *testing.T) {
		if len(aliceA.OpenID) != 28 || !strings.HasPrefix(aliceA.OpenID, "o") {
			t.Errorf("openid %q: want o and 27 characters", aliceA.OpenID)
		}
	})
	t.Run("unionid only when asked or bound", func(t *testing.T) {
		if aliceA.UnionID != "" {
			t.Errorf("unionid %q without asking", aliceA.UnionID)
		}
		if aliceA2.UnionID == "" || aliceB.UnionID == "" {
			t.Fatalf("unionid missing: asked %q, bound app %q", aliceA2.UnionID, aliceB.UnionID)
		}
	})
	t.Run("unionid is the same across apps and differs per user", func(t *testing.T) {
		if aliceA2.UnionID != aliceB.UnionID {
			t.Errorf("alice's unionid differs across apps: %q, %q", aliceA2.UnionID, aliceB.UnionID)
		}
		if bobA.UnionID == aliceA2.UnionID || aliceA2.UnionID == aliceA2.OpenID {
			t.Errorf("unionid collides: alice %q, bob %q", aliceA2.UnionID, bobA.UnionID)
		}
	})
}

func TestParseAppFlag(t *testing.T) {
	tests := []struct {
		name, in              string
		wantAppID, wantSecret string
		wantErr               bool
	}{
		{"appid and secret", "wx123:s3cret", "wx123", "s3cret", false},
		{"secret may hold colons", "wx123:a:b", "wx123", "a:b", false},
		{"no colon", "wx123", "", "", true},
		{"empty appid", ":s3cret", "", "", true},
		{"empty secret", "wx123:", "", "", true},
		{"space in appid", "wx 123:s3cret", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			appid, secret, err := fakewechat.ParseAppFlag(tt.in)
			if (err != nil) != tt.wantErr || appid != tt.wantAppID || secret != tt.wantSecret {
				t.Fatalf("ParseAppFlag(%q) = %q, %q, %v", tt.in, appid, secret, err)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q repeats the secret", err)
			}
		})
	}
}

func TestDemoAppWhenNoAppsConfigured(t *testing.T) {
	e := newEnv(t, fakewechat.Options{Apps: map[string]string{}})
	if resp := e.session(fakewechat.DemoAppID, fakewechat.DemoAppSecret, "alice"); resp.OpenID == "" {
		t.Fatal("no session for the demo app")
	}
}
