package dashboard_test

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/wechat"
)

// fullNumber matches an unmasked mainland mobile number anywhere in a page.
var fullNumber = regexp.MustCompile(`1[3-9]\d{9}`)

func TestEveryPageRendersForBothRolesInBothLanguages(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	u := e.addUser(fixtureUser{nickname: "小明", phone: "13800138000", unionid: "uXIAOMING"})
	session := e.addSession(u, dashApp1)
	uid := u.ID
	e.addAudit(models.LoginAudit{UserID: &uid, IP: "198.51.100.1"})
	code := 40029
	e.addAudit(models.LoginAudit{Result: models.ResultFailure, WeChatErrCode: &code, ErrorCode: "invalid_code", Reason: "code expired"})

	pages := []struct {
		path string
		want []string // English
		zh   []string
	}{
		{"/admin/", []string{"Overview", "Logins today", "40029", "invalid or expired code", "<svg", dashApp1}, []string{"概览", "今日登录"}},
		{"/admin/users", []string{"Users", "小明", "138****8000", dashApp1, "1 users"}, []string{"用户", "搜索"}},
		{"/admin/users/" + u.ID, []string{"小明", "uXIAOMING", "138****8000", "Active login sessions", "WeChat/8.0", "198.51.100.1"}, []string{"微信身份", "有效登录会话"}},
		{"/admin/phones", []string{"Phone bindings", "138****8000", u.ID}, []string{"手机号绑定"}},
		{"/admin/audit/logins", []string{"Login audit", "198.51.100.1", "invalid_code", "code expired"}, []string{"登录审计"}},
		{"/admin/audit/admin", []string{"Admin audit", "sign_in"}, []string{"管理审计", "登录后台"}},
	}
	for _, role := range []string{models.RoleAdmin, models.RoleViewer} {
		b := e.signedIn("as-"+role, role)
		for _, pg := range pages {
			for _, lang := range []string{"en", "zh-CN,zh;q=0.9"} {
				b.lang = lang
				p := b.get(pg.path)
				if p.status != http.StatusOK {
					t.Errorf("%s %s (%s): status %d", role, pg.path, lang, p.status)
					continue
				}
				want := pg.want
				if lang != "en" {
					want = pg.zh
				}
				for _, w := range want {
					if !strings.Contains(p.body, w) {
						t.Errorf("%s %s (%s): no %q on the page", role, pg.path, lang, w)
					}
				}
				if m := fullNumber.FindString(p.body); m != "" {
					t.Errorf("%s %s: full phone number %s on the page", role, pg.path, m)
				}
				for _, secret := range []string{"secret-" + dashApp1, "secret-" + dashApp2, string(session.TokenHash), "session_key"} {
					if strings.Contains(p.body, secret) {
						t.Errorf("%s %s: a secret (%q) on the page", role, pg.path, secret)
					}
				}
			}
		}
	}
}

func TestTheLanguageSwitchIsRemembered(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleAdmin)
	b.lang = "" // no Accept-Language: Chinese by default
	if p := b.get("/admin/users"); !strings.Contains(p.body, `<html lang="zh-CN">`) || !strings.Contains(p.body, ">English</button>") {
		t.Fatal("the default language is not Chinese with a switch to English")
	}
	p := b.post("/admin/lang", url.Values{"lang": {"en"}, "back": {"/admin/users"}})
	if p.status != http.StatusSeeOther || p.location != "/admin/users" {
		t.Fatalf("switch: %d → %q", p.status, p.location)
	}
	if p := b.get("/admin/users"); !strings.Contains(p.body, `<html lang="en">`) || !strings.Contains(p.body, ">中文</button>") {
		t.Error("the switch to English did not stick")
	}
	if p := b.post("/admin/lang", url.Values{"lang": {"en"}, "back": {"https://evil.example/"}}); p.location != "/admin/" {
		t.Errorf("the switch redirects off-site: %q", p.location)
	}
}

func TestErrorPagesLookLikeTheDashboard(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	viewer := e.signedIn("vera", models.RoleViewer)
	u := e.addUser(fixtureUser{phone: "13800138000"})
	for _, tc := range []struct {
		path   string
		status int
		text   string
	}{
		{"/admin/no-such-page", http.StatusNotFound, "Page not found"},
		{"/admin/users/0190a6e4-7b1c-7def-8a2b-3c4d5e6f7a8b", http.StatusNotFound, "No such user."},
		{"/admin/users/" + u.ID + "/reveal", http.StatusForbidden, "viewers see masked data only"},
	} {
		p := viewer.get(tc.path)
		if p.status != tc.status || !strings.Contains(p.body, tc.text) || !strings.Contains(p.body, `class="nav"`) {
			t.Errorf("%s: %d, want %d with %q in the dashboard layout", tc.path, p.status, tc.status, tc.text)
		}
	}
	if p := e.browser().get("/api/v1/nothing"); !strings.Contains(p.header.Get("Content-Type"), "json") {
		t.Error("an unknown API path no longer answers JSON")
	}
}

func TestUsersPagesVisitEveryUserOnceNewestFirst(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleAdmin)
	base := e.clock.Now().Add(-time.Hour)
	var want []models.User
	for i := range 123 {
		// Groups of three users share a creation time: the id breaks ties.
		want = append(want, e.addUser(fixtureUser{created: base.Add(time.Duration(i/3) * time.Second)}))
	}
	slices.SortFunc(want, func(x, y models.User) int {
		if c := y.CreatedAt.Compare(x.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(y.ID, x.ID)
	})

	for _, search := range []bool{false, true} {
		var got []string
		form := url.Values{}
		if search {
			form.Set("app", dashApp1) // a filtered list pages the same way
		}
		p := b.get("/admin/users")
		if search {
			p = b.post("/admin/users", form)
		}
		for pages := 1; ; pages++ {
			if p.status != http.StatusOK {
				t.Fatalf("page %d: %d", pages, p.status)
			}
			got = append(got, userIDsOn(p.body)...)
			method, after := nextPage(p.body)
			if after == "" {
				if pages != 3 {
					t.Errorf("%d pages for 123 users, want 3", pages)
				}
				break
			}
			form.Set("after", after)
			if method == "post" {
				p = b.post("/admin/users", form)
			} else {
				p = b.get("/admin/users?" + form.Encode())
			}
		}
		if len(got) != len(want) {
			t.Fatalf("saw %d users, want %d", len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i].ID {
				t.Fatalf("row %d is %s, want %s (order or duplicates wrong)", i, got[i], want[i].ID)
			}
		}
	}
}

func TestUserSearchAndFilters(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleAdmin)
	day := func(d int) time.Time { return time.Date(2025, 3, d, 2, 0, 0, 0, time.UTC) } // 10:00 Beijing
	alice := e.addUser(fixtureUser{nickname: "alice", openid: "oALICE0000000000000000000001", unionid: "uSHARED", phone: "13800138000", created: day(1)})
	bob := e.addUser(fixtureUser{nickname: "bob", app: dashApp2, openid: "oBOB00000000000000000000002", unionid: "uSHARED", phone: "13912348000", created: day(5)})
	carol := e.addUser(fixtureUser{nickname: "carol", openid: "oCAROL00000000000000000003", created: day(10), blocked: true})
	dave := e.addUser(fixtureUser{nickname: "dave", openid: "oDAVE000000000000000000004", phone: "15000001234", created: time.Date(2025, 3, 10, 16, 30, 0, 0, time.UTC)}) // 00:30 on the 11th in Beijing

	for _, tc := range []struct {
		name string
		form url.Values
		want []models.User
	}{
		{"everyone", url.Values{}, []models.User{dave, carol, bob, alice}},
		{"openid, exact", url.Values{"q": {"oALICE0000000000000000000001"}}, []models.User{alice}},
		{"openid prefix finds nothing", url.Values{"q": {"oALICE"}}, nil},
		{"unionid, exact", url.Values{"q": {"uSHARED"}}, []models.User{bob, alice}},
		{"user id", url.Values{"q": {carol.ID}}, []models.User{carol}},
		{"phone, whole number", url.Values{"q": {"13800138000"}}, []models.User{alice}},
		{"phone with +86 and spaces", url.Values{"q": {"+86 139 1234 8000"}}, []models.User{bob}},
		{"phone, last 4 digits", url.Values{"q": {"8000"}}, []models.User{bob, alice}},
		{"phone, 4 digits anywhere", url.Values{"q": {"1234"}, "kind": {"phone_contains"}}, []models.User{dave, bob}},
		{"phone, 5+ digits anywhere", url.Values{"q": {"00012"}}, []models.User{dave}},
		{"app", url.Values{"app": {dashApp2}}, []models.User{bob}},
		{"phone bound", url.Values{"phone": {"bound"}}, []models.User{dave, bob, alice}},
		{"phone not bound", url.Values{"phone": {"unbound"}}, []models.User{carol}},
		{"blocked", url.Values{"status": {"blocked"}}, []models.User{carol}},
		{"active", url.Values{"status": {"active"}}, []models.User{dave, bob, alice}},
		{"created from (Beijing days)", url.Values{"from": {"2025-03-05"}}, []models.User{dave, carol, bob}},
		{"created to, inclusive day", url.Values{"to": {"2025-03-10"}}, []models.User{carol, bob, alice}},
		{"created range", url.Values{"from": {"2025-03-02"}, "to": {"2025-03-09"}}, []models.User{bob}},
		{"search and filter", url.Values{"q": {"8000"}, "app": {dashApp1}}, []models.User{alice}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := b.post("/admin/users", tc.form)
			if p.status != http.StatusOK {
				t.Fatalf("status %d", p.status)
			}
			var want []string
			for _, u := range tc.want {
				want = append(want, u.ID)
			}
			if got := userIDsOn(p.body); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			if len(tc.want) == 0 && !strings.Contains(p.body, "No user matches this search.") {
				t.Error("no empty-state message")
			}
		})
	}
	for _, bad := range []url.Values{{"q": {"123"}}, {"q": {"12345"}, "kind": {"phone_last4"}}, {"from": {"March 1"}}, {"after": {"garbage"}}} {
		if p := b.post("/admin/users", bad); p.status != http.StatusBadRequest || !strings.Contains(p.body, `class="error-box"`) {
			t.Errorf("%v: %d, want 400 with a message", bad, p.status)
		}
	}
}

func TestPhoneNumbersStayOutOfURLs(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleAdmin)
	for range 60 {
		e.addUser(fixtureUser{phone: "1380" + randomDigits(7)})
	}
	target := e.addUser(fixtureUser{phone: "13800138000"})
	// The search box is read from POST only.
	if p := b.get("/admin/users?q=13800138000"); len(userIDsOn(p.body)) != 50 {
		t.Errorf("a GET search was honoured")
	}
	p := b.post("/admin/users", url.Values{"q": {"1380"}, "kind": {"phone_contains"}})
	method, after := nextPage(p.body)
	if after == "" || method != "post" {
		t.Fatalf("the next page of a phone search is %q %q, want a POST form", method, after)
	}
	if strings.Contains(p.body, "href=\"/admin/users?") {
		t.Error("a link carries the search")
	}
	if p := b.post("/admin/users", url.Values{"q": {"13800138000"}}); !slices.Equal(userIDsOn(p.body), []string{target.ID}) {
		t.Error("exact search failed")
	}
}

func TestPhoneBindingsListIsMaskedAndFiltered(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleAdmin)
	a := e.addUser(fixtureUser{phone: "13800138000", created: e.clock.Now().Add(-3 * time.Hour)})
	c := e.addUser(fixtureUser{phone: "13912348000", app: dashApp2, created: e.clock.Now().Add(-2 * time.Hour)})
	d := e.addUser(fixtureUser{phone: "15000001234", created: e.clock.Now().Add(-time.Hour)})
	e.addUser(fixtureUser{}) // no phone

	p := b.get("/admin/phones")
	if !slices.Equal(userIDsOn(p.body), []string{d.ID, c.ID, a.ID}) {
		t.Errorf("list order: %v", userIDsOn(p.body))
	}
	for _, masked := range []string{"138****8000", "139****8000", "150****1234"} {
		if !strings.Contains(p.body, masked) {
			t.Errorf("no %s on the page", masked)
		}
	}
	if fullNumber.MatchString(p.body) {
		t.Error("a full number on the list")
	}
	for _, tc := range []struct {
		form url.Values
		want []string
	}{
		{url.Values{"q": {"8000"}}, []string{c.ID, a.ID}},
		{url.Values{"q": {"13800138000"}}, []string{a.ID}},
		{url.Values{"q": {"0001"}, "kind": {"phone_contains"}}, []string{d.ID}},
		{url.Values{"app": {dashApp2}}, []string{c.ID}},
		{url.Values{"source": {"encrypted"}}, nil},
	} {
		if got := userIDsOn(b.post("/admin/phones", tc.form).body); !slices.Equal(got, tc.want) {
			t.Errorf("%v: got %v, want %v", tc.form, got, tc.want)
		}
	}
	if p := b.post("/admin/phones", url.Values{"q": {"oOPENID"}}); p.status != http.StatusBadRequest {
		t.Errorf("a non-digit search: %d, want 400", p.status)
	}
}

func TestLoginAuditFilters(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleViewer)
	u := e.addUser(fixtureUser{})
	uid := u.ID
	t0 := time.Date(2025, 3, 14, 1, 0, 0, 0, time.UTC) // 09:00 Beijing
	e40029, e45011 := 40029, 45011
	rows := []models.LoginAudit{
		e.addAudit(models.LoginAudit{CreatedAt: t0, UserID: &uid, IP: "10.0.0.1", RequestID: "r-login-ok"}),
		e.addAudit(models.LoginAudit{CreatedAt: t0.Add(time.Minute), Result: models.ResultFailure, WeChatErrCode: &e40029, ErrorCode: "invalid_code", IP: "10.0.0.2", RequestID: "r-login-bad"}),
		e.addAudit(models.LoginAudit{CreatedAt: t0.Add(2 * time.Minute), Event: models.EventPhoneCode, AppID: dashApp2, UserID: &uid, IP: "10.0.0.1", RequestID: "r-phone"}),
		e.addAudit(models.LoginAudit{CreatedAt: t0.Add(3 * time.Minute), Result: models.ResultFailure, WeChatErrCode: &e45011, ErrorCode: "rate_limited", IP: "10.0.0.3", RequestID: "r-limited"}),
	}
	_ = rows
	ids := func(body string) []string { // newest first, as listed
		out := requestIDsOn(body)
		slices.Reverse(out)
		return out
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"r-login-ok", "r-login-bad", "r-phone", "r-limited"}},
		{"event=phone_code", []string{"r-phone"}},
		{"result=failure", []string{"r-login-bad", "r-limited"}},
		{"app=" + dashApp2, []string{"r-phone"}},
		{"errcode=40029", []string{"r-login-bad"}},
		{"code=rate_limited", []string{"r-limited"}},
		{"ip=10.0.0.1", []string{"r-login-ok", "r-phone"}},
		{"user=" + uid, []string{"r-login-ok", "r-phone"}},
		// Half-open: the row at "from" is in, the row at "to" is out.
		{"from=2025-03-14T09:01&to=2025-03-14T09:03", []string{"r-login-bad", "r-phone"}},
		{"event=login&result=success", []string{"r-login-ok"}},
	} {
		p := b.get("/admin/audit/logins?" + tc.query)
		if p.status != http.StatusOK {
			t.Errorf("%q: status %d", tc.query, p.status)
			continue
		}
		if got := ids(p.body); !slices.Equal(got, tc.want) {
			t.Errorf("%q: got %v, want %v", tc.query, got, tc.want)
		}
	}
	// Each row links to its user.
	if p := b.get("/admin/audit/logins?user=" + uid); !strings.Contains(p.body, `href="/admin/users/`+uid+`"`) {
		t.Error("audit rows do not link to the user")
	}
	if p := b.get("/admin/audit/logins?errcode=abc"); p.status != http.StatusBadRequest {
		t.Errorf("a non-numeric errcode: %d", p.status)
	}
}

func TestLoginAuditPagesVisitEveryRowOnce(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleViewer)
	at := e.clock.Now().Add(-time.Hour)
	var want []string
	for i := range 120 {
		// Ten rows per instant: the id orders them.
		e.addAudit(models.LoginAudit{CreatedAt: at.Add(time.Duration(i/10) * time.Second), RequestID: "req-" + itoa(int64(i)), IP: "192.0.2.9"})
		want = append(want, "req-"+itoa(int64(i)))
	}
	slices.Reverse(want)
	var got []string
	p := b.get("/admin/audit/logins?ip=192.0.2.9")
	for pages := 1; ; pages++ {
		got = append(got, requestIDsOn(p.body)...)
		_, after := nextPage(p.body)
		if after == "" {
			if pages != 3 {
				t.Errorf("%d pages, want 3", pages)
			}
			break
		}
		p = b.get("/admin/audit/logins?ip=192.0.2.9&after=" + url.QueryEscape(after))
	}
	if !slices.Equal(got, want) {
		t.Errorf("rows over all pages:\n got %v\nwant %v", got, want)
	}
}

const signInBadge = `<span class="badge ok">sign_in</span>`

func TestAdminAuditFilters(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	alice := e.signedIn("alice", models.RoleAdmin)
	e.signedIn("bob", models.RoleViewer)
	u := e.addUser(fixtureUser{phone: "13800138000"})
	alice.post("/admin/users/"+u.ID+"/reveal", url.Values{"reason": {"support ticket 42"}})
	alice.post("/admin/users/"+u.ID+"/block", url.Values{"reason": {"fraud"}})

	for _, tc := range []struct {
		query string
		want  []string
		not   []string
	}{
		{"action=reveal_phone", []string{"support ticket 42"}, []string{"fraud"}},
		{"admin=alice&action=block_user", []string{"fraud"}, []string{"support ticket 42"}},
		{"admin=bob", []string{signInBadge}, []string{"fraud", "support ticket 42"}},
		{"admin=nobody", nil, []string{"fraud", signInBadge}},
		{"target_type=user&target=" + u.ID, []string{"fraud", "support ticket 42"}, []string{signInBadge}},
	} {
		p := alice.get("/admin/audit/admin?" + tc.query)
		for _, w := range tc.want {
			if !strings.Contains(p.body, w) {
				t.Errorf("%q: no %q", tc.query, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(p.body, w) {
				t.Errorf("%q: unexpected %q", tc.query, w)
			}
		}
	}
}

func TestNicknamesAndSearchesCannotInjectScript(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleAdmin)
	evil := `<script>alert("x")</script>`
	u := e.addUser(fixtureUser{nickname: evil})
	uid := u.ID
	e.addAudit(models.LoginAudit{UserID: &uid, Reason: evil, ErrorCode: evil})
	for _, p := range []page{
		b.get("/admin/users"),
		b.get("/admin/users/" + u.ID),
		b.get("/admin/audit/logins"),
		b.post("/admin/users", url.Values{"q": {evil}}),
		b.post("/admin/users", url.Values{"q": {`"><img src=x onerror=alert(1)>`}}),
	} {
		if strings.Contains(p.body, "<script>alert") || strings.Contains(p.body, "<img src=x") {
			t.Errorf("unescaped input on a page:\n%s", p.body)
		}
	}
	if p := b.get("/admin/users"); !strings.Contains(p.body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Error("the nickname is not shown escaped")
	}
}

func TestOverviewCountsAndChart(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleViewer)
	now := e.clock.Now()
	for i := range 3 {
		e.addUser(fixtureUser{phone: "1380000000" + itoa(int64(i)), created: now.Add(-time.Duration(i) * 24 * time.Hour)})
	}
	e.addUser(fixtureUser{})
	for i := range 6 {
		e.addAudit(models.LoginAudit{CreatedAt: now.Add(-time.Duration(i) * time.Minute)})
	}
	e.addAudit(models.LoginAudit{CreatedAt: now.Add(-26 * time.Hour)}) // yesterday
	code := 40226
	e.addAudit(models.LoginAudit{CreatedAt: now.Add(-time.Minute), Result: models.ResultFailure, WeChatErrCode: &code, ErrorCode: "risk_blocked"})
	e.addAudit(models.LoginAudit{CreatedAt: now.Add(-time.Minute), Result: models.ResultFailure, ErrorCode: "invalid_request"})
	for range 7 {
		if err := e.store.CountPhoneVerification(t.Context(), dashApp1, wechat.BillingDay(now)); err != nil {
			t.Fatal(err)
		}
	}
	p := b.get("/admin/")
	for _, want := range []string{
		`<div class="label">Users</div><div class="value">4</div>`,
		`<div class="label">Bound phones</div><div class="value">3</div>`,
		`<div class="label">Logins today</div><div class="value">6</div>`,
		"2 failed attempts",
		`<div class="value">25.0%</div>`,
		"¥0.21", // 7 × 0.03
		"40226", "high-risk user blocked",
		"2025-03-14: 6 logins", "2025-03-13: 1 logins", "2025-03-14: 1 phone bindings",
		"stable",
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	if n := strings.Count(p.body, `<circle class="dot-logins"`); n != 30 {
		t.Errorf("%d days on the chart, want 30", n)
	}
}

func TestOnlyTheStaticFoldersAreServed(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.browser()
	p := b.get("/admin/static/css/admin.css")
	if p.status != http.StatusOK || !strings.Contains(p.header.Get("Content-Type"), "text/css") || !strings.Contains(p.header.Get("Cache-Control"), "immutable") {
		t.Errorf("stylesheet: %d %q %q", p.status, p.header.Get("Content-Type"), p.header.Get("Cache-Control"))
	}
	for _, path := range []string{"/admin/static/", "/admin/static/css/", "/admin/static/layout.html", "/admin/static/pages/users.html", "/admin/static/static.go", "/admin/static/../templates/layout.html"} {
		if p := b.get(path); p.status == http.StatusOK {
			t.Errorf("%s is served", path)
		}
	}
	// Pages link to fingerprinted assets, so a new release is never mixed
	// with a cached old stylesheet.
	if p := b.get("/admin/login"); !regexp.MustCompile(`/admin/static/css/admin\.css\?v=[0-9a-f]{12}`).MatchString(p.body) {
		t.Error("the stylesheet link carries no content hash")
	}
}

func TestFilterValuesNoRowCanHoldAreRefusedNotErrors(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleAdmin)
	for _, bad := range []string{"a\x00b", "\xff\xfe", strings.Repeat("9", 500)} {
		for _, path := range []string{
			"/admin/audit/logins?ip=" + url.QueryEscape(bad),
			"/admin/audit/logins?code=" + url.QueryEscape(bad),
			"/admin/audit/admin?target=" + url.QueryEscape(bad),
			"/admin/audit/admin?admin=" + url.QueryEscape(bad),
			"/admin/users?app=" + url.QueryEscape(bad),
			"/admin/phones?app=" + url.QueryEscape(bad),
		} {
			if p := b.get(path); p.status != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", path, p.status)
			}
		}
	}
}

// A viewer is shown 139****9002. Searching by digits anywhere would tell
// them the hidden four (extend the prefix one digit at a time); they search
// by the last 4 or the whole number, whole numbers are limited, and every
// phone search is audited with its kind and hits, never its digits.
func TestAViewerSearchesPhonesOnlyAsFarAsTheMaskShows(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	viewer := e.signedIn("vera", models.RoleViewer)
	admin := e.signedIn("root", models.RoleAdmin)
	victim := e.addUser(fixtureUser{nickname: "victim", openid: "oVICTIM000000000000000000001", phone: "13957319002"})

	for _, path := range []string{"/admin/users", "/admin/phones"} {
		for _, form := range []url.Values{{"q": {"1395731"}}, {"q": {"3957"}, "kind": {"phone_contains"}}} {
			p := viewer.post(path, form)
			if p.status != http.StatusForbidden || strings.Contains(p.body, victim.ID) || !strings.Contains(p.body, `class="error-box"`) {
				t.Fatalf("viewer digits-anywhere search %v on %s: %d, found the victim: %v", form, path, p.status, strings.Contains(p.body, victim.ID))
			}
		}
		for _, q := range []string{"9002", "13957319002", "+86 139 5731 9002"} {
			if p := viewer.post(path, url.Values{"q": {q}}); p.status != http.StatusOK || !strings.Contains(p.body, victim.ID) {
				t.Fatalf("viewer search %q on %s: %d", q, path, p.status)
			}
		}
	}
	// The admin still searches digits anywhere.
	if p := admin.post("/admin/users", url.Values{"q": {"1395731"}}); p.status != http.StatusOK || !strings.Contains(p.body, victim.ID) {
		t.Fatalf("admin digits-anywhere search: %d", p.status)
	}
	// A 7-digit number's mask shows its last 3 digits: the last 4 would
	// tell a viewer one more, so a viewer's last-4 search does not find it.
	short := e.addUser(fixtureUser{nickname: "iceland", openid: "oICELAND00000000000000000001", cc: "354", phone: "6119002"})
	if p := viewer.post("/admin/phones", url.Values{"q": {"9002"}}); p.status != http.StatusOK || strings.Contains(p.body, short.ID) || !strings.Contains(p.body, victim.ID) {
		t.Fatalf("viewer last-4 search: %d, found the 7-digit number: %v", p.status, strings.Contains(p.body, short.ID))
	}
	if p := viewer.get("/admin/phones"); !strings.Contains(p.body, "&#43;354 ****002") {
		t.Fatal("the 7-digit number is not shown as +354 ****002")
	}
	if p := admin.post("/admin/phones", url.Values{"q": {"9002"}}); !strings.Contains(p.body, short.ID) {
		t.Fatal("the admin's last-4 search misses the 7-digit number")
	}

	// Whole-number guesses run out: 4 are spent above, 16 remain.
	refused := 0
	for i := range 30 {
		p := viewer.post("/admin/users", url.Values{"q": {fmt.Sprintf("1395731%04d", i)}})
		if p.status == http.StatusTooManyRequests {
			refused++
			if !strings.Contains(p.body, `class="error-box"`) {
				t.Fatal("a refused search shows no message")
			}
		}
	}
	if refused != 14 {
		t.Fatalf("%d of 30 further whole-number guesses refused, want 14 (20 at once, then one every 3 minutes)", refused)
	}

	rows := e.adminAudit(models.ActionPhoneSearch)
	kinds := map[string]int{}
	for _, r := range rows {
		if strings.Contains(r.Detail, "57319") || strings.Contains(r.Detail, "9002") || strings.Contains(r.TargetID, "9002") {
			t.Fatalf("the audit holds searched digits: %+v", r)
		}
		kinds[strings.Fields(r.Detail)[0]+" "+r.AdminName]++
	}
	want := map[string]int{
		"kind=phone_contains vera": 4, "kind=phone_last4 vera": 3, "kind=phone vera": 34,
		"kind=phone_contains root": 1, "kind=phone_last4 root": 1,
	}
	if !maps.Equal(kinds, want) {
		t.Fatalf("phone searches in the audit: %v, want %v", kinds, want)
	}
}
