package cmd

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mpauth/mpauth/bench"
	"github.com/mpauth/mpauth/config"
	"github.com/mpauth/mpauth/dbtest"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

// benchServer serves the real application in demo mode on a test database,
// with the rate limits off as the bench asks of the servers it starts.
func benchServer(t *testing.T, extra ...string) (url string, getenv func(string) string) {
	t.Helper()
	target := dbtest.Fresh(t)
	env := map[string]string{
		"MPAUTH_DATA_DIR":            t.TempDir(),
		"MPAUTH_RATE_LOGIN_PER_IP":   "0/1m",
		"MPAUTH_RATE_PHONE_PER_USER": "0/1m",
		"MPAUTH_RATE_PHONE_PER_IP":   "0/1m",
	}
	if target.PostgresURL != "" {
		env["DATABASE_URL"] = target.PostgresURL
	} else {
		env["MPAUTH_DATA_DIR"] = filepath.Dir(target.SQLitePath)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	getenv = func(k string) string { return env[k] }
	cfg, err := config.Load(getenv)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	a, err := buildApp(ctx, cfg, dbtest.Open(t, target, nil), slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.handler)
	t.Cleanup(func() { srv.Close(); a.close() })
	return srv.URL, getenv
}

func TestBenchDrivesARunningServerAndReportsTheFloorRatio(t *testing.T) {
	url, getenv := benchServer(t)
	short := []string{"--server", url, "--duration", "500ms", "--warmup", "100ms", "--concurrency", "4", "--users", "40", "--floor-conns", "4"}

	t.Run("login ends with the ratio to the database floor", func(t *testing.T) {
		var out bytes.Buffer
		if err := Run(context.Background(), append([]string{"bench", "login"}, short...), getenv, nil, &out, &out); err != nil {
			t.Fatalf("bench login: %v\n%s", err, out.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if !regexp.MustCompile(`^ratio login/floor: \d+\.\d\d$`).MatchString(lines[len(lines)-1]) {
			t.Errorf("last line %q is not the ratio:\n%s", lines[len(lines)-1], out.String())
		}
		if !regexp.MustCompile(`(?m)^ratio per round \(login/floor\): \d+\.\d\d \d+\.\d\d \d+\.\d\d \d+\.\d\d$`).MatchString(out.String()) {
			t.Errorf("no ratio for each of the 4 rounds:\n%s", out.String())
		}
		for _, run := range []string{"login", "floor"} {
			if !regexp.MustCompile(`(?m)^` + run + ` +4 clients .* [1-9]\d* ok .*p99 .* errors 0$`).MatchString(out.String()) {
				t.Errorf("no error-free %s run with operations and percentiles:\n%s", run, out.String())
			}
		}
	})

	t.Run("phone binds numbers with one access token for the whole run", func(t *testing.T) {
		var out bytes.Buffer
		if err := Run(context.Background(), append([]string{"bench", "phone"}, short...), getenv, nil, &out, &out); err != nil {
			t.Fatalf("bench phone: %v\n%s", err, out.String())
		}
		if !regexp.MustCompile(`(?m)^phone +4 clients .* [1-9]\d* ok .* errors 0$`).MatchString(out.String()) {
			t.Errorf("no error-free phone run:\n%s", out.String())
		}
		if !strings.Contains(out.String(), "access-token fetches during the phone run: 1\n") {
			t.Errorf("want exactly one access-token fetch:\n%s", out.String())
		}
	})

	t.Run("export streams every user and every audit row", func(t *testing.T) {
		var out bytes.Buffer
		if err := Run(context.Background(), []string{"bench", "export", "--server", url}, getenv, nil, &out, &out); err != nil {
			t.Fatalf("bench export: %v\n%s", err, out.String())
		}
		cfg, _ := config.Load(getenv)
		store, closeStore, err := openStore(context.Background(), cfg, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		defer closeStore()
		db, _ := store.SQLDB()
		for name, table := range map[string]string{"users": "users", "audit": "login_audit"} {
			var n int
			if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			m := regexp.MustCompile(`(?m)^export ` + name + ` +(\d+) rows`).FindStringSubmatch(out.String())
			if n == 0 || m == nil || m[1] != strconv.Itoa(n) {
				t.Errorf("export %s: want %d rows (the table), got:\n%s", name, n, out.String())
			}
		}
	})

	t.Run("admin signs in and times each dashboard page", func(t *testing.T) {
		var out bytes.Buffer
		// No warm-up: each agent's first page counts, however slow a busy machine makes it.
		args := []string{"bench", "admin", "--server", url, "--duration", "200ms", "--warmup", "0s", "--admin-agents", "2"}
		if err := Run(context.Background(), args, getenv, nil, &out, &out); err != nil {
			t.Fatalf("bench admin: %v\n%s", err, out.String())
		}
		for _, page := range []string{"users", "last4", "digits", "audit", "detail"} {
			if !regexp.MustCompile(`(?m)^admin ` + page + ` +2 agents: +[1-9]\d* pages .*p95 .* errors 0$`).MatchString(out.String()) {
				t.Errorf("no error-free %s page run:\n%s", page, out.String())
			}
		}
	})
}

// The bench plays the phones on the fake in its own process when it started
// that fake; the server still reaches the fake over HTTP.
func TestBenchPlaysThePhonesOnItsOwnFake(t *testing.T) {
	const appID, secret = "wx00000000000000b1", "bench-test-secret"
	fake := fakewechat.New(fakewechat.Options{Apps: map[string]string{appID: secret}})
	fakeHTTP := httptest.NewServer(fake)
	t.Cleanup(fakeHTTP.Close)
	url, _ := benchServer(t, "WECHAT_APPID", appID, "WECHAT_SECRET", secret, "WECHAT_API_BASE", fakeHTTP.URL)
	// No /_device API to fall back on: the phones must be played in process.
	target := bench.Target{Server: url, Fake: "http://127.0.0.1:1", AppID: appID, HTTP: bench.NewHTTPClient(4), Device: bench.LocalDevice{Fake: fake}}
	load := bench.Load{Duration: 300 * time.Millisecond, Concurrency: 4, Users: 40}

	login := bench.Login(context.Background(), target, load)
	phone := bench.Phone(context.Background(), target, load)
	st := fake.Stats()
	for name, r := range map[string]bench.Result{"login": login, "phone": phone} {
		if r.Ops == 0 || r.ErrorCount() != 0 {
			t.Errorf("%s run: %s", name, r)
		}
	}
	// Every operation played wx.login on this fake and exchanged its code
	// there: the device and the server met on one fake.
	if st.DeviceLogins < int64(login.Ops+phone.Ops) || st.CodesExchanged < int64(login.Ops+phone.Ops) {
		t.Errorf("fake played %d wx.login and exchanged %d codes for %d logins and %d binds", st.DeviceLogins, st.CodesExchanged, login.Ops, phone.Ops)
	}
	if st.DevicePhones < int64(phone.Ops) || st.PhoneCodesExchanged < int64(phone.Ops) {
		t.Errorf("fake made %d phone events and exchanged %d phone codes for %d binds", st.DevicePhones, st.PhoneCodesExchanged, phone.Ops)
	}
}
