package config

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

var goodKey = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

func TestZeroConfigRunsInDevelopmentWithSQLiteAndDemoWeChat(t *testing.T) {
	c, err := Load(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || !c.AddrDefaulted || !c.UsesSQLite() || !c.DemoMode() || c.Production() || c.WeChatAPIBase != DefaultWeChatAPIBase || c.TokenTTL != 7*24*time.Hour {
		t.Fatalf("defaults = %+v", c)
	}
	if c.MetricsAddr != "127.0.0.1:9464" || c.ClientIPHeader != "X-Forwarded-For" || !c.LegacyPhone {
		t.Fatalf("defaults = %+v", c)
	}
}

// Demo mode's fake WeChat hands out session keys and access tokens: it stays
// on loopback unless the operator names an address; a real deployment
// listens on every interface by default.
func TestOnlyDemoModeDefaultsToLoopback(t *testing.T) {
	for _, c := range []struct {
		name string
		env  map[string]string
		addr string
	}{
		{"demo mode", nil, "127.0.0.1:8080"},
		{"demo mode with an address", map[string]string{"MPAUTH_ADDR": ":9000"}, ":9000"},
		{"a real mini program", map[string]string{"WECHAT_APPID": "wx1234567890abcdef", "WECHAT_SECRET": "s"}, ":8080"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Load(envOf(c.env))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Addr != c.addr || cfg.AddrDefaulted != (c.env["MPAUTH_ADDR"] == "") {
				t.Fatalf("Addr = %q (defaulted %v), want %q", cfg.Addr, cfg.AddrDefaulted, c.addr)
			}
		})
	}
}

func TestOperatorSettings(t *testing.T) {
	c, err := Load(envOf(map[string]string{
		"MPAUTH_METRICS_ADDR": "0.0.0.0:9464", "MPAUTH_METRICS_TOKEN": "0123456789abcdef0123",
		"MPAUTH_CLIENT_IP_HEADER": "x-real-ip", "MPAUTH_LEGACY_PHONE": "off",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsAddr != "0.0.0.0:9464" || c.MetricsToken.Reveal() != "0123456789abcdef0123" || c.ClientIPHeader != "X-Real-Ip" || c.LegacyPhone {
		t.Fatalf("config = %+v", c)
	}
	if c, err := Load(envOf(map[string]string{"MPAUTH_METRICS_ADDR": "off"})); err != nil || c.MetricsAddr != "" {
		t.Fatalf("MPAUTH_METRICS_ADDR=off: %q %v", c.MetricsAddr, err)
	}
}

func TestEachBadSettingNamesItsVariable(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"unknown env", map[string]string{"MPAUTH_ENV": "staging"}, `MPAUTH_ENV="staging" is not known`},
		{"bad address", map[string]string{"MPAUTH_ADDR": "8080"}, "MPAUTH_ADDR"},
		{"mysql url", map[string]string{"DATABASE_URL": "mysql://x@y/z"}, "DATABASE_URL is invalid"},
		{"url without database", map[string]string{"DATABASE_URL": "postgres://u@h:5432"}, "names no database"},
		{"key not base64", map[string]string{"MPAUTH_SECRET_KEY": "%%%"}, "MPAUTH_SECRET_KEY is malformed"},
		{"key too short", map[string]string{"MPAUTH_SECRET_KEY": base64.StdEncoding.EncodeToString([]byte("short"))}, "want 32"},
		{"appid without secret", map[string]string{"WECHAT_APPID": "wx1234567890abcdef"}, "must be set together"},
		{"malformed appid", map[string]string{"WECHAT_APPID": "notanappid", "WECHAT_SECRET": "s"}, "does not look like"},
		{"api base not a url", map[string]string{"WECHAT_API_BASE": "ftp://x"}, "WECHAT_API_BASE"},
		{"bad proxy", map[string]string{"MPAUTH_TRUSTED_PROXIES": "10.0.0.0/8, nonsense"}, `"nonsense" is neither`},
		{"bad ttl", map[string]string{"MPAUTH_TOKEN_TTL": "soon"}, "MPAUTH_TOKEN_TTL"},
		{"bad rate", map[string]string{"MPAUTH_RATE_LOGIN_PER_IP": "lots"}, "MPAUTH_RATE_LOGIN_PER_IP"},
		{"pool of zero", map[string]string{"MPAUTH_DB_MAX_CONNS": "0"}, "MPAUTH_DB_MAX_CONNS"},
		{"pool not a number", map[string]string{"MPAUTH_DB_MAX_CONNS": "many"}, "MPAUTH_DB_MAX_CONNS"},
		{"pprof on every interface", map[string]string{"MPAUTH_PPROF_ADDR": ":6060"}, "must be a loopback address"},
		{"pprof on a public address", map[string]string{"MPAUTH_PPROF_ADDR": "10.1.2.3:6060"}, "must be a loopback address"},
		{"pprof without a port", map[string]string{"MPAUTH_PPROF_ADDR": "127.0.0.1"}, "MPAUTH_PPROF_ADDR"},
		{"metrics on every interface without a token", map[string]string{"MPAUTH_METRICS_ADDR": ":9464"}, "set MPAUTH_METRICS_TOKEN"},
		{"metrics without a port", map[string]string{"MPAUTH_METRICS_ADDR": "127.0.0.1"}, "MPAUTH_METRICS_ADDR"},
		{"metrics token too short", map[string]string{"MPAUTH_METRICS_TOKEN": "short"}, "MPAUTH_METRICS_TOKEN is too short"},
		{"client ip header not a header", map[string]string{"MPAUTH_CLIENT_IP_HEADER": "X Real IP"}, "MPAUTH_CLIENT_IP_HEADER"},
		{"legacy phone neither on nor off", map[string]string{"MPAUTH_LEGACY_PHONE": "maybe"}, "MPAUTH_LEGACY_PHONE"},
		{"production without key", map[string]string{"MPAUTH_ENV": "production", "DATABASE_URL": "postgres://u@h/db", "WECHAT_APPID": "wx1234567890abcdef", "WECHAT_SECRET": "s"}, "MPAUTH_SECRET_KEY is required in production"},
		{"production on sqlite", map[string]string{"MPAUTH_ENV": "production", "MPAUTH_SECRET_KEY": goodKey, "WECHAT_APPID": "wx1234567890abcdef", "WECHAT_SECRET": "s"}, "DATABASE_URL is required in production"},
		{"production in demo mode", map[string]string{"MPAUTH_ENV": "production", "MPAUTH_SECRET_KEY": goodKey, "DATABASE_URL": "postgres://u@h/db"}, "WECHAT_APPID and WECHAT_SECRET are required in production"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(envOf(c.env))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestPoolSizeAndProfilerAddressAreRead(t *testing.T) {
	c, err := Load(envOf(map[string]string{"MPAUTH_DB_MAX_CONNS": "8", "MPAUTH_PPROF_ADDR": "[::1]:6060"}))
	if err != nil || c.DBMaxConns != 8 || c.PprofAddr != "[::1]:6060" {
		t.Fatalf("got %d %q %v", c.DBMaxConns, c.PprofAddr, err)
	}
	if c, _ := Load(envOf(nil)); c.DBMaxConns != DefaultDBMaxConns || c.PprofAddr != "" {
		t.Fatalf("defaults: %d %q", c.DBMaxConns, c.PprofAddr)
	}
}

func TestAllProblemsAreReportedAtOnce(t *testing.T) {
	_, err := Load(envOf(map[string]string{"MPAUTH_ENV": "prod", "MPAUTH_ADDR": "x", "MPAUTH_SECRET_KEY": "!"}))
	if err == nil || strings.Count(err.Error(), "\n") < 2 {
		t.Fatalf("want three problems, got %v", err)
	}
}

func TestProductionWithEverythingSetStarts(t *testing.T) {
	c, err := Load(envOf(map[string]string{
		"MPAUTH_ENV": "production", "MPAUTH_SECRET_KEY": goodKey + "," + goodKey,
		"DATABASE_URL": "postgres://u:pw@h:5432/db", "WECHAT_APPID": "wx1234567890abcdef", "WECHAT_SECRET": "s3cret",
		"MPAUTH_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.SecretKeys) != 2 || len(c.TrustedProxies) != 2 {
		t.Fatalf("parsed %+v", c)
	}
}

func TestSecretsNeverPrint(t *testing.T) {
	c, _ := Load(envOf(map[string]string{"WECHAT_APPID": "wx1234567890abcdef", "WECHAT_SECRET": "TOPSECRET", "DATABASE_URL": "postgres://u:PASSWORD@h/db"}))
	for _, s := range []string{"TOPSECRET", "PASSWORD"} {
		if out := strings.Join([]string{c.WeChatSecret.String(), c.DatabaseURL.String()}, " "); strings.Contains(out, s) {
			t.Fatalf("printed %q", s)
		}
	}
}

func TestDevSecretKeyIsCreatedOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	a, err := DevSecretKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := DevSecretKey(dir)
	if err != nil || len(a) != 1 || a[0] != b[0] {
		t.Fatalf("second read returned another key (%v)", err)
	}
}
