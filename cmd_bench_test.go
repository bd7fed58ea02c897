package main

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

	"github.com/mpauth/mpauth/config"
	"github.com/mpauth/mpauth/dbtest"
)

// benchServer serves the real application in demo mode on a test database,
// with the rate limits off as the bench asks of the servers it starts.
func benchServer(t *testing.T) (url string, getenv func(string) string) {
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
	getenv = func(k string) string { return env[k] }
	cfg, err := config.Load(getenv)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	a, err := buildApp(ctx, cfg, dbtest.Open(t, target, nil), slog.New(slog.DiscardHandler))
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
		if err := run(context.Background(), append([]string{"bench", "login"}, short...), getenv, nil, &out, &out); err != nil {
			t.Fatalf("bench login: %v\n%s", err, out.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if !regexp.MustCompile(`^ratio login/floor: \d+\.\d\d$`).MatchString(lines[len(lines)-1]) {
			t.Errorf("last line %q is not the ratio:\n%s", lines[len(lines)-1], out.String())
		}
		for _, run := range []string{"login", "floor"} {
			if !regexp.MustCompile(`(?m)^` + run + ` +4 clients .* [1-9]\d* ok .*p99 .* errors 0$`).MatchString(out.String()) {
				t.Errorf("no error-free %s run with operations and percentiles:\n%s", run, out.String())
			}
		}
	})

	t.Run("phone binds numbers with one access token for the whole run", func(t *testing.T) {
		var out bytes.Buffer
		if err := run(context.Background(), append([]string{"bench", "phone"}, short...), getenv, nil, &out, &out); err != nil {
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
		if err := run(context.Background(), []string{"bench", "export", "--server", url}, getenv, nil, &out, &out); err != nil {
			t.Fatalf("bench export: %v\n%s", err, out.String())
		}
		cfg, _ := config.Load(getenv)
		store, closeStore, err := openStore(context.Background(), cfg)
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
		if err := run(context.Background(), args, getenv, nil, &out, &out); err != nil {
			t.Fatalf("bench admin: %v\n%s", err, out.String())
		}
		for _, page := range []string{"users", "last4", "digits", "audit", "detail"} {
			if !regexp.MustCompile(`(?m)^admin ` + page + ` +2 agents: +[1-9]\d* pages .*p95 .* errors 0$`).MatchString(out.String()) {
				t.Errorf("no error-free %s page run:\n%s", page, out.String())
			}
		}
	})
}
