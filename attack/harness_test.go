package attack

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mpauth/mpauth/dbtest"
)

var (
	// serverBin is the binary under attack: this tree's build, or
	// MPAUTH_ATTACK_BINARY.
	serverBin string
	// toolBin runs the fake WeChat: always this tree's build, so an older
	// server can be attacked with today's test tools.
	toolBin string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mpauth-attack-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	toolBin = filepath.Join(dir, "mpauth")
	build := exec.Command("go", "build", "-o", toolBin, "github.com/mpauth/mpauth")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build the binary under attack:", err)
		os.Exit(1)
	}
	serverBin = toolBin
	if b := os.Getenv("MPAUTH_ATTACK_BINARY"); b != "" {
		serverBin = b
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// lines collects a process's output and wakes whoever waits for a line.
type lines struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newLines() *lines { return &lines{changed: make(chan struct{}, 1)} }

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.buf.Write(p)
	l.mu.Unlock()
	select {
	case l.changed <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (l *lines) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.String() }

// proc is a process of the binary, stopped (SIGTERM, then waited for) when
// the test ends.
type proc struct {
	cmd    *exec.Cmd
	stdout *lines
	stderr *lines
	exited chan struct{}
}

func startProc(t *testing.T, bin string, env map[string]string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), stdout: newLines(), stderr: newLines(), exited: make(chan struct{})}
	p.cmd.Env = environ(env)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s %v: %v", bin, args, err)
	}
	go func() { p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(30 * time.Second):
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	return p
}

// waitFor waits (bounded) until the process has printed a line matching re
// and returns the match; it fails the test if the process exits first.
func (p *proc) waitFor(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		if m := re.FindStringSubmatch(p.stdout.String()); m != nil {
			return m
		}
		select {
		case <-p.stdout.changed:
		case <-p.exited:
			if m := re.FindStringSubmatch(p.stdout.String()); m != nil {
				return m
			}
			t.Fatalf("%s exited before printing %q\nstdout:\n%s\nstderr:\n%s", p.cmd.Path, re, p.stdout, p.stderr)
		case <-deadline:
			t.Fatalf("%s never printed %q\nstdout:\n%s\nstderr:\n%s", p.cmd.Path, re, p.stdout, p.stderr)
		}
	}
}

func environ(env map[string]string) []string {
	out := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// database is where one deployment keeps its data: the environment that
// points an instance (or the CLI) at it, and the secret key all of them share.
type database struct {
	env map[string]string
}

// freshDB is an empty database of the suite's kind: PostgreSQL when
// TEST_DATABASE_URL is set, otherwise an embedded SQLite file.
func freshDB(t *testing.T) database {
	t.Helper()
	target := dbtest.Fresh(t)
	env := map[string]string{"MPAUTH_SECRET_KEY": base64.StdEncoding.EncodeToString(dbtest.RandomKey())}
	if target.PostgresURL != "" {
		env["DATABASE_URL"] = target.PostgresURL
		env["MPAUTH_DATA_DIR"] = t.TempDir()
	} else {
		env["MPAUTH_DATA_DIR"] = filepath.Dir(target.SQLitePath)
	}
	return database{env: env}
}

// sharedPostgres is an empty PostgreSQL database that several instances
// share, as a production deployment does: on TEST_DATABASE_URL's server, or
// on a private cluster when the suite runs on SQLite.
func sharedPostgres(t *testing.T) database {
	t.Helper()
	if dbtest.Postgres() {
		return freshDB(t)
	}
	c := dbtest.NewCluster(t)
	c.CreateDatabase("mpauth")
	return database{env: map[string]string{
		"DATABASE_URL":      c.URL("mpauth"),
		"MPAUTH_DATA_DIR":   t.TempDir(),
		"MPAUTH_SECRET_KEY": base64.StdEncoding.EncodeToString(dbtest.RandomKey()),
	}}
}

// fakeWeChat is the fake WeChat, in its own process, that every instance of
// a test talks to.
type fakeWeChat struct {
	base  string
	appID string
	env   map[string]string // what points an instance at it
}

// startFake serves one app; args add options such as "--rotate", "never".
func startFake(t *testing.T, args ...string) *fakeWeChat {
	t.Helper()
	appID := "wx" + strings.ToLower(rand.Text()[:16])
	secret := "attack-secret-" + rand.Text()
	p := startProc(t, toolBin, nil, append([]string{"fakewechat", "--addr", "127.0.0.1:0", "--app", appID + ":" + secret}, args...)...)
	m := p.waitFor(t, regexp.MustCompile(`fake WeChat on (http://\S+)`))
	return &fakeWeChat{base: m[1], appID: appID, env: map[string]string{
		"WECHAT_APPID": appID, "WECHAT_SECRET": secret, "WECHAT_API_BASE": m[1],
	}}
}

// login plays wx.login for a user of the fake's app and returns the code.
func (f *fakeWeChat) login(t *testing.T, user string) string {
	t.Helper()
	var out struct{ Code string }
	f.device(t, "/_device/login", map[string]any{"appid": f.appID, "user": user}, &out)
	return out.Code
}

// phoneEvent is the getPhoneNumber button's e.detail.
type phoneEvent struct {
	Code          string `json:"code"`
	EncryptedData string `json:"encryptedData"`
	IV            string `json:"iv"`
}

// tapPhone plays the user tapping the getPhoneNumber button and allowing it.
func (f *fakeWeChat) tapPhone(t *testing.T, user, phone string) phoneEvent {
	t.Helper()
	var ev phoneEvent
	f.device(t, "/_device/phone", map[string]any{"appid": f.appID, "user": user, "phone": phone}, &ev)
	return ev
}

// fakeStats are the fake's call counts.
type fakeStats struct {
	JSCode2Session      int64 `json:"jscode2session"`
	GetUserPhoneNumber  int64 `json:"getuserphonenumber"`
	CodesExchanged      int64 `json:"codes_exchanged"`
	PhoneCodesExchanged int64 `json:"phone_codes_exchanged"`
}

func (f *fakeWeChat) stats(t *testing.T) fakeStats {
	t.Helper()
	resp, err := http.Get(f.base + "/_device/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s fakeStats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fakeWeChat) device(t *testing.T, path string, body, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(f.base+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("fake %s: %d %s", path, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("fake %s: %v: %s", path, err, raw)
	}
}

// instance is one running server of a deployment.
type instance struct {
	base    string // the public listener
	metrics string // the operator listener's /metrics URL, "" if it printed none
	proc    *proc
	env     map[string]string
}

var (
	listeningLine = regexp.MustCompile(`listening on (http://\S+)`)
	metricsLine   = regexp.MustCompile(`metrics on (http://\S+/metrics)`)
)

// startInstance starts the binary under attack on db, talking to fake,
// with extra settings on top of the suite's.
func startInstance(t *testing.T, db database, fake *fakeWeChat, extra map[string]string) *instance {
	t.Helper()
	env := map[string]string{"MPAUTH_ADDR": "127.0.0.1:0", "MPAUTH_METRICS_ADDR": "127.0.0.1:0", "MPAUTH_LOG_LEVEL": "debug"}
	for _, m := range []map[string]string{db.env, fake.env, extra} {
		for k, v := range m {
			env[k] = v
		}
	}
	p := startProc(t, serverBin, env, "serve")
	in := &instance{base: p.waitFor(t, listeningLine)[1], proc: p, env: env}
	if m := metricsLine.FindStringSubmatch(p.stdout.String()); m != nil {
		in.metrics = m[1]
	}
	return in
}

// cli runs a subcommand of the binary under attack against the instance's
// database, with stdin, and returns what it printed.
func cli(t *testing.T, db database, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(serverBin, args...)
	cmd.Env = environ(db.env)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// answer is an HTTP response as an outsider sees it.
type answer struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any
}

func (a answer) errorCode() string {
	e, _ := a.Body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func (a answer) String() string { return fmt.Sprintf("%d %s", a.Status, a.Raw) }

var client = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// call sends a JSON request (body nil: none) with a bearer token and extra
// headers.
func call(t *testing.T, method, url, token string, body any, headers ...string) answer {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	a := answer{Status: resp.StatusCode, Header: resp.Header}
	a.Raw, _ = io.ReadAll(resp.Body)
	json.Unmarshal(a.Raw, &a.Body)
	return a
}

// logIn logs a user of the fake in through the instance and returns the
// token and the user id.
func logIn(t *testing.T, in *instance, fake *fakeWeChat, user string) (token, userID string) {
	t.Helper()
	a := call(t, "POST", in.base+"/api/v1/login", "", map[string]string{"code": fake.login(t, user)})
	if a.Status != 200 {
		t.Fatalf("login of %s: %s", user, a)
	}
	return a.Body["token"].(string), a.Body["user"].(map[string]any)["id"].(string)
}

// browser is a dashboard visitor with its own cookie jar; it never follows
// redirects, so each answer is seen as sent.
type browser struct {
	base string
	from string // the client address a trusted proxy reports (X-Forwarded-For), if any
	c    *http.Client
}

func newBrowser(base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{base: base, c: &http.Client{
		Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *browser) do(t *testing.T, method, path string, form url.Values) answer {
	t.Helper()
	var r io.Reader
	if form != nil {
		r = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.base+path, r)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.from != "" {
		req.Header.Set("X-Forwarded-For", b.from)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	a := answer{Status: resp.StatusCode, Header: resp.Header}
	a.Raw, _ = io.ReadAll(resp.Body)
	return a
}

// signIn posts the sign-in form; a 303 to the dashboard means success.
func (b *browser) signIn(t *testing.T, username, password string) answer {
	t.Helper()
	return b.do(t, "POST", "/admin/login", url.Values{"username": {username}, "password": {password}})
}

func signedIn(a answer) bool {
	return a.Status == http.StatusSeeOther && !strings.Contains(a.Header.Get("Location"), "/admin/login")
}

// createAdmin adds a dashboard account through the CLI and returns its password.
func createAdmin(t *testing.T, db database, name, role string) string {
	t.Helper()
	pw := "pw-" + rand.Text()
	if out, err := cli(t, db, pw+"\n", "admin", "create", "--username", name, "--role", role); err != nil {
		t.Fatalf("admin create %s: %v\n%s", name, err, out)
	}
	return pw
}
