package cmd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mpauth/mpauth/dbtest"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

// running is a server started through run() for a test.
type running struct {
	base   string
	stop   func() error
	stdout *syncBuf // what run printed after the listening line
	logs   *syncBuf // everything it logged
	head   string   // what run printed up to the listening line

	printed    chan struct{} // nudged after each stdout line
	dbURL      string        // PostgreSQL URL, or
	sqlitePath string        // the SQLite file
}

// waitStdout waits (bounded) until run has printed a line containing s.
func (r *running) waitStdout(t *testing.T, s string) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for !strings.Contains(r.stdout.String(), s) {
		select {
		case <-r.printed:
		case <-deadline:
			t.Fatalf("run never printed %q; it printed:\n%s", s, r.stdout.String())
		}
	}
	return r.stdout.String()
}

type syncBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}
func (b *syncBuf) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

// startRun runs the real binary's run() in demo mode on a free port with a
// fresh database and returns its base URL; the server stops with the test.
func startRun(t *testing.T, extraEnv map[string]string) (baseURL string, stop func() error) {
	r := launch(t, extraEnv)
	return r.base, r.stop
}

func launch(t *testing.T, extraEnv map[string]string) *running {
	t.Helper()
	target := dbtest.Fresh(t)
	env := map[string]string{"MPAUTH_ADDR": "127.0.0.1:0", "MPAUTH_METRICS_ADDR": "127.0.0.1:0", "MPAUTH_DATA_DIR": t.TempDir(), "MPAUTH_LOG_LEVEL": "warn"}
	if target.PostgresURL != "" {
		env["DATABASE_URL"] = target.PostgresURL
	} else {
		env["MPAUTH_DATA_DIR"] = filepath.Dir(target.SQLitePath)
	}
	for k, v := range extraEnv {
		env[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	r := &running{stdout: &syncBuf{}, logs: &syncBuf{}, dbURL: env["DATABASE_URL"]}
	if r.dbURL == "" {
		r.sqlitePath = filepath.Join(env["MPAUTH_DATA_DIR"], "mpauth.db")
	}
	done := make(chan error, 1)
	go func() {
		err := Run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), pw, r.logs)
		pw.CloseWithError(io.EOF)
		done <- err
	}()
	addr := regexp.MustCompile(`listening on (http://\S+)`)
	lines := bufio.NewScanner(pr)
	for lines.Scan() {
		r.head += lines.Text() + "\n"
		if m := addr.FindStringSubmatch(lines.Text()); m != nil {
			r.base = m[1]
			break
		}
	}
	if r.base == "" {
		cancel()
		t.Fatalf("server did not start: %v", <-done)
	}
	r.printed = make(chan struct{}, 1)
	go func() {
		for lines.Scan() {
			r.stdout.Write(append(lines.Bytes(), '\n'))
			select {
			case r.printed <- struct{}{}:
			default:
			}
		}
	}()
	stopped := false
	r.stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("server did not stop within 30s")
			return nil
		}
	}
	t.Cleanup(func() { r.stop() })
	return r
}

func postJSON(t *testing.T, url, token string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestZeroConfigServerRunsTheWholeFlowAndStopsCleanly(t *testing.T) {
	r := launch(t, nil)
	base, stop := r.base, r.stop
	for _, path := range []string{"/healthz", "/readyz", "/api/openapi.yaml"} {
		resp, err := http.Get(base + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", path, err, resp)
		}
		resp.Body.Close()
	}
	// Metrics answer on the operators' listener only.
	m := regexp.MustCompile(`metrics on (http://\S+/metrics)`).FindStringSubmatch(r.head)
	if m == nil {
		t.Fatalf("no metrics address printed before the listening line:\n%s", r.head)
	}
	for url, want := range map[string]int{m[1]: 200, base + "/metrics": 404} {
		resp, err := http.Get(url)
		if err != nil || resp.StatusCode != want {
			t.Fatalf("GET %s: %v %v, want %d", url, err, resp, want)
		}
		resp.Body.Close()
	}
	const app = "wxdemo000000000001"
	_, dev := postJSON(t, base+"/_fakewechat/_device/login", "", map[string]string{"appid": app, "user": "zoe"})
	status, login := postJSON(t, base+"/api/v1/login", "", map[string]string{"code": dev["code"].(string)})
	if status != 200 {
		t.Fatalf("login: %d %v", status, login)
	}
	token := login["token"].(string)
	_, ph := postJSON(t, base+"/_fakewechat/_device/phone", "", map[string]string{"appid": app, "user": "zoe", "phone": "+8613800138000"})
	status, bound := postJSON(t, base+"/api/v1/phone", token, map[string]string{"code": ph["code"].(string)})
	if status != 200 || bound["phone"].(map[string]any)["masked"] != "138****8000" {
		t.Fatalf("phone: %d %v", status, bound)
	}
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
}

func TestUnknownCommandAndBadConfigFailFast(t *testing.T) {
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"nonsense"}, func(string) string { return "" }, nil, &out, &out); err == nil {
		t.Fatal("unknown command accepted")
	}
	err := Run(context.Background(), []string{"serve"}, func(k string) string {
		return map[string]string{"MPAUTH_ENV": "production"}[k]
	}, nil, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "MPAUTH_SECRET_KEY") {
		t.Fatalf("production without settings: %v", err)
	}
}

func TestDecryptCommandExplainsFailures(t *testing.T) {
	var out bytes.Buffer
	err := Run(context.Background(), []string{"decrypt", "--session-key", "AAAAAAAAAAAAAAAAAAAAAA==", "--iv", "AAAAAAAAAAAAAAAAAAAAAA==", "--data", "AAAAAAAAAAAAAAAAAAAAAA=="},
		func(string) string { return "" }, nil, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "stale session_key") {
		t.Fatalf("garbage decrypt: %v", err)
	}
}

func TestDecryptCommandPrintsTheDataAndTheWatermark(t *testing.T) {
	fake := fakewechat.New(fakewechat.Options{})
	if _, err := fake.DeviceLogin(fakewechat.DemoAppID, "op", false); err != nil {
		t.Fatal(err)
	}
	ev, err := fake.DevicePhone(fakewechat.DemoAppID, "op", "+8613800138000")
	if err != nil {
		t.Fatal(err)
	}
	key, _ := fake.SessionKey(fakewechat.DemoAppID, "op")
	var out bytes.Buffer
	err = Run(context.Background(), []string{"decrypt", "--session-key", key.Reveal(), "--iv", ev.IV, "--data", ev.EncryptedData, "--appid", fakewechat.DemoAppID},
		func(string) string { return "" }, nil, &out, &out)
	if err != nil || !strings.Contains(out.String(), `"purePhoneNumber":"13800138000"`) || !strings.Contains(out.String(), "(matches)") {
		t.Fatalf("decrypt: %v\n%s", err, out.String())
	}
	err = Run(context.Background(), []string{"decrypt", "--session-key", key.Reveal(), "--iv", ev.IV, "--data", ev.EncryptedData, "--appid", "wx0000000000000000"},
		func(string) string { return "" }, nil, &out, &out)
	if err == nil || !strings.Contains(out.String(), "DOES NOT MATCH") {
		t.Fatalf("foreign appid: %v", err)
	}
}

// --help on any subcommand prints how to use it and succeeds: a script that
// asks for help has not failed.
func TestEverySubcommandAnswersHelp(t *testing.T) {
	for name := range commands() {
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := Run(context.Background(), []string{name, "--help"}, func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
			if err != nil {
				t.Fatalf("mpauth %s --help: %v", name, err)
			}
			if got := out.String() + errOut.String(); !strings.Contains(got, "sage") {
				t.Fatalf("mpauth %s --help printed no usage: %q", name, got)
			}
		})
	}
}

// What start-up prints of a URL carries no password, wherever it was put.
func TestPrintedURLsCarryNoPassword(t *testing.T) {
	for _, raw := range []string{
		"postgres://mpauth:hunter2secret@db:5432/mpauth?sslmode=disable",
		"postgres://mpauth@db:5432/mpauth?password=hunter2secret&sslmode=disable",
		"postgres://db/mpauth?sslpassword=hunter2secret",
		"https://user:hunter2secret@proxy.example/wechat",
	} {
		if got := redactURL(raw); strings.Contains(got, "hunter2secret") || !strings.Contains(got, "xxxxx") {
			t.Errorf("redactURL(%q) = %q", raw, got)
		}
	}
}
