package fakewechat_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/mpauth/mpauth/wechat"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

// decrypt is the test's own AES-128-CBC/PKCS#7 decryption of open data, as
// the reference describes it, independent of the fake.
func decrypt(t *testing.T, sessionKey, encryptedData, iv string) ([]byte, error) {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(sessionKey)
	if err != nil || len(key) != 16 {
		t.Fatalf("session_key %q: %v", sessionKey, err)
	}
	ivb, err := base64.StdEncoding.DecodeString(iv)
	if err != nil || len(ivb) != 16 {
		t.Fatalf("iv %q: %v", iv, err)
	}
	data, err := base64.StdEncoding.DecodeString(encryptedData)
	if err != nil || len(data) == 0 || len(data)%16 != 0 {
		t.Fatalf("encryptedData: %v, %d bytes", err, len(data))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	cipher.NewCBCDecrypter(block, ivb).CryptBlocks(data, data)
	pad := int(data[len(data)-1])
	if pad == 0 || pad > 16 || !bytes.Equal(data[len(data)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, errors.New("bad padding")
	}
	return data[:len(data)-pad], nil
}

func TestPhoneEventDecryptsToTheDocumentedJSON(t *testing.T) {
	tests := []struct {
		name, input                          string
		wantPhone, wantPure, wantCountryCode string
	}{
		{"E.164 mainland", "+8613800138000", "13800138000", "13800138000", "86"},
		{"bare mainland", "13800138000", "13800138000", "13800138000", "86"},
		{"one-digit country code gets a prefix", "+12025550123", "+1 2025550123", "2025550123", "1"},
		{"two-digit country code", "+447911123456", "+44 7911123456", "7911123456", "44"},
		{"three-digit country code", "+85261234567", "+852 61234567", "61234567", "852"},
		{"explicit space after the country code", "+1 2025550123", "+1 2025550123", "2025550123", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, fakewechat.Options{})
			key := e.session(appA, secretA, "alice").SessionKey
			ev := e.phone(appA, "alice", tt.input)
			if ev.ErrMsg != "getPhoneNumber:ok" || ev.Code == "" {
				t.Fatalf("event %+v", ev)
			}
			plain, err := decrypt(t, key, ev.EncryptedData, ev.IV)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(plain, &got); err != nil {
				t.Fatalf("plaintext is not JSON: %v", err)
			}
			want := map[string]any{
				"phoneNumber": tt.wantPhone, "purePhoneNumber": tt.wantPure, "countryCode": tt.wantCountryCode,
				"watermark": map[string]any{"appid": appA, "timestamp": float64(e.clock.Now().Unix())},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("plaintext = %s\nwant        %s", plain, mustMarshal(t, want))
			}

			token := e.stableToken(appA, secretA, false).AccessToken
			resp := e.phoneNumber(token, ev.Code)
			if resp.ErrCode != 0 || resp.PhoneInfo == nil {
				t.Fatalf("getuserphonenumber: errcode %d", resp.ErrCode)
			}
			info := resp.PhoneInfo
			if info.PhoneNumber != tt.wantPhone || info.PurePhoneNumber != tt.wantPure || string(info.CountryCode) != tt.wantCountryCode ||
				info.Watermark.AppID != appA || info.Watermark.Timestamp != e.clock.Now().Unix() {
				t.Errorf("phone_info = %+v", *info)
			}
		})
	}
}

func TestGetUserPhoneNumberAnswersErrcodeZeroExplicitly(t *testing.T) {
	e := newEnv(t, fakewechat.Options{})
	e.session(appA, secretA, "alice")
	ev := e.phone(appA, "alice", "+8613800138000")
	token := e.stableToken(appA, secretA, false).AccessToken
	_, body := e.do(http.MethodPost, "/wxa/business/getuserphonenumber", url.Values{"access_token": {token}}, "application/json",
		mustMarshal(t, wechat.PhoneNumberRequest{Code: ev.Code}))
	var raw map[string]json.RawMessage
	mustUnmarshal(t, body, &raw)
	if string(raw["errcode"]) != "0" || string(raw["errmsg"]) != `"ok"` {
		t.Errorf("body %s: want errcode 0 and errmsg ok spelled out", body)
	}
}

func TestPhoneCodes(t *testing.T) {
	tests := []struct {
		name string
		call func(e *env, token, code string) wechat.PhoneNumberResponse
		want int
	}{
		{"phone code is single-use", func(e *env, token, code string) wechat.PhoneNumberResponse {
			e.phoneNumber(token, code)
			return e.phoneNumber(token, code)
		}, 40029},
		{"phone code works just before five minutes", func(e *env, token, code string) wechat.PhoneNumberResponse {
			e.clock.Advance(5*time.Minute - time.Second)
			return e.phoneNumber(token, code)
		}, 0},
		{"phone code expires after five minutes", func(e *env, token, code string) wechat.PhoneNumberResponse {
			e.clock.Advance(5 * time.Minute)
			return e.phoneNumber(token, code)
		}, 40029},
		{"phone code of another app answers 40029", func(e *env, token, code string) wechat.PhoneNumberResponse {
			return e.phoneNumber(e.stableToken(appB, secretB, false).AccessToken, code)
		}, 40029},
		{"a login code is not a phone code", func(e *env, token, code string) wechat.PhoneNumberResponse {
			return e.phoneNumber(token, e.login(appA, "alice"))
		}, 40029},
		{"missing code answers 41008", func(e *env, token, code string) wechat.PhoneNumberResponse {
			return e.phoneNumber(token, "")
		}, 41008},
		{"openid of someone else answers 40003", func(e *env, token, code string) wechat.PhoneNumberResponse {
			var resp wechat.PhoneNumberResponse
			e.wechatCall(http.MethodPost, "/wxa/business/getuserphonenumber", url.Values{"access_token": {token}},
				wechat.PhoneNumberRequest{Code: code, OpenID: fakewechat.OpenID(appA, "bob")}, &resp)
			return resp
		}, 40003},
		{"openid of the user passes", func(e *env, token, code string) wechat.PhoneNumberResponse {
			var resp wechat.PhoneNumberResponse
			e.wechatCall(http.MethodPost, "/wxa/business/getuserphonenumber", url.Values{"access_token": {token}},
				wechat.PhoneNumberRequest{Code: code, OpenID: fakewechat.OpenID(appA, "alice")}, &resp)
			return resp
		}, 0},
		{"GET answers 43002", func(e *env, token, code string) wechat.PhoneNumberResponse {
			var resp wechat.PhoneNumberResponse
			e.wechatCall(http.MethodGet, "/wxa/business/getuserphonenumber", url.Values{"access_token": {token}}, nil, &resp)
			return resp
		}, 43002},
		{"body that is not JSON answers 47001", func(e *env, token, code string) wechat.PhoneNumberResponse {
			_, b := e.do(http.MethodPost, "/wxa/business/getuserphonenumber", url.Values{"access_token": {token}},
				"application/x-www-form-urlencoded", []byte("code="+code))
			var resp wechat.PhoneNumberResponse
			mustUnmarshal(t, b, &resp)
			return resp
		}, 47001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, fakewechat.Options{})
			e.session(appA, secretA, "alice")
			code := e.phone(appA, "alice", "13800138000").Code
			token := e.stableToken(appA, secretA, false).AccessToken
			resp := tt.call(e, token, code)
			if resp.ErrCode != tt.want {
				t.Errorf("errcode %d (%s), want %d", resp.ErrCode, resp.ErrMsg, tt.want)
			}
			if (resp.PhoneInfo != nil) != (tt.want == 0) {
				t.Errorf("phone_info present %v with errcode %d", resp.PhoneInfo != nil, resp.ErrCode)
			}
		})
	}
}

// The seed's trap: the user taps the phone button, then the mini program
// calls wx.login again before the server exchanged the first code. The
// server's newest session_key no longer decrypts the data.
func TestStaleSessionKeyTrap(t *testing.T) {
	tests := []struct {
		name        string
		policy      fakewechat.RotatePolicy
		wantDecrypt bool
	}{
		{"key rotated by the new login fails to decrypt", fakewechat.RotateAlways, false},
		{"key kept by the new login decrypts", fakewechat.RotateNever, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, fakewechat.Options{RotateSessionKey: tt.policy})
			e.session(appA, secretA, "alice")
			ev := e.phone(appA, "alice", "13800138000")
			key := e.session(appA, secretA, "alice").SessionKey

			plain, err := decrypt(t, key, ev.EncryptedData, ev.IV)
			var info wechat.PhoneInfo
			decrypted := err == nil && json.Unmarshal(plain, &info) == nil && info.PurePhoneNumber == "13800138000"
			if decrypted != tt.wantDecrypt {
				t.Errorf("decrypted = %v, want %v", decrypted, tt.wantDecrypt)
			}
		})
	}
}

func TestDevicePhoneRefusals(t *testing.T) {
	tests := []struct {
		name string
		req  fakewechat.DevicePhoneRequest
	}{
		{"user never logged in", fakewechat.DevicePhoneRequest{AppID: appA, User: "nobody", Phone: "13800138000"}},
		{"unknown app", fakewechat.DevicePhoneRequest{AppID: "wxnosuchapp0000000", User: "alice", Phone: "13800138000"}},
		{"not a mainland mobile", fakewechat.DevicePhoneRequest{AppID: appA, User: "alice", Phone: "23800138000"}},
		{"mainland number too short", fakewechat.DevicePhoneRequest{AppID: appA, User: "alice", Phone: "+861380013800"}},
		{"letters", fakewechat.DevicePhoneRequest{AppID: appA, User: "alice", Phone: "+1 202555O123"}},
		{"empty", fakewechat.DevicePhoneRequest{AppID: appA, User: "alice", Phone: ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, fakewechat.Options{})
			e.login(appA, "alice")
			var body struct {
				Error string `json:"error"`
			}
			if status := e.device("/_device/phone", tt.req, &body); status != http.StatusBadRequest || body.Error == "" {
				t.Errorf("HTTP %d, error %q; want 400 with a JSON error", status, body.Error)
			}
		})
	}
}

func mustUnmarshal(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
}
