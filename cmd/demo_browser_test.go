package cmd

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mpauth/mpauth/wechat/fakewechat"
)

// A newcomer runs the server and opens /demo: wx.login, both phone flows and
// the rotation trap each work from the browser.
func TestDemoPageWalksTheWholeFlowInABrowser(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is needed for the browser tests: apt-get install -y chromium")
	}
	base, _ := startRun(t, nil)

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir()))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	defer cancelTimeout()

	statusHas := func(text string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](`document.getElementById("demo-status").textContent.includes(`+jsString(text)+`)`, chromedp.WithPollingTimeout(15*time.Second))
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/demo"),
		chromedp.WaitVisible(chromedp.ID("step-login")),
		chromedp.Click(chromedp.ID("step-login")), statusHas("Logged in"),
		chromedp.Click(chromedp.ID("step-code")), statusHas("Bound 138****8000"),
		chromedp.Click(chromedp.ID("step-legacy")), statusHas("decrypting with the session key"),
		chromedp.Click(chromedp.ID("step-trap")), statusHas("Rescued"),
	)
	if err != nil {
		status, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("demo-status")))
		t.Fatalf("demo page: %v (status line: %q)", err, status)
	}
	screenshot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := "../artifacts"
	if err := os.MkdirAll(dir, 0o755); err == nil {
		os.WriteFile(filepath.Join(dir, "demo.png"), screenshot, 0o644)
	}
}

func TestDemoPageDoesNotExistWithARealWeChat(t *testing.T) {
	const app, secret = "wx3000000000000003", "not-a-demo-secret-0000000000000003"
	fake := httptest.NewServer(fakewechat.New(fakewechat.Options{Apps: map[string]string{app: secret}}))
	defer fake.Close()
	base, _ := startRun(t, map[string]string{"WECHAT_APPID": app, "WECHAT_SECRET": secret, "WECHAT_API_BASE": fake.URL})
	for _, path := range []string{"/demo", "/_fakewechat/_device/stats"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("GET %s outside demo mode = %d, want 404", path, resp.StatusCode)
		}
	}
}

func jsString(s string) string {
	b := []byte{'"'}
	for _, r := range s {
		if r == '"' || r == '\\' {
			b = append(b, '\\')
		}
		b = append(b, string(r)...)
	}
	return string(append(b, '"'))
}
