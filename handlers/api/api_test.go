package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/services"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

func TestLoginCreatesThenRecognisesTheUser(t *testing.T) {
	e := newAPIEnv(t, envOptions{})
	first := e.call("POST", "/api/v1/login", "", map[string]string{"code": e.deviceLogin(appA, "alice")})
	if first.Status != 200 {
		t.Fatalf("first login: %d %s", first.Status, first.Raw)
	}
	u1 := first.Body["user"].(map[string]any)
	if u1["isNew"] != true || u1["phoneBound"] != false {
		t.Fatalf("first login user = %v", u1)
	}
	if tok := first.Body["token"].(string); len(tok) < 22 {
		t.Fatalf("token %q shorter than 128 bits", tok)
	}
	if _, err := time.Parse(time.RFC3339, first.Body["expiresAt"].(string)); err != nil {
		t.Fatalf("expiresAt: %v", err)
	}
	second := e.call("POST", "/api/v1/login", "", map[string]string{"code": e.deviceLogin(appA, "alice")})
	u2 := second.Body["user"].(map[string]any)
	if second.Status != 200 || u2["isNew"] != false || u2["id"] != u1["id"] {
		t.Fatalf("returning login: %d %v (first id %v)", second.Status, u2, u1["id"])
	}
	if second.Body["token"] == first.Body["token"] {
		t.Fatal("each login must get its own token")
	}
	if n := e.countAudit("event = 'login' AND result = 'success'"); n != 2 {
		t.Fatalf("login audit rows = %d, want 2", n)
	}
	// The token is stored only as its SHA-256.
	db, _ := e.store.SQLDB()
	var stored []byte
	if err := db.QueryRow("SELECT token_hash FROM login_sessions ORDER BY id LIMIT 1").Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored, services.HashToken(first.Body["token"].(string))) {
		t.Fatal("login_sessions does not hold the SHA-256 of the token")
	}
}

func TestUnionIDLinksOneUserAcrossTwoApps(t *testing.T) {
	e := newAPIEnv(t, envOptions{})
	_, inA := e.login(appA, "bob")
	_, inB := e.login(appB, "bob")
	if inA != inB {
		t.Fatalf("bob in app A is %s, in app B %s: the unionid must join them", inA, inB)
	}
	if n := e.count("users"); n != 1 {
		t.Fatalf("users = %d, want 1", n)
	}
	if n := e.count("wechat_identities"); n != 2 {
		t.Fatalf("identities = %d, want 2", n)
	}
}

func TestSameCodeTwiceInParallelReachesWeChatOnceAndGetsOneSession(t *testing.T) {
	e := newAPIEnv(t, envOptions{})
	code := e.deviceLogin(appA, "carol")
	before := e.fake.Stats().JSCode2Session
	const n = 8
	tokens := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.call("POST", "/api/v1/login", "", map[string]string{"code": code})
			if r.Status == 200 {
				tokens[i] = r.Body["token"].(string)
			}
		}()
	}
	wg.Wait()
	for i, tok := range tokens {
		if tok == "" || tok != tokens[0] {
			t.Fatalf("request %d got token %q, want the same successful token as request 0", i, tok)
		}
	}
	if calls := e.fake.Stats().JSCode2Session - before; calls != 1 {
		t.Fatalf("code2Session calls = %d, want 1", calls)
	}
	if got := e.count("login_sessions"); got != 1 {
		t.Fatalf("login sessions = %d, want 1", got)
	}
	// A retry after the answer (a lost response) still gets the same token.
	if r := e.call("POST", "/api/v1/login", "", map[string]string{"code": code}); r.Body["token"] != tokens[0] {
		t.Fatalf("retry: %d %s", r.Status, r.Raw)
	}
}

func TestPhoneByCodeBindsTheNumberMasked(t *testing.T) {
	e := newAPIEnv(t, envOptions{})
	token, userID := e.login(appA, "dave")
	ev := e.devicePhone(appA, "dave", "+8613800138000")
	r := e.call("POST", "/api/v1/phone", token, map[string]string{"code": ev.Code})
	if r.Status != 200 {
		t.Fatalf("phone by code: %d %s", r.Status, r.Raw)
	}
	phone := r.Body["phone"].(map[string]any)
	if phone["masked"] != "138****8000" || phone["countryCode"] != "86" {
		t.Fatalf("phone = %v", phone)
	}
	pb, err := e.store.GetPhoneBinding(context.Background(), userID)
	if err != nil || pb.PhoneE164 != "+8613800138000" || pb.Source != models.PhoneSourceCode {
		t.Fatalf("stored binding = %+v, %v", pb, err)
	}
	me := e.call("GET", "/api/v1/me", token, nil)
	if me.Status != 200 || !strings.Contains(string(me.Raw), `"masked":"138****8000"`) || strings.Contains(string(me.Raw), "13800138000") {
		t.Fatalf("me: %d %s", me.Status, me.Raw)
	}
	db, _ := e.store.SQLDB()
	var billed int
	if err := db.QueryRow("SELECT COALESCE(SUM(count), 0) FROM phone_verifications_daily WHERE app_id = $1", appA).Scan(&billed); err != nil || billed != 1 {
		t.Fatalf("paid verifications counted = %d (%v), want 1", billed, err)
	}
}

func TestPhoneByLegacyCiphertext(t *testing.T) {
	e := newAPIEnv(t, envOptions{})
	token, userID := e.login(appA, "erin")
	ev := e.devicePhone(appA, "erin", "13900139000")
	r := e.call("POST", "/api/v1/phone", token, map[string]string{"encryptedData": ev.EncryptedData, "iv": ev.IV})
	if r.Status != 200 || r.Body["phone"].(map[string]any)["masked"] != "139****9000" {
		t.Fatalf("legacy phone: %d %s", r.Status, r.Raw)
	}
	if pb, _ := e.store.GetPhoneBinding(context.Background(), userID); pb.Source != models.PhoneSourceEncrypted {
		t.Fatalf("source = %q", pb.Source)
	}
	// '+' sent as a space by a form-encoding client still decrypts.
	ev2 := e.devicePhone(appA, "erin", "13900139001")
	spaced := strings.ReplaceAll(ev2.EncryptedData, "+", " ")
	if r := e.call("POST", "/api/v1/phone", token, map[string]string{"encryptedData": spaced, "iv": strings.ReplaceAll(ev2.IV, "+", " ")}); r.Status != 200 {
		t.Fatalf("base64 with spaces: %d %s", r.Status, r.Raw)
	}
}

// The seed's race: the button's ciphertext is made with the session key, then
// wx.login in the callback rotates the key, then the old ciphertext arrives.
func TestRotationTrapIsRescuedByThePreviousKey(t *testing.T) {
	e := newAPIEnv(t, envOptions{rotate: fakewechat.RotateAlways})
	e.login(appA, "frank")
	ev := e.devicePhone(appA, "frank", "+8613700137000")
	token, _ := e.login(appA, "frank") // the buggy wx.login inside the callback: key rotated
	r := e.call("POST", "/api/v1/phone", token, map[string]string{"encryptedData": ev.EncryptedData, "iv": ev.IV})
	if r.Status != 200 {
		t.Fatalf("rotation trap: %d %s", r.Status, r.Raw)
	}
	// Two logins later the key that made it is gone: relogin_required.
	ev = e.devicePhone(appA, "frank", "+8613700137001")
	e.login(appA, "frank")
	token, _ = e.login(appA, "frank")
	r = e.call("POST", "/api/v1/phone", token, map[string]string{"encryptedData": ev.EncryptedData, "iv": ev.IV})
	if r.Status != 401 || r.errorCode() != "relogin_required" {
		t.Fatalf("ciphertext older than both keys: %d %s", r.Status, r.Raw)
	}
}

var requestIDField = regexp.MustCompile(`"requestId":"[^"]*"`)

func TestEveryDecryptionFailureLooksTheSame(t *testing.T) {
	e := newAPIEnv(t, envOptions{})
	token, userID := e.login(appA, "gina")
	good := e.devicePhone(appA, "gina", "+8613600136000")
	data, _ := base64.StdEncoding.DecodeString(good.EncryptedData)
	iv, _ := base64.StdEncoding.DecodeString(good.IV)
	flipLast := append([]byte{}, data...)
	flipLast[len(flipLast)-1] ^= 0x01 // breaks the padding
	otherApp := func() fakewechat.PhoneEvent {
		e.login(appB, "gina")
		return e.devicePhone(appB, "gina", "+8613600136000")
	}()
	b64 := base64.StdEncoding.EncodeToString
	cases := map[string]map[string]string{
		"not base64":            {"encryptedData": "!!!", "iv": good.IV},
		"iv too short":          {"encryptedData": good.EncryptedData, "iv": b64(iv[:8])},
		"ciphertext not blocks": {"encryptedData": b64(data[:len(data)-3]), "iv": good.IV},
		"bad padding":           {"encryptedData": b64(flipLast), "iv": good.IV},
	}
	var first []byte
	for name, body := range cases {
		r := e.call("POST", "/api/v1/phone", token, body)
		norm := requestIDField.ReplaceAll(r.Raw, []byte(`"requestId":""`))
		if first == nil {
			first = norm
		}
		if r.Status != 401 || !bytes.Equal(norm, first) {
			t.Fatalf("%s: %d %s differs from %s", name, r.Status, norm, first)
		}
	}
	// Watermark of another app (decrypts with gina's key in app B only) and
	// data made for app B both answer the same.
	r := e.call("POST", "/api/v1/phone", token, map[string]string{"encryptedData": otherApp.EncryptedData, "iv": otherApp.IV})
	if norm := requestIDField.ReplaceAll(r.Raw, []byte(`"requestId":""`)); !bytes.Equal(norm, first) {
		t.Fatalf("foreign data: %s differs from %s", norm, first)
	}
	// Five failures spend the day's budget: even good ciphertext is now
	// refused, and a new login (WeChat may hand back the same key) does not
	// bring the budget back.
	refused := func(token string, ev fakewechat.PhoneEvent) {
		t.Helper()
		r := e.call("POST", "/api/v1/phone", token, map[string]string{"encryptedData": ev.EncryptedData, "iv": ev.IV})
		if r.Status != 429 || r.errorCode() != "rate_limited" || r.Header.Get("Retry-After") == "" {
			t.Fatalf("legacy data after 5 failures: %d %s, want 429 rate_limited with Retry-After", r.Status, r.Raw)
		}
		if secs, _ := strconv.Atoi(r.Header.Get("Retry-After")); secs < 23*3600 || secs > 24*3600 {
			t.Fatalf("Retry-After = %s s, want about a day", r.Header.Get("Retry-After"))
		}
	}
	refused(token, good)
	if _, err := e.store.GetPhoneBinding(context.Background(), userID); err == nil {
		t.Fatal("a phone was bound after the failure budget was spent")
	}
	if n := e.countAudit("event = 'phone_encrypted' AND result = 'failure' AND reason <> ''"); n != 6 {
		t.Fatalf("failure audit rows with a precise reason = %d, want 6", n)
	}
	token, _ = e.login(appA, "gina")
	refused(token, e.devicePhone(appA, "gina", "+8613600136000"))
	// The code flow is not limited by the legacy budget.
	if r := e.call("POST", "/api/v1/phone", token, map[string]string{"code": e.devicePhone(appA, "gina", "+8613600136000").Code}); r.Status != 200 {
		t.Fatalf("the code flow with the legacy budget spent: %d %s", r.Status, r.Raw)
	}
	// A day after the first failure, legacy data works again.
	e.now.Advance(24*time.Hour + time.Second)
	token, _ = e.login(appA, "gina")
	fresh := e.devicePhone(appA, "gina", "+8613600136000")
	if r := e.call("POST", "/api/v1/phone", token, map[string]string{"encryptedData": fresh.EncryptedData, "iv": fresh.IV}); r.Status != 200 {
		t.Fatalf("a day later: %d %s", r.Status, r.Raw)
	}
}

// MPAUTH_LEGACY_PHONE=off refuses encryptedData and says what to send.
func TestLegacyDataCanBeTurnedOff(t *testing.T) {
	e := newAPIEnv(t, envOptions{legacyOff: true})
	token, _ := e.login(appA, "olga")
	ev := e.devicePhone(appA, "olga", "+8613600136111")
	r := e.call("POST", "/api/v1/phone", token, map[string]string{"encryptedData": ev.EncryptedData, "iv": ev.IV})
	if r.Status != 400 || r.errorCode() != "not_supported" || !strings.Contains(string(r.Raw), "code") {
		t.Fatalf("legacy data with MPAUTH_LEGACY_PHONE=off: %d %s", r.Status, r.Raw)
	}
	if r := e.call("POST", "/api/v1/phone", token, map[string]string{"code": ev.Code}); r.Status != 200 {
		t.Fatalf("the code flow with legacy off: %d %s", r.Status, r.Raw)
	}
}

func TestNumberOfAnotherUserIsPhoneInUseAndChangesNothing(t *testing.T) {
	e := newAPIEnv(t, envOptions{})
	tokA, _ := e.login(appA, "hank")
	tokB, userB := e.login(appA, "ivy")
	if r := e.call("POST", "/api/v1/phone", tokA, map[string]string{"code": e.devicePhone(appA, "hank", "+8613500135000").Code}); r.Status != 200 {
		t.Fatal(string(r.Raw))
	}
	r := e.call("POST", "/api/v1/phone", tokB, map[string]string{"code": e.devicePhone(appA, "ivy", "+8613500135000").Code})
	if r.Status != 409 || r.errorCode() != "phone_in_use" {
		t.Fatalf("taken number: %d %s", r.Status, r.Raw)
	}
	if _, err := e.store.GetPhoneBinding(context.Background(), userB); err == nil {
		t.Fatal("ivy got a phone binding")
	}
	// The same user binding a new number replaces the old one, with history.
	r = e.call("POST", "/api/v1/phone", tokA, map[string]string{"code": e.devicePhone(appA, "hank", "+8613500135999").Code})
	if r.Status != 200 || e.count("phone_binding_events") != 2 || e.count("phone_bindings") != 1 {
		t.Fatalf("replace: %d %s events=%d", r.Status, r.Raw, e.count("phone_binding_events"))
	}
}

func TestLogoutKillsTheTokenAtOnce(t *testing.T) {
	e := newAPIEnv(t, envOptions{})
	token, _ := e.login(appA, "jack")
	if r := e.call("POST", "/api/v1/logout", token, nil); r.Status != 204 {
		t.Fatalf("logout: %d %s", r.Status, r.Raw)
	}
	for _, path := range []string{"/api/v1/me"} {
		if r := e.call("GET", path, token, nil); r.Status != 401 || r.errorCode() != "unauthorized" {
			t.Fatalf("%s after logout: %d %s", path, r.Status, r.Raw)
		}
	}
	if r := e.call("POST", "/api/v1/phone", token, map[string]string{"code": "x"}); r.Status != 401 {
		t.Fatalf("phone after logout: %d", r.Status)
	}
}

func TestTokenExpiresAndSlides(t *testing.T) {
	e := newAPIEnv(t, envOptions{})
	token, _ := e.login(appA, "kim")
	e.now.Advance(6 * 24 * time.Hour)
	if r := e.call("GET", "/api/v1/me", token, nil); r.Status != 200 {
		t.Fatalf("day 6: %d", r.Status) // and this use slides the expiry
	}
	e.now.Advance(6 * 24 * time.Hour)
	if r := e.call("GET", "/api/v1/me", token, nil); r.Status != 200 {
		t.Fatalf("day 12 after use on day 6: %d", r.Status)
	}
	e.now.Advance(8 * 24 * time.Hour)
	if r := e.call("GET", "/api/v1/me", token, nil); r.Status != 401 {
		t.Fatalf("8 idle days later: %d, want 401", r.Status)
	}
}

func TestBlockedUserCannotLogInOrBind(t *testing.T) {
	e := newAPIEnv(t, envOptions{})
	code := e.deviceLogin(appA, "lee")
	first := e.call("POST", "/api/v1/login", "", map[string]string{"code": code})
	token, userID := first.Body["token"].(string), first.Body["user"].(map[string]any)["id"].(string)
	if err := e.store.SetUserStatus(context.Background(), userID, models.UserBlocked, "abuse"); err != nil {
		t.Fatal(err)
	}
	// The code of the login before the block, sent again, gets no token.
	if r := e.call("POST", "/api/v1/login", "", map[string]string{"code": code}); r.Status != 403 || r.errorCode() != "user_blocked" {
		t.Fatalf("the pre-block code replayed: %d %s", r.Status, r.Raw)
	}
	if r := e.call("POST", "/api/v1/phone", token, map[string]string{"code": e.devicePhone(appA, "lee", "+8613300133000").Code}); r.Status != 403 || r.errorCode() != "user_blocked" {
		t.Fatalf("blocked bind: %d %s", r.Status, r.Raw)
	}
	sessions := e.count("login_sessions")
	r := e.call("POST", "/api/v1/login", "", map[string]string{"code": e.deviceLogin(appA, "lee")})
	if r.Status != 403 || r.errorCode() != "user_blocked" {
		t.Fatalf("blocked login: %d %s", r.Status, r.Raw)
	}
	if e.count("login_sessions") != sessions {
		t.Fatal("a blocked login created a session")
	}
	if n := e.countAudit("event = 'login' AND error_code = 'user_blocked'"); n != 1 {
		t.Fatalf("blocked login audit rows = %d", n)
	}
}

func TestRiskBlockedLoginIsAudited(t *testing.T) {
	e := newAPIEnv(t, envOptions{})
	if err := e.fake.AddFault(fakewechat.Fault{RiskyUser: "mallory"}); err != nil {
		t.Fatal(err)
	}
	r := e.call("POST", "/api/v1/login", "", map[string]string{"code": e.deviceLogin(appA, "mallory")})
	if r.Status != 403 || r.errorCode() != "risk_blocked" {
		t.Fatalf("40226: %d %s", r.Status, r.Raw)
	}
	if n := e.countAudit("error_code = 'risk_blocked' AND wechat_errcode = 40226"); n != 1 {
		t.Fatalf("risk audit rows = %d", n)
	}
}

func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	e := newAPIEnv(t, envOptions{loginPerIP: services.Limit{Burst: 2, Every: time.Minute}})
	e.login(appA, "nina")
	e.login(appA, "omar")
	r := e.call("POST", "/api/v1/login", "", map[string]string{"code": e.deviceLogin(appA, "pat")})
	if r.Status != 429 || r.errorCode() != "rate_limited" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("third login: %d %s Retry-After=%q", r.Status, r.Raw, r.Header.Get("Retry-After"))
	}
	e.now.Advance(time.Minute)
	if r := e.call("POST", "/api/v1/login", "", map[string]string{"code": e.deviceLogin(appA, "pat")}); r.Status != 200 {
		t.Fatalf("after the window: %d %s", r.Status, r.Raw)
	}
}

func TestPaidPhoneCallsAreLimitedPerUser(t *testing.T) {
	e := newAPIEnv(t, envOptions{phonePerUsr: services.Limit{Burst: 1, Every: time.Hour}})
	token, _ := e.login(appA, "quinn")
	e.call("POST", "/api/v1/phone", token, map[string]string{"code": e.devicePhone(appA, "quinn", "+8613200132000").Code})
	before := e.fake.Stats().GetUserPhoneNumber
	r := e.call("POST", "/api/v1/phone", token, map[string]string{"code": e.devicePhone(appA, "quinn", "+8613200132001").Code})
	if r.Status != 429 || e.fake.Stats().GetUserPhoneNumber != before {
		t.Fatalf("second paid call: %d, WeChat called %d more times", r.Status, e.fake.Stats().GetUserPhoneNumber-before)
	}
}

func TestWeChatBusyBurstIsRetriedThenSucceeds(t *testing.T) {
	e := newAPIEnv(t, envOptions{})
	if err := e.fake.AddFault(fakewechat.Fault{Endpoint: fakewechat.EndpointJSCode2Session, ErrCode: -1, Times: 2}); err != nil {
		t.Fatal(err)
	}
	r := e.call("POST", "/api/v1/login", "", map[string]string{"code": e.deviceLogin(appA, "rita")})
	if r.Status != 200 {
		t.Fatalf("after a -1 burst of 2: %d %s", r.Status, r.Raw)
	}
}

func TestWeChatDownAnswersWeChatUnavailableAndAudits(t *testing.T) {
	e := newAPIEnv(t, envOptions{})
	if err := e.fake.AddFault(fakewechat.Fault{HTTPStatus: 502, Times: -1}); err != nil {
		t.Fatal(err)
	}
	r := e.call("POST", "/api/v1/login", "", map[string]string{"code": e.deviceLogin(appA, "sam")})
	if r.Status != 503 || r.errorCode() != "wechat_unavailable" {
		t.Fatalf("WeChat down: %d %s", r.Status, r.Raw)
	}
	if n := e.countAudit("event = 'login' AND error_code = 'wechat_unavailable'"); n != 1 {
		t.Fatalf("audit rows = %d", n)
	}
	if e.count("users") != 0 || e.count("login_sessions") != 0 {
		t.Fatal("a failed login left rows behind")
	}
}

func TestBadRequestsGetClearErrors(t *testing.T) {
	e := newAPIEnv(t, envOptions{})
	token, _ := e.login(appA, "tess")
	huge := `{"code":"` + strings.Repeat("a", 70<<10) + `"}`
	cases := []struct {
		name, method, path, token string
		body                      any
		status                    int
		code                      string
	}{
		{"login without code", "POST", "/api/v1/login", "", `{}`, 400, "invalid_request"},
		{"login code of wrong type", "POST", "/api/v1/login", "", `{"code": 5}`, 400, "invalid_request"},
		{"login not JSON", "POST", "/api/v1/login", "", `code=abc`, 400, "invalid_request"},
		{"login empty body", "POST", "/api/v1/login", "", ``, 400, "invalid_request"},
		{"login huge body", "POST", "/api/v1/login", "", huge, 413, "invalid_request"},
		{"login unknown appid", "POST", "/api/v1/login", "", `{"code":"abc","appid":"wx9999999999999999"}`, 400, "invalid_request"},
		{"login forged code", "POST", "/api/v1/login", "", `{"code":"forged-code"}`, 400, "invalid_code"},
		{"login unknown fields ignored", "POST", "/api/v1/login", "", `{"code":"forged","extra":{"x":1}}`, 400, "invalid_code"},
		{"phone without token", "POST", "/api/v1/phone", "", `{"code":"x"}`, 401, "unauthorized"},
		{"phone with forged token", "POST", "/api/v1/phone", "forged", `{"code":"x"}`, 401, "unauthorized"},
		{"phone cloudID only", "POST", "/api/v1/phone", token, `{"cloudID":"abc"}`, 400, "not_supported"},
		{"phone empty detail", "POST", "/api/v1/phone", token, `{}`, 400, "invalid_request"},
		{"phone user declined", "POST", "/api/v1/phone", token, `{"errMsg":"getPhoneNumber:fail user deny"}`, 400, "invalid_request"},
		{"phone forged code", "POST", "/api/v1/phone", token, `{"code":"forged"}`, 400, "invalid_code"},
		{"unknown route", "GET", "/api/v1/nope", "", nil, 404, "not_found"},
		{"wrong method", "GET", "/api/v1/login", "", nil, 405, "method_not_allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.call(c.method, c.path, c.token, c.body)
			if r.Status != c.status || r.errorCode() != c.code {
				t.Fatalf("%d %s, want %d %s", r.Status, r.Raw, c.status, c.code)
			}
			if msg, _ := r.Body["error"].(map[string]any)["message"].(string); msg == "" {
				t.Fatal("error without a message")
			}
		})
	}
}

// Run last in spirit: a whole session of traffic, then no secret anywhere.
func TestNoSecretReachesALogLineOrAResponse(t *testing.T) {
	e := newAPIEnv(t, envOptions{})
	code := e.deviceLogin(appA, "uma")
	r := e.call("POST", "/api/v1/login", "", map[string]string{"code": code})
	token := r.Body["token"].(string)
	ev := e.devicePhone(appA, "uma", "+8613100131000")
	e.call("POST", "/api/v1/phone", token, map[string]string{"code": ev.Code})
	e.call("POST", "/api/v1/phone", token, map[string]string{"encryptedData": ev.EncryptedData, "iv": ev.IV})
	e.call("POST", "/api/v1/phone", token, map[string]string{"encryptedData": "garbage", "iv": ev.IV})
	e.call("GET", "/api/v1/me", token, nil)
	_ = e.fake.AddFault(fakewechat.Fault{HTTPStatus: 500, Times: 3})
	e.call("POST", "/api/v1/login", "", map[string]string{"code": e.deviceLogin(appA, "uma")})

	key, _ := e.fake.SessionKey(appA, "uma")
	accessToken, err := e.store.LoadAccessToken(context.Background(), appA)
	if err != nil {
		t.Fatalf("the phone call should have cached an access token: %v", err)
	}
	secrets := map[string]string{
		"access_token": accessToken.Value,
		"login code":   code, "phone code": ev.Code, "session_key": key.Reveal(),
		"AppSecret": secretA, "full phone": "13100131000",
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "/api/v1/login") {
		t.Fatal("log capture is empty; the test would prove nothing")
	}
	for what, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("a log line contains the %s", what)
		}
		if strings.Contains(e.bodies.String(), s) {
			t.Errorf("a response contains the %s", what)
		}
	}
	if strings.Contains(logs, token) {
		t.Error("a log line contains the login token")
	}
}

func TestUnionIDThatArrivesOnALaterLoginIsRecordedAndLinks(t *testing.T) {
	e := newAPIEnv(t, envOptions{noOpenPlatform: true})
	_, first := e.login(appA, "vera") // app A not yet bound: no unionid
	db, _ := e.store.SQLDB()
	var withUnion int
	if err := db.QueryRow("SELECT COUNT(*) FROM wechat_identities WHERE unionid IS NOT NULL").Scan(&withUnion); err != nil {
		t.Fatal(err)
	}
	if withUnion != 0 {
		t.Fatal("unionid stored before WeChat sent one")
	}
	// The app is bound to an open-platform account: logins now carry unionid.
	code, err := e.fake.DeviceLogin(appA, "vera", true)
	if err != nil {
		t.Fatal(err)
	}
	if r := e.call("POST", "/api/v1/login", "", map[string]string{"code": code}); r.Status != 200 {
		t.Fatal(string(r.Raw))
	}
	code, _ = e.fake.DeviceLogin(appB, "vera", true)
	r := e.call("POST", "/api/v1/login", "", map[string]string{"code": code, "appid": appB})
	if r.Status != 200 || r.Body["user"].(map[string]any)["id"] != first {
		t.Fatalf("app B login with the late unionid: %d %s, want user %s", r.Status, r.Raw, first)
	}
}
