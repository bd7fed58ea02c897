package fakewechat_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mpauth/mpauth/wechat"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

// goldenKey and goldenSignature were computed outside Go with
//
//	printf '' | openssl dgst -sha256 -hmac 'HyVFkGl5F5OQWJZZaNzBBg=='
const (
	goldenKey       = "HyVFkGl5F5OQWJZZaNzBBg=="
	goldenSignature = "252b75c92698025afe925b29cca5517fdf9ee67aae072cf3225ebf3a53783058"
)

func TestTheTestsSignatureMatchesOpenSSL(t *testing.T) {
	if got := signature(goldenKey); got != goldenSignature {
		t.Fatalf("signature(%q) = %s, want %s", goldenKey, got, goldenSignature)
	}
}

func TestCheckSession(t *testing.T) {
	// Wrong signatures that SDKs have shipped or might.
	rawBytes := func(key string) string {
		m := hmac.New(sha256.New, []byte(key))
		return string(m.Sum(nil))
	}
	decodedKey := func(key string) string {
		k, _ := base64.StdEncoding.DecodeString(key)
		m := hmac.New(sha256.New, k)
		return hex.EncodeToString(m.Sum(nil))
	}

	tests := []struct {
		name string
		// query builds the call from the user's openid and session_key.
		query func(openid, key string) url.Values
		want  int
	}{
		{"right signature answers 0", func(openid, key string) url.Values {
			return url.Values{"openid": {openid}, "signature": {signature(key)}, "sig_method": {"hmac_sha256"}}
		}, 0},
		{"raw digest bytes instead of hex answer 87009", func(openid, key string) url.Values {
			return url.Values{"openid": {openid}, "signature": {rawBytes(key)}, "sig_method": {"hmac_sha256"}}
		}, 87009},
		{"key decoded from base64 answers 87009", func(openid, key string) url.Values {
			return url.Values{"openid": {openid}, "signature": {decodedKey(key)}, "sig_method": {"hmac_sha256"}}
		}, 87009},
		{"uppercase hex answers 87009", func(openid, key string) url.Values {
			return url.Values{"openid": {openid}, "signature": {strings.ToUpper(signature(key))}, "sig_method": {"hmac_sha256"}}
		}, 87009},
		{"missing signature answers 87009", func(openid, key string) url.Values {
			return url.Values{"openid": {openid}, "sig_method": {"hmac_sha256"}}
		}, 87009},
		{"other sig_method answers 40097", func(openid, key string) url.Values {
			return url.Values{"openid": {openid}, "signature": {signature(key)}, "sig_method": {"md5"}}
		}, 40097},
		{"missing openid answers 41009", func(openid, key string) url.Values {
			return url.Values{"signature": {signature(key)}, "sig_method": {"hmac_sha256"}}
		}, 41009},
		{"openid of another app answers 40003", func(openid, key string) url.Values {
			return url.Values{"openid": {fakewechat.OpenID(appB, "alice")}, "signature": {signature(key)}, "sig_method": {"hmac_sha256"}}
		}, 40003},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, fakewechat.Options{})
			e.session(appB, secretB, "alice")
			s := e.session(appA, secretA, "alice")
			q := tt.query(s.OpenID, s.SessionKey)
			q.Set("access_token", e.stableToken(appA, secretA, false).AccessToken)
			var resp wechat.BaseResponse
			e.wechatCall(http.MethodGet, "/wxa/checksession", q, nil, &resp)
			if resp.ErrCode != tt.want {
				t.Errorf("errcode %d (%s), want %d", resp.ErrCode, resp.ErrMsg, tt.want)
			}
		})
	}
}

func TestCheckSessionAfterLoginStateChanges(t *testing.T) {
	tests := []struct {
		name   string
		change func(e *env)
		// want is checksession's errcode for the key the server holds from
		// before the change.
		want       int
		wantDevice bool
	}{
		{"nothing changed", func(e *env) {}, 0, true},
		{"a new login rotated the key", func(e *env) { e.login(appA, "alice") }, 87009, true},
		{"WeChat dropped the login state", func(e *env) { e.fake.ExpireSession(appA, "alice") }, 87009, false},
		{"admin dropped the login state", func(e *env) {
			e.device("/_admin/expire-session", fakewechat.DeviceUser{AppID: appA, User: "alice"}, nil)
		}, 87009, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, fakewechat.Options{})
			s := e.session(appA, secretA, "alice")
			token := e.stableToken(appA, secretA, false).AccessToken
			tt.change(e)
			if got := e.signed("/wxa/checksession", token, s.OpenID, signature(s.SessionKey)).ErrCode; got != tt.want {
				t.Errorf("checksession: errcode %d, want %d", got, tt.want)
			}
			var dev fakewechat.DeviceCheckSessionResponse
			e.device("/_device/checksession", fakewechat.DeviceUser{AppID: appA, User: "alice"}, &dev)
			if dev.OK != tt.wantDevice {
				t.Errorf("wx.checkSession ok = %v, want %v", dev.OK, tt.wantDevice)
			}
		})
	}
}

func TestExpiredLoginStateNeedsANewLogin(t *testing.T) {
	e := newEnv(t, fakewechat.Options{})
	code := e.login(appA, "alice")
	e.fake.ExpireSession(appA, "alice")
	if got := e.code2session(appA, secretA, code).ErrCode; got != 40029 {
		t.Errorf("code from before the expiry: errcode %d, want 40029", got)
	}
	var body struct{ Error string }
	if status := e.device("/_device/phone", fakewechat.DevicePhoneRequest{AppID: appA, User: "alice", Phone: "13800138000"}, &body); status != http.StatusBadRequest {
		t.Errorf("phone without login state: HTTP %d, want 400", status)
	}
	e.session(appA, secretA, "alice")
	var dev fakewechat.DeviceCheckSessionResponse
	e.device("/_device/checksession", fakewechat.DeviceUser{AppID: appA, User: "alice"}, &dev)
	if !dev.OK {
		t.Error("wx.checkSession fails after a new login")
	}
}

func TestDeviceCheckSessionBeforeAnyLogin(t *testing.T) {
	e := newEnv(t, fakewechat.Options{})
	var dev fakewechat.DeviceCheckSessionResponse
	if status := e.device("/_device/checksession", fakewechat.DeviceUser{AppID: appA, User: "alice"}, &dev); status != http.StatusOK || dev.OK {
		t.Errorf("HTTP %d, ok %v; want 200 and false", status, dev.OK)
	}
}

func TestResetUserSessionKey(t *testing.T) {
	e := newEnv(t, fakewechat.Options{})
	s := e.session(appA, secretA, "alice")
	token := e.stableToken(appA, secretA, false).AccessToken

	_, body := e.do(http.MethodGet, "/wxa/resetusersessionkey", url.Values{
		"access_token": {token}, "openid": {s.OpenID}, "signature": {signature(s.SessionKey)}, "sig_method": {"hmac_sha256"},
	}, "", nil)
	var reset wechat.ResetSessionKeyResponse
	mustUnmarshal(t, body, &reset)
	if !strings.Contains(string(body), `"errcode":0`) || reset.ErrMsg != "ok" {
		t.Errorf("body %s: want errcode 0 and errmsg ok spelled out", body)
	}
	if reset.OpenID != s.OpenID || len(reset.SessionKey) != 24 || reset.SessionKey == s.SessionKey {
		t.Fatalf("reset: openid ok %v, new key %v", reset.OpenID == s.OpenID, reset.SessionKey != s.SessionKey)
	}

	if got := e.signed("/wxa/checksession", token, s.OpenID, signature(s.SessionKey)).ErrCode; got != 87009 {
		t.Errorf("old key after reset: errcode %d, want 87009", got)
	}
	if got := e.signed("/wxa/checksession", token, s.OpenID, signature(reset.SessionKey)).ErrCode; got != 0 {
		t.Errorf("new key after reset: errcode %d, want 0", got)
	}
	if got := e.signed("/wxa/resetusersessionkey", token, s.OpenID, signature(s.SessionKey)).ErrCode; got != 87009 {
		t.Errorf("reset with the old key: errcode %d, want 87009", got)
	}

	// The device's phone data now uses the new key, and its login state
	// survives a reset the server asked for.
	ev := e.phone(appA, "alice", "13800138000")
	if _, err := decrypt(t, reset.SessionKey, ev.EncryptedData, ev.IV); err != nil {
		t.Errorf("phone data after reset does not decrypt with the new key: %v", err)
	}
	if key, ok := e.fake.SessionKey(appA, "alice"); !ok || key.Reveal() != reset.SessionKey {
		t.Error("SessionKey does not report the reset key")
	}
}
