package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mpauth/mpauth/dbtest"
	"github.com/mpauth/mpauth/handlers"
	"github.com/mpauth/mpauth/logging"
	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/services"
	"github.com/mpauth/mpauth/wechat"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

const (
	appA    = "wxa000000000000001"
	appB    = "wxb000000000000002"
	secretA = "secret-a-000000000000000000000001"
	secretB = "secret-b-000000000000000000000002"
)

// apiEnv is the whole API over real HTTP: handlers, services and the real
// WeChat client, talking to the fake WeChat and a fresh real database.
type apiEnv struct {
	t       testing.TB
	store   *models.Store
	fake    *fakewechat.Server
	fakeSrv *httptest.Server
	server  *httptest.Server
	logs    *syncBuffer
	// everything any response carried, for the leak check
	bodies *syncBuffer
	now    *clock
}

type envOptions struct {
	loginPerIP  services.Limit
	phonePerUsr services.Limit
	rotate      fakewechat.RotatePolicy
	// noOpenPlatform: the apps are not bound to an open-platform account, so
	// a unionid comes only when a device login asks for one.
	noOpenPlatform bool
	wechatTimeout  time.Duration // per attempt; default the client's
	wechatBaseURL  string        // default the fake; a closed port plays "WeChat down"
	trustedProxies []string
	legacyOff      bool   // MPAUTH_LEGACY_PHONE=off
	clientIPHeader string // MPAUTH_CLIENT_IP_HEADER
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}
func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

func newAPIEnv(t testing.TB, opt envOptions) *apiEnv {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Now().UTC()}
	logs := &syncBuffer{}
	logger := logging.New(logs, true, "debug")

	fake := fakewechat.New(fakewechat.Options{
		Apps:             map[string]string{appA: secretA, appB: secretB},
		OpenPlatformApps: openPlatform(opt),
		Now:              clk.Now,
		RotateSessionKey: opt.rotate,
	})
	fakeSrv := httptest.NewServer(fake)
	t.Cleanup(fakeSrv.Close)

	store := dbtest.New(t)
	for app, secret := range map[string]string{appA: secretA, appB: secretB} {
		if err := store.UpsertApp(ctx, app, app, secret); err != nil {
			t.Fatal(err)
		}
	}
	base := fakeSrv.URL
	if opt.wechatBaseURL != "" {
		base = opt.wechatBaseURL
	}
	client := &wechat.Client{
		BaseURL: base,
		Timeout: opt.wechatTimeout,
		HTTP:    fakeSrv.Client(),
		Secrets: &services.AppSecrets{Store: store},
		Logger:  logger,
		Now:     clk.Now,
		Sleep:   func(ctx context.Context, d time.Duration) error { return ctx.Err() }, // retries without waiting
	}
	client.Tokens = &wechat.Broker{Store: &services.TokenStore{Store: store}, Fetcher: client, Now: clk.Now, Logger: logger}
	deps := services.Deps{Store: store, WeChat: client, Logger: logger, Now: clk.Now}
	auth := services.NewAuth(deps, services.AuthConfig{DefaultAppID: appA, LoginPerIP: services.NewLimiter(opt.loginPerIP)})
	phones := services.NewPhones(deps, services.PhonesConfig{
		PerUser: &services.SharedLimiter{Store: store, Name: "phone_per_user", Limit: opt.phonePerUsr}, LegacyDisabled: opt.legacyOff})
	h, err := handlers.NewServer(handlers.Deps{
		Logger:         logger,
		TrustedProxies: opt.trustedProxies,
		ClientIPHeader: opt.clientIPHeader,
		Ready:          func(ctx context.Context) error { return store.Ping(ctx) },
		Auth:           auth,
		Phones:         phones,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &apiEnv{t: t, store: store, fake: fake, fakeSrv: fakeSrv, server: srv, logs: logs, bodies: &syncBuffer{}, now: clk}
}

func (e *apiEnv) deviceLogin(app, user string) string {
	e.t.Helper()
	code, err := e.fake.DeviceLogin(app, user, false)
	if err != nil {
		e.t.Fatal(err)
	}
	return code
}

func (e *apiEnv) devicePhone(app, user, phone string) fakewechat.PhoneEvent {
	e.t.Helper()
	ev, err := e.fake.DevicePhone(app, user, phone)
	if err != nil {
		e.t.Fatal(err)
	}
	return ev
}

type apiResponse struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any
}

func (r apiResponse) errorCode() string {
	if e, ok := r.Body["error"].(map[string]any); ok {
		s, _ := e["code"].(string)
		return s
	}
	return ""
}

func (e *apiEnv) call(method, path, token string, body any) apiResponse {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, e.server.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.server.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	e.bodies.Write(raw)
	out := apiResponse{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	_ = json.Unmarshal(raw, &out.Body)
	return out
}

// login runs wx.login for user on the fake and our login; it fails the test
// unless the login succeeds.
func (e *apiEnv) login(app, user string) (token, userID string) {
	e.t.Helper()
	r := e.call("POST", "/api/v1/login", "", map[string]string{"code": e.deviceLogin(app, user), "appid": app})
	if r.Status != 200 {
		e.t.Fatalf("login %s: %d %s", user, r.Status, r.Raw)
	}
	u := r.Body["user"].(map[string]any)
	return r.Body["token"].(string), u["id"].(string)
}

func (e *apiEnv) countAudit(where string, args ...any) int {
	e.t.Helper()
	db, _ := e.store.SQLDB()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM login_audit WHERE "+where, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *apiEnv) count(table string) int {
	e.t.Helper()
	db, _ := e.store.SQLDB()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

var _ = slog.LevelDebug

// as returns the environment reporting to t (a fuzz target's own T).
func (e *apiEnv) as(t testing.TB) *apiEnv {
	c := *e
	c.t = t
	return &c
}

func openPlatform(opt envOptions) []string {
	if opt.noOpenPlatform {
		return nil
	}
	return []string{appA, appB}
}

// closeIdle drops keep-alive connections on both sides, so that goroutine
// counts see leaks rather than the connection pool.
func (e *apiEnv) closeIdle() {
	e.fakeSrv.Client().CloseIdleConnections()
	e.fakeSrv.CloseClientConnections()
	e.server.Client().CloseIdleConnections()
	e.server.CloseClientConnections()
}
