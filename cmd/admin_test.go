package cmd

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mpauth/mpauth/dbtest"
)

// adminCLI runs `mpauth admin ...` in-process against one fresh database.
type adminCLI struct {
	t   *testing.T
	env map[string]string
}

func newAdminCLI(t *testing.T) *adminCLI {
	target := dbtest.Fresh(t)
	env := map[string]string{"MPAUTH_DATA_DIR": t.TempDir()}
	if target.PostgresURL != "" {
		env["DATABASE_URL"] = target.PostgresURL
	} else {
		env["MPAUTH_DATA_DIR"] = filepath.Dir(target.SQLitePath)
	}
	return &adminCLI{t: t, env: env}
}

func (a *adminCLI) run(stdin string, args ...string) (string, error) {
	a.t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), append([]string{"admin"}, args...), func(k string) string { return a.env[k] }, strings.NewReader(stdin), &out, &errOut)
	return out.String(), err
}

func TestAdminCommandCreatesListsAndResetsAccounts(t *testing.T) {
	cli := newAdminCLI(t)
	if out, err := cli.run("a long enough password\n", "create", "--username", "Alice"); err != nil || !strings.Contains(out, "alice created with role admin") {
		t.Fatalf("create: %q, %v", out, err)
	}
	if out, err := cli.run("another long password\n", "create", "--username", "vera", "--role", "viewer"); err != nil || !strings.Contains(out, "role viewer") {
		t.Fatalf("create viewer: %q, %v", out, err)
	}
	out, err := cli.run("", "list")
	if err != nil || !strings.Contains(out, "alice\tadmin") || !strings.Contains(out, "vera\tviewer") || strings.Contains(out, "argon2") {
		t.Fatalf("list: %q, %v", out, err)
	}
	if out, err := cli.run("a brand new password\n", "reset-password", "--username", "alice"); err != nil || !strings.Contains(out, "signed out") {
		t.Fatalf("reset-password: %q, %v", out, err)
	}
	if out, err := cli.run("", "unlock", "--username", "Alice"); err != nil || !strings.Contains(out, "alice unlocked") {
		t.Fatalf("unlock: %q, %v", out, err)
	}

	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"a taken name", "a long enough password\n", []string{"create", "--username", "ALICE"}, "already exists"},
		{"an unknown role", "a long enough password\n", []string{"create", "--username", "bob", "--role", "root"}, "admin\" or \"viewer"},
		{"a short password", "short\n", []string{"create", "--username", "bob"}, "8 to 128 characters"},
		{"no password", "", []string{"create", "--username", "bob"}, "no password on stdin"},
		{"no username", "x\n", []string{"create"}, "--username is required"},
		{"an unknown account", "a long enough password\n", []string{"reset-password", "--username", "nobody"}, "no account is named nobody"},
		{"unlock an unknown account", "", []string{"unlock", "--username", "nobody"}, "no account is named nobody"},
		{"an unknown subcommand", "", []string{"delete"}, "unknown admin subcommand"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := cli.run(tc.stdin, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// serveDemo starts `mpauth serve` and returns its base URL and its stdout
// lines as they come; stop shuts it down and closes the lines channel.
func serveDemo(t *testing.T, env map[string]string, flags ...string) (base string, lines <-chan string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := Run(ctx, append([]string{"serve"}, flags...), func(k string) string { return env[k] }, strings.NewReader(""), pw, io.Discard)
		pw.Close()
		done <- err
	}()
	out := make(chan string, 16)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			out <- sc.Text()
		}
	}()
	addr := regexp.MustCompile(`listening on (http://\S+)`)
	for line := range out {
		if m := addr.FindStringSubmatch(line); m != nil {
			base = m[1]
			break
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("server did not start: %v", <-done)
	}
	return base, out, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
}

func TestDemoModeCreatesOneAdminAndPrintsItsPasswordOnce(t *testing.T) {
	cli := newAdminCLI(t)
	env := map[string]string{"MPAUTH_ADDR": "127.0.0.1:0", "MPAUTH_METRICS_ADDR": "127.0.0.1:0", "MPAUTH_LOG_LEVEL": "warn"}
	for k, v := range cli.env {
		env[k] = v
	}
	base, lines, stop := serveDemo(t, env)
	notice := <-lines // printed right after the address, before serving
	m := regexp.MustCompile(`username admin \| password (\S+)`).FindStringSubmatch(notice)
	if m == nil {
		stop()
		t.Fatalf("no admin password after the address line; got %q", notice)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(base+"/admin/login", url.Values{"username": {"admin"}, "password": {m[1]}})
	if err != nil {
		stop()
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/" {
		t.Errorf("sign in with the printed password: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	stop()
	for line := range lines {
		t.Errorf("unexpected output: %q", line)
	}

	// The second start finds the account and prints no password.
	_, lines, stop = serveDemo(t, env)
	stop()
	for line := range lines {
		if strings.Contains(line, "password") {
			t.Errorf("a restart printed a password again: %q", line)
		}
	}
	if out, _ := cli.run("", "list"); strings.Count(out, "\n") != 1 {
		t.Errorf("accounts after two demo starts:\n%s", out)
	}
}

// Demo mode's fake WeChat hands out session keys and phone codes to anyone
// who reaches it: start-up says so whenever it listens beyond loopback,
// however the address was given (--addr too), and says it is loopback-only
// only when it is.
func TestDemoModeSaysWhoCanReachIt(t *testing.T) {
	for _, c := range []struct {
		name  string
		env   map[string]string
		flags []string
		want  string
	}{
		{"--addr on every interface", nil, []string{"--addr", "0.0.0.0:0"}, "WARNING: demo mode on"},
		{"MPAUTH_ADDR on every interface", map[string]string{"MPAUTH_ADDR": "0.0.0.0:0"}, nil, "WARNING: demo mode on"},
		{"loopback named", map[string]string{"MPAUTH_ADDR": "127.0.0.1:0"}, nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			cli := newAdminCLI(t)
			env := map[string]string{"MPAUTH_METRICS_ADDR": "off", "MPAUTH_LOG_LEVEL": "warn"}
			for k, v := range cli.env {
				env[k] = v
			}
			for k, v := range c.env {
				env[k] = v
			}
			_, lines, stop := serveDemo(t, env, c.flags...)
			next := <-lines // printed right after the address line
			stop()
			for range lines {
			}
			if c.want != "" && !strings.Contains(next, c.want) || c.want == "" && strings.Contains(next, "WARNING") {
				t.Fatalf("after the address: %q, want %q", next, c.want)
			}
			if strings.Contains(next, "loopback only") {
				t.Fatalf("claims loopback only: %q", next)
			}
		})
	}
}
