package dashboard_test

import (
	"cmp"
	"context"
	"crypto/rand"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mpauth/mpauth/dbtest"
	"github.com/mpauth/mpauth/handlers"
	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/services"
	"github.com/mpauth/mpauth/services/admin"
	"github.com/mpauth/mpauth/wechat"
)

// The dashboard's tests run the real handlers, services and a fresh real
// database (PostgreSQL when TEST_DATABASE_URL is set) behind httptest, with
// a clock the test moves.

const (
	dashApp1 = "wxd000000000000001"
	dashApp2 = "wxd000000000000002"
	adminPW  = "correct horse battery staple"
)

type adminClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *adminClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *adminClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type adminEnv struct {
	t          testing.TB
	store      *models.Store
	clock      *adminClock
	admins     *admin.Accounts
	sessions   *admin.Sessions
	server     *httptest.Server
	production bool
}

type adminEnvOptions struct {
	production bool
	policy     admin.SignInPolicy
}

func newAdminEnv(t testing.TB, opts ...adminEnvOptions) *adminEnv {
	t.Helper()
	var opt adminEnvOptions
	if len(opts) > 0 {
		opt = opts[0]
	}
	// 12:00 in Beijing: "today" has a morning and an afternoon.
	clk := &adminClock{t: time.Date(2025, 3, 14, 4, 0, 0, 0, time.UTC)}
	store := dbtest.Open(t, dbtest.Fresh(t), clk.Now)
	ctx := context.Background()
	for _, app := range []string{dashApp1, dashApp2} {
		if err := store.UpsertApp(ctx, app, app, "secret-"+app); err != nil {
			t.Fatal(err)
		}
	}
	logger := slog.New(slog.DiscardHandler)
	e := &adminEnv{
		t: t, store: store, clock: clk, production: opt.production,
		admins:   admin.NewAccounts(services.Deps{Store: store, Now: clk.Now, Logger: logger}, opt.policy),
		sessions: admin.NewSessions(services.Deps{Store: store, Now: clk.Now}, 30*time.Minute, 12*time.Hour),
	}
	dash := admin.NewDashboard(services.Deps{Store: store, Now: clk.Now, Logger: logger}, func(appID string) wechat.BrokerState {
		return wechat.BrokerState{Kind: wechat.TokenKindStable, TokenAge: 20 * time.Minute, ExpiresAt: clk.Now().Add(100 * time.Minute), Refreshes: 3}
	})
	h, err := handlers.NewServer(handlers.Deps{
		Logger:     logger,
		Production: opt.production,
		Accounts:   e.admins,
		Sessions:   e.sessions,
		Dashboard:  dash,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.server = httptest.NewServer(h)
	t.Cleanup(e.server.Close)
	return e
}

// createAdmin adds an account through the service, as `mpauth admin create` does.
func (e *adminEnv) createAdmin(name, role string) {
	e.t.Helper()
	if _, err := e.admins.CreateAdmin(context.Background(), name, adminPW, role, admin.CLIActor); err != nil {
		e.t.Fatal(err)
	}
}

// browser is one visitor with its own cookie jar. It does not follow
// redirects, so tests see them.
type browser struct {
	e      *adminEnv
	client *http.Client
	lang   string
}

func (e *adminEnv) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, lang: "en", client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type page struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	if req.Method == http.MethodPost {
		// What a browser sends with a form posted from the dashboard itself.
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Origin", b.e.server.URL)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, body: string(body), location: resp.Header.Get("Location"), header: resp.Header}
}

func (b *browser) get(path string) page {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.server.URL+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.e.server.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) signIn(name, password string) page {
	b.e.t.Helper()
	return b.post("/admin/login", url.Values{"username": {name}, "password": {password}})
}

// signedIn returns a browser signed in as a new account with the role.
func (e *adminEnv) signedIn(name, role string) *browser {
	e.t.Helper()
	e.createAdmin(name, role)
	b := e.browser()
	if p := b.signIn(name, adminPW); p.status != http.StatusSeeOther {
		e.t.Fatalf("sign in as %s: status %d\n%s", name, p.status, p.body)
	}
	return b
}

func (b *browser) cookie() string {
	u, _ := url.Parse(b.e.server.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if strings.HasSuffix(c.Name, "mpauth_admin") {
			return c.Value
		}
	}
	return ""
}

func (b *browser) setCookie(value string) {
	u, _ := url.Parse(b.e.server.URL)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "mpauth_admin", Value: value, Path: "/"}})
}

// Fixtures, built through the stores.

type fixtureUser struct {
	nickname string
	app      string
	openid   string
	unionid  string
	created  time.Time
	phone    string // national number, mainland unless cc says otherwise
	cc       string // country code, default 86
	blocked  bool
}

func (e *adminEnv) addUser(f fixtureUser) models.User {
	e.t.Helper()
	ctx := context.Background()
	if f.app == "" {
		f.app = dashApp1
	}
	if f.created.IsZero() {
		f.created = e.clock.Now()
	}
	if f.openid == "" {
		f.openid = "o" + randomToken(12)
	}
	u := models.User{Nickname: f.nickname, CreatedAt: f.created}
	if err := e.store.CreateUser(ctx, &u); err != nil {
		e.t.Fatal(err)
	}
	ident := models.WeChatIdentity{AppID: f.app, OpenID: f.openid, UserID: u.ID, CreatedAt: f.created, LastLoginAt: f.created}
	if f.unionid != "" {
		ident.UnionID = &f.unionid
	}
	if err := e.store.CreateIdentity(ctx, &ident); err != nil {
		e.t.Fatal(err)
	}
	if f.phone != "" {
		cc := cmp.Or(f.cc, "86")
		p := models.PhoneBinding{UserID: u.ID, PhoneE164: "+" + cc + f.phone, CountryCode: cc, PureNumber: f.phone,
			Source: models.PhoneSourceCode, AppID: f.app, BoundAt: f.created}
		if _, err := e.store.BindPhone(ctx, p); err != nil {
			e.t.Fatal(err)
		}
	}
	if f.blocked {
		if err := e.store.SetUserStatus(ctx, u.ID, models.UserBlocked, "fixture"); err != nil {
			e.t.Fatal(err)
		}
		u.Status = models.UserBlocked
	}
	return u
}

func (e *adminEnv) addSession(u models.User, app string) models.LoginSession {
	e.t.Helper()
	ctx := context.Background()
	ids, err := e.store.IdentitiesOfUsers(ctx, []string{u.ID})
	if err != nil || len(ids) == 0 {
		e.t.Fatalf("identities of %s: %v", u.ID, err)
	}
	now := e.clock.Now()
	ls := models.LoginSession{TokenHash: []byte(randomToken(32)), UserID: u.ID, IdentityID: ids[0].ID, AppID: app,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(7 * 24 * time.Hour), IP: "203.0.113.7", UserAgent: "WeChat/8.0 MiniProgram"}
	if err := e.store.CreateLoginSession(ctx, &ls); err != nil {
		e.t.Fatal(err)
	}
	return ls
}

func (e *adminEnv) addAudit(a models.LoginAudit) models.LoginAudit {
	e.t.Helper()
	if a.Result == "" {
		a.Result = models.ResultSuccess
	}
	if a.Event == "" {
		a.Event = models.EventLogin
	}
	if a.AppID == "" {
		a.AppID = dashApp1
	}
	if err := e.store.AppendLoginAudit(context.Background(), &a); err != nil {
		e.t.Fatal(err)
	}
	return a
}

// adminAudit lists admin audit rows with one action, newest first.
func (e *adminEnv) adminAudit(action string) []models.AdminAudit {
	e.t.Helper()
	rows, err := e.store.ListAdminAudit(context.Background(), models.AdminAuditFilter{Actions: []string{action}}, nil, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	return rows
}

func (e *adminEnv) user(id string) models.User {
	e.t.Helper()
	u, err := e.store.GetUser(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func randomToken(n int) string { return rand.Text()[:min(n, 26)] }

// Reading pages.

var (
	userLinkRe = regexp.MustCompile(`<a href="/admin/users/([0-9a-f-]{36})" class="mono">`)
	requestRe  = regexp.MustCompile(`<tr data-request="([^"]*)">`)
	afterRe    = regexp.MustCompile(`<form method="(get|post)" action="[^"]+" class="inline" id="next-page">.*?name="after" value="([^"]+)"`)
)

// userIDsOn lists the users linked from a list page's rows, in order.
func userIDsOn(body string) []string {
	var ids []string
	for _, m := range userLinkRe.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// nextPage returns the method and cursor of the "more" form, if any.
func nextPage(body string) (method, after string) {
	m := afterRe.FindStringSubmatch(body)
	if m == nil {
		return "", ""
	}
	return m[1], html.UnescapeString(m[2])
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func randomDigits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

// requestIDsOn lists the login audit rows on a page by request id, in order.
func requestIDsOn(body string) []string {
	var ids []string
	for _, m := range requestRe.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}
