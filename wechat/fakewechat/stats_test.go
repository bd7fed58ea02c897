package fakewechat_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/mpauth/mpauth/wechat/fakewechat"
)

func TestStatsCountCallsAndOutcomes(t *testing.T) {
	e := newEnv(t, fakewechat.Options{})
	code := e.login(appA, "alice")
	e.code2session(appA, secretA, code)
	e.code2session(appA, secretA, code) // 40163
	ev := e.phone(appA, "alice", "13800138000")
	e.classicToken(appA, secretA)
	first := e.stableToken(appA, secretA, false).AccessToken
	if again := e.stableToken(appA, secretA, false).AccessToken; again != first {
		t.Fatal("a second stable_token call issued another token") // nothing issued
	}
	e.clock.Advance(time.Minute)
	e.stableToken(appA, secretA, true)
	token := e.stableToken(appA, secretA, false).AccessToken
	e.phoneNumber(token, ev.Code)
	e.phoneNumber(token, ev.Code) // 40029
	s := e.session(appA, secretA, "alice")
	e.signed("/wxa/checksession", token, s.OpenID, signature(s.SessionKey))
	e.signed("/wxa/resetusersessionkey", token, s.OpenID, signature(s.SessionKey))
	if err := e.fake.AddFault(fakewechat.Fault{Endpoint: fakewechat.EndpointToken, ErrCode: -1, Times: 1}); err != nil {
		t.Fatal(err)
	}
	e.classicToken(appA, secretA)
	var dev fakewechat.DeviceCheckSessionResponse
	e.device("/_device/checksession", fakewechat.DeviceUser{AppID: appA, User: "alice"}, &dev)

	want := fakewechat.Stats{
		JSCode2Session:      3,
		Token:               2,
		StableToken:         4,
		StableTokenForced:   1,
		GetUserPhoneNumber:  2,
		CheckSession:        1,
		ResetUserSessionKey: 1,
		TokensIssued:        3,
		CodesExchanged:      2,
		PhoneCodesExchanged: 1,
		SessionKeysRotated:  1,
		SessionKeysReset:    1,
		FaultsInjected:      1,
		DeviceLogins:        2,
		DevicePhones:        1,
		DeviceCheckSessions: 1,
		Outcomes: map[fakewechat.Endpoint]map[string]int64{
			fakewechat.EndpointJSCode2Session:      {"ok": 2, "40163": 1},
			fakewechat.EndpointToken:               {"ok": 1, "-1": 1},
			fakewechat.EndpointStableToken:         {"ok": 4},
			fakewechat.EndpointGetUserPhoneNumber:  {"ok": 1, "40029": 1},
			fakewechat.EndpointCheckSession:        {"ok": 1},
			fakewechat.EndpointResetUserSessionKey: {"ok": 1},
		},
	}
	if got := e.fake.Stats(); !reflect.DeepEqual(got, want) {
		t.Errorf("Stats() =\n%+v\nwant\n%+v", got, want)
	}

	status, body := e.do(http.MethodGet, "/_device/stats", nil, "", nil)
	var overHTTP fakewechat.Stats
	if err := json.Unmarshal(body, &overHTTP); status != http.StatusOK || err != nil {
		t.Fatalf("GET /_device/stats: HTTP %d, %v", status, err)
	}
	if !reflect.DeepEqual(overHTTP, want) {
		t.Errorf("GET /_device/stats =\n%s\nwant\n%+v", body, want)
	}
	var named map[string]any
	mustUnmarshal(t, body, &named)
	for _, key := range []string{"jscode2session", "token", "stable_token", "stable_token_forced", "getuserphonenumber",
		"checksession", "resetusersessionkey", "tokens_issued", "codes_exchanged", "phone_codes_exchanged"} {
		if _, ok := named[key]; !ok {
			t.Errorf("GET /_device/stats lacks %q", key)
		}
	}

	e.fake.ResetStats()
	if got := e.fake.Stats(); !reflect.DeepEqual(got, fakewechat.Stats{Outcomes: map[fakewechat.Endpoint]map[string]int64{}}) {
		t.Errorf("after ResetStats: %+v", got)
	}
}
