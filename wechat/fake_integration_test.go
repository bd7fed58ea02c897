package wechat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/mpauth/mpauth/wechat"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

// The real client against the fake WeChat over real HTTP: the two share
// only the wire structs, so a disagreement about the protocol shows here.

const (
	fakeAppID  = "wx00000000000000aa"
	fakeSecret = "fake-app-secret-000000000000000aa"
)

type fakeEnv struct {
	fake   *fakewechat.Server
	url    string
	http   *http.Client
	client *wechat.Client
	broker *wechat.Broker
	now    time.Time
}

func newFakeEnv(t *testing.T) *fakeEnv {
	t.Helper()
	now := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	fake := fakewechat.New(fakewechat.Options{
		Apps: map[string]string{fakeAppID: fakeSecret},
		Now:  func() time.Time { return now },
	})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	c := &wechat.Client{
		BaseURL: srv.URL,
		HTTP:    srv.Client(),
		Secrets: fakeSecrets{fakeAppID: fakeSecret},
		Now:     func() time.Time { return now },
		Sleep:   func(context.Context, time.Duration) error { return nil },
	}
	b := &wechat.Broker{Store: newSharedStore(), Fetcher: c, Now: func() time.Time { return now }}
	c.Tokens = b
	return &fakeEnv{fake: fake, url: srv.URL, http: srv.Client(), client: c, broker: b, now: now}
}

// device calls the fake's device API, which plays the phone.
func (e *fakeEnv) device(t *testing.T, path string, in, out any) {
	t.Helper()
	body, _ := json.Marshal(in)
	resp, err := e.http.Post(e.url+path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: HTTP %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

func (e *fakeEnv) login(t *testing.T, user string) string {
	t.Helper()
	var r fakewechat.DeviceLoginResponse
	e.device(t, "/_device/login", fakewechat.DeviceLoginRequest{AppID: fakeAppID, User: user}, &r)
	return r.Code
}

func (e *fakeEnv) phoneButton(t *testing.T, user, phone string) fakewechat.PhoneEvent {
	t.Helper()
	var ev fakewechat.PhoneEvent
	e.device(t, "/_device/phone", fakewechat.DevicePhoneRequest{AppID: fakeAppID, User: user, Phone: phone}, &ev)
	return ev
}

func TestFakeCode2Session(t *testing.T) {
	e := newFakeEnv(t)
	code := e.login(t, "alice")

	s, err := e.client.Code2Session(t.Context(), fakeAppID, code)
	if err != nil {
		t.Fatal(err)
	}
	if s.OpenID != fakewechat.OpenID(fakeAppID, "alice") {
		t.Errorf("openid = %q", s.OpenID)
	}
	if key, _ := e.fake.SessionKey(fakeAppID, "alice"); s.SessionKey != key {
		t.Error("session_key differs from the fake's")
	}
	if err := e.client.CheckSession(t.Context(), fakeAppID, s.OpenID, s.SessionKey); err != nil {
		t.Errorf("CheckSession with the current key: %v", err)
	}

	if _, err := e.client.Code2Session(t.Context(), fakeAppID, code); wechat.KindOf(err) != wechat.KindCodeUsed {
		t.Errorf("same code twice: %v, want code_used", err)
	}
	if _, err := e.client.Code2Session(t.Context(), fakeAppID, "no-such-code"); wechat.KindOf(err) != wechat.KindInvalidCode {
		t.Errorf("unknown code: %v, want invalid_code", err)
	}
}

func TestFakePhoneNumberByCodeThroughTheBroker(t *testing.T) {
	e := newFakeEnv(t)
	bob, err := e.client.Code2Session(t.Context(), fakeAppID, e.login(t, "bob"))
	if err != nil {
		t.Fatal(err)
	}
	mallory, err := e.client.Code2Session(t.Context(), fakeAppID, e.login(t, "mallory"))
	if err != nil {
		t.Fatal(err)
	}
	ev := e.phoneButton(t, "bob", "13800138000")

	// Sent with another user's openid, bob's code is refused and stays unused.
	if _, err := e.client.PhoneNumber(t.Context(), fakeAppID, ev.Code, mallory.OpenID); wechat.KindOf(err) != wechat.KindInvalidCode {
		t.Fatalf("bob's phone code with mallory's openid: %v, want invalid_code", err)
	}
	info, err := e.client.PhoneNumber(t.Context(), fakeAppID, ev.Code, bob.OpenID)
	if err != nil {
		t.Fatal(err)
	}
	if info.PurePhoneNumber != "13800138000" || info.CountryCode != "86" {
		t.Errorf("info = %+v", info)
	}
	if err := wechat.CheckWatermark(info.Watermark, fakeAppID, e.now, wechat.WatermarkWindow{}); err != nil {
		t.Error(err)
	}

	// WeChat revokes the token mid-flight: one refresh, one replay.
	e.fake.InvalidateAccessToken(fakeAppID)
	e.login(t, "bob")
	ev = e.phoneButton(t, "bob", "13800138000")
	if _, err := e.client.PhoneNumber(t.Context(), fakeAppID, ev.Code, ""); err != nil {
		t.Fatalf("after the token was revoked: %v", err)
	}
	st := e.fake.Stats()
	if st.GetUserPhoneNumber != 4 || st.StableToken != 2 || st.StableTokenForced != 0 {
		t.Errorf("stats: %d phone calls, %d stable_token (%d forced); want 4, 2, 0",
			st.GetUserPhoneNumber, st.StableToken, st.StableTokenForced)
	}
	if got := e.broker.State(fakeAppID).Refreshes; got != 2 {
		t.Errorf("broker refreshes = %d, want 2", got)
	}
}

func TestFakeBusyIsRetried(t *testing.T) {
	e := newFakeEnv(t)
	if err := e.fake.AddFault(fakewechat.Fault{Endpoint: fakewechat.EndpointJSCode2Session, Times: 2, ErrCode: -1}); err != nil {
		t.Fatal(err)
	}
	code := e.login(t, "carol")
	if _, err := e.client.Code2Session(t.Context(), fakeAppID, code); err != nil {
		t.Fatalf("busy twice then success: %v", err)
	}
	if got := e.fake.Stats().JSCode2Session; got != 3 {
		t.Errorf("jscode2session calls = %d, want 3", got)
	}
}

func TestFakeDecryptAndTheRotationTrap(t *testing.T) {
	e := newFakeEnv(t)
	old, err := e.client.Code2Session(t.Context(), fakeAppID, e.login(t, "dave"))
	if err != nil {
		t.Fatal(err)
	}
	ev := e.phoneButton(t, "dave", "+1 2025550123")

	info, err := wechat.DecryptPhone(old.SessionKey, ev.EncryptedData, ev.IV)
	if err != nil {
		t.Fatalf("decrypt with the key the data was made under: %v", err)
	}
	if info.PhoneNumber != "+1 2025550123" || info.PurePhoneNumber != "2025550123" || info.CountryCode != "1" {
		t.Errorf("info = %+v", info)
	}
	if err := wechat.CheckWatermark(info.Watermark, fakeAppID, e.now, wechat.WatermarkWindow{}); err != nil {
		t.Error(err)
	}

	// The trap: the mini program calls wx.login again after making the data,
	// which rotates the session_key.
	fresh, err := e.client.Code2Session(t.Context(), fakeAppID, e.login(t, "dave"))
	if err != nil {
		t.Fatal(err)
	}
	if fresh.SessionKey == old.SessionKey {
		t.Fatal("premise: the second login should rotate the key")
	}
	if _, err := wechat.DecryptPhone(fresh.SessionKey, ev.EncryptedData, ev.IV); !errors.Is(err, wechat.ErrStaleSessionKey) {
		t.Errorf("decrypt with the rotated key: %v, want ErrStaleSessionKey", err)
	}
	if _, err := wechat.DecryptPhone(old.SessionKey, ev.EncryptedData, ev.IV); err != nil {
		t.Errorf("decrypt with the old key: %v", err)
	}
	if err := e.client.CheckSession(t.Context(), fakeAppID, old.OpenID, old.SessionKey); wechat.KindOf(err) != wechat.KindInvalidSignature {
		t.Errorf("CheckSession with the old key: %v, want invalid_signature", err)
	}

	reset, err := e.client.ResetUserSessionKey(t.Context(), fakeAppID, fresh.OpenID, fresh.SessionKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.client.CheckSession(t.Context(), fakeAppID, fresh.OpenID, reset); err != nil {
		t.Errorf("CheckSession with the reset key: %v", err)
	}
}

type fakeSecrets map[string]wechat.Secret

func (s fakeSecrets) AppSecret(_ context.Context, appID string) (wechat.Secret, error) {
	v, ok := s[appID]
	if !ok {
		return "", errors.New("unknown appid")
	}
	return v, nil
}

// sharedStore is the smallest TokenStore: one process, one lock.
type sharedStore struct {
	mu     sync.Mutex
	tokens map[string]wechat.CachedToken
	lock   chan struct{}
}

func newSharedStore() *sharedStore {
	return &sharedStore{tokens: map[string]wechat.CachedToken{}, lock: make(chan struct{}, 1)}
}

func (s *sharedStore) LoadToken(_ context.Context, appID string) (wechat.CachedToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[appID]
	if !ok {
		return wechat.CachedToken{}, wechat.ErrNoCachedToken
	}
	return t, nil
}

func (s *sharedStore) SaveToken(_ context.Context, t wechat.CachedToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[t.AppID] = t
	return nil
}

func (s *sharedStore) ExpireTokenIf(_ context.Context, appID string, failed wechat.Secret) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[appID]
	if !ok || t.Value != failed {
		return false, nil
	}
	delete(s.tokens, appID)
	return true, nil
}

func (s *sharedStore) WithRefreshLock(ctx context.Context, _ string, fn func(context.Context) error) error {
	select {
	case s.lock <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.lock }()
	return fn(ctx)
}
