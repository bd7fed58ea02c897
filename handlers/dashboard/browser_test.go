package dashboard_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/wechat"
)

// artifactsDir is where the browser test leaves its screenshots (git-ignored).
const artifactsDir = "../../artifacts"

// TestBrowserSignInSearchRevealExport drives headless Chromium through the
// main path of the dashboard: sign in, find a user by the last 4 digits of
// their phone, open them, reveal the number, export a CSV. It saves a
// screenshot of each main page under artifacts/.
func TestBrowserSignInSearchRevealExport(t *testing.T) {
	chromium := findChromium(t)
	e := newAdminEnv(t)
	e.createAdmin("alice", models.RoleAdmin)
	target := seedDashboard(e)

	downloads := t.TempDir()
	ctx := newBrowser(t, chromium)
	if err := os.MkdirAll(artifactsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(artifactsDir, "admin-"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	base := e.server.URL

	do("open the sign-in page", chromedp.Navigate(base+"/admin/"), chromedp.WaitVisible(chromedp.ID("login-form")))
	// Chinese is the dashboard's first language: switch to it, as a user would.
	if strings.Contains(text("h1"), "Sign in") {
		do("switch to Chinese", chromedp.Click(chromedp.ID("lang-switch")), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-CN"] #login-form`)))
	}
	shot("login")
	do("sign in",
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), adminPW),
		chromedp.Submit(chromedp.ID("login-form")),
		chromedp.WaitVisible(chromedp.CSS(".chart svg")),
	)
	shot("overview")

	do("search by the last 4 digits",
		chromedp.Navigate(base+"/admin/users"),
		chromedp.WaitVisible(chromedp.ID("user-search")),
		chromedp.SendKeys(chromedp.CSS(`input[name="q"]`), "5678"),
		chromedp.Submit(chromedp.ID("user-search")),
		chromedp.WaitVisible(chromedp.CSS(`input[name="q"][value="5678"]`)),
	)
	if got := text("#users tbody"); !strings.Contains(got, "139****5678") || strings.Contains(got, "13912345678") {
		t.Fatalf("search results: %q", got)
	}
	shot("users-search")

	do("open the user",
		chromedp.Click(chromedp.CSS(`#users a[href="/admin/users/`+target.ID+`"]`)),
		chromedp.WaitVisible(chromedp.ID("masked-phone")),
	)
	shot("user")

	do("reveal the number",
		chromedp.Click(chromedp.ID("reveal-link")),
		chromedp.WaitVisible(chromedp.ID("reveal-form")),
		chromedp.SendKeys(chromedp.CSS(`#reveal-form input[name="reason"]`), "工单 #1024：用户换机后无法登录"),
		chromedp.Submit(chromedp.ID("reveal-form")),
		chromedp.WaitVisible(chromedp.ID("revealed-phone")),
	)
	if got := text("#revealed-phone"); got != "+86 13912345678" {
		t.Fatalf("revealed %q", got)
	}
	shot("reveal")

	progress := chromedp.Events(ctx, cdpbrowser.DownloadProgress)
	do("export the search as CSV",
		chromedp.Navigate(base+"/admin/users"),
		chromedp.WaitVisible(chromedp.ID("export-form")),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
				Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: ptr(true),
			})
			return err
		}),
		chromedp.Click(chromedp.CSS(`#export-form button[type="submit"]`)),
	)
	var file string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		if ev.State == cdpbrowser.DownloadProgressStateCanceled {
			t.Fatal("the download was cancelled")
		}
		if ev.State == cdpbrowser.DownloadProgressStateCompleted {
			file = filepath.Join(downloads, ev.GUID)
			break
		}
	}
	csv, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(csv, []byte("\ufeffuser_id,")) || !bytes.Contains(csv, []byte("139****5678")) || bytes.Contains(csv, []byte("13912345678")) {
		t.Errorf("downloaded CSV:\n%s", csv[:min(len(csv), 400)])
	}

	for _, p := range []struct{ path, name, ready string }{
		{"/admin/phones", "phones", "#phones"},
		{"/admin/audit/logins", "login-audit", "#audit-filter"},
		{"/admin/audit/admin", "admin-audit", "#admin-audit-filter"},
	} {
		do("open "+p.path, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS(p.ready)))
		shot(p.name)
	}
	if got := text("table.audit tbody"); !strings.Contains(got, "工单 #1024") {
		t.Errorf("the admin audit does not show the reveal: %q", got)
	}
	do("switch to English", chromedp.Click(chromedp.ID("lang-switch")), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #admin-audit-filter`)))
	do("open the overview in English", chromedp.Navigate(base+"/admin/"), chromedp.WaitVisible(chromedp.CSS(".chart svg")))
	shot("overview-en")
	do("open a missing page", chromedp.Navigate(base+"/admin/nothing-here"), chromedp.WaitVisible(chromedp.CSS(".error-page")))
	shot("not-found")
}

// findChromium fails (never skips) when no browser is installed: CI must
// run this test.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium to drive: install it with `apt-get install -y chromium` (.ci/run does)")
	return ""
}

func newBrowser(t *testing.T, chromium string) context.Context {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 1000),
	)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

func ptr[T any](v T) *T { return &v }

// seedDashboard fills the database with a month of plausible activity,
// through the stores, and returns the user the test looks for.
func seedDashboard(e *adminEnv) models.User {
	now := e.clock.Now()
	names := []string{"张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴婷", "徐强", "孙丽"}
	var users []models.User
	for i := range 36 {
		created := now.Add(-time.Duration(35-i) * 20 * time.Hour)
		f := fixtureUser{nickname: names[i%len(names)], created: created, app: []string{dashApp1, dashApp2}[i%3/2]}
		if i%4 != 3 {
			f.phone = fmt.Sprintf("13%d%08d", 5+i%5, 10000000+i*7919)
		}
		if i == 30 {
			f.nickname, f.phone, f.unionid = "林小雨", "13912345678", "oUNION_LIN_XIAOYU_0000000001"
		}
		if i == 12 {
			f.blocked = true
		}
		users = append(users, e.addUser(f))
	}
	target := users[30]
	e.addSession(target, dashApp1)
	e.addSession(target, dashApp2)
	errcodes := []int{40029, 40029, 40029, 40163, 45011, -1, 40226}
	for day := range 30 {
		at := now.Add(-time.Duration(29-day) * 24 * time.Hour)
		for j := range 8 + (day*7)%13 + day/2 {
			u := users[(day+j)%len(users)].ID
			e.addAudit(models.LoginAudit{CreatedAt: at.Add(-time.Duration(j) * 17 * time.Minute), UserID: &u, IP: fmt.Sprintf("203.0.113.%d", j+10), UserAgent: "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50", RequestID: fmt.Sprintf("r%d-%d", day, j)})
		}
		if day%3 == 0 {
			code := errcodes[day%len(errcodes)]
			e.addAudit(models.LoginAudit{CreatedAt: at.Add(-time.Hour), Result: models.ResultFailure, WeChatErrCode: &code, ErrorCode: "invalid_code", Reason: "jscode2session: errcode " + fmt.Sprint(code), IP: "198.51.100.23"})
		}
	}
	uid := target.ID
	e.addAudit(models.LoginAudit{CreatedAt: now.Add(-5 * time.Minute), Event: models.EventPhoneCode, UserID: &uid, IP: "203.0.113.77", RequestID: "r-phone"})
	for range 23 {
		if err := e.store.CountPhoneVerification(context.Background(), dashApp1, wechat.BillingDay(now)); err != nil {
			e.t.Fatal(err)
		}
	}
	return target
}
