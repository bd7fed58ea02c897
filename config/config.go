// Package config reads the process configuration from the environment
// (12-factor) and reports every problem at once, so an operator fixes a
// deployment in one pass instead of one restart per mistake.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Environments the server knows. Production turns every "convenient default"
// into a refusal to start.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"
)

// DefaultWeChatAPIBase is WeChat's production API host.
const DefaultWeChatAPIBase = "https://api.weixin.qq.com"

// Config is the whole runtime configuration.
type Config struct {
	Addr            string
	Env             string
	DatabaseURL     Secret // empty: embedded SQLite under DataDir
	DataDir         string
	SecretKeys      []Secret // first encrypts; the rest still decrypt (rotation)
	WeChatAppID     string
	WeChatSecret    Secret
	WeChatAPIBase   string
	TrustedProxies  []string
	LogLevel        string
	TokenTTL        time.Duration
	RequestTimeout  time.Duration
	ShutdownTimeout time.Duration

	// Admin dashboard sessions end after AdminIdleTimeout without a request,
	// and AdminMaxAge after sign-in whatever happens.
	AdminIdleTimeout time.Duration
	AdminMaxAge      time.Duration

	// DBMaxConns bounds the PostgreSQL pool of this instance.
	DBMaxConns int
	// PprofAddr serves net/http/pprof when set; loopback addresses only.
	PprofAddr string
	// MetricsAddr is the operators' listener for /metrics, never the API's
	// ("" when MPAUTH_METRICS_ADDR=off). Off loopback it needs MetricsToken.
	MetricsAddr  string
	MetricsToken Secret

	// ClientIPHeader is the one header that carries the client's address,
	// believed only from TrustedProxies.
	ClientIPHeader string
	// AddrDefaulted: MPAUTH_ADDR was not set, so Addr is the default.
	AddrDefaulted bool

	// LegacyPhone accepts the legacy encryptedData phone binding.
	LegacyPhone bool

	// Rate limits, per instance.
	LoginPerIP   Rate
	PhonePerUser Rate // paid getuserphonenumber calls and decryptions per user (and per openid)
	PhonePerIP   Rate
}

// DefaultDBMaxConns is the pool size when MPAUTH_DB_MAX_CONNS is unset.
const DefaultDBMaxConns = 20

// Listen addresses when MPAUTH_ADDR and MPAUTH_METRICS_ADDR are unset. Demo
// mode stays on loopback: its fake WeChat hands session keys and access
// tokens to whoever asks.
const (
	DefaultAddr        = ":8080"
	DefaultDemoAddr    = "127.0.0.1:8080"
	DefaultMetricsAddr = "127.0.0.1:9464"
)

// Production reports whether MPAUTH_ENV=production.
func (c Config) Production() bool { return c.Env == EnvProduction }

// DemoMode reports whether no WeChat credentials were given: the server then
// talks to its own in-process fake WeChat.
func (c Config) DemoMode() bool { return c.WeChatAppID == "" && c.WeChatSecret == "" }

// UsesSQLite reports whether the embedded database is in use.
func (c Config) UsesSQLite() bool { return c.DatabaseURL == "" }

// Load reads the configuration through getenv. It returns every problem it
// finds, joined, each naming the variable to fix.
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		Addr:            strings.TrimSpace(getenv("MPAUTH_ADDR")),
		Env:             orDefault(getenv("MPAUTH_ENV"), EnvDevelopment),
		DatabaseURL:     Secret(strings.TrimSpace(getenv("DATABASE_URL"))),
		DataDir:         orDefault(getenv("MPAUTH_DATA_DIR"), "./data"),
		WeChatAppID:     strings.TrimSpace(getenv("WECHAT_APPID")),
		WeChatSecret:    Secret(strings.TrimSpace(getenv("WECHAT_SECRET"))),
		WeChatAPIBase:   orDefault(getenv("WECHAT_API_BASE"), DefaultWeChatAPIBase),
		LogLevel:        orDefault(getenv("MPAUTH_LOG_LEVEL"), "info"),
		DBMaxConns:      DefaultDBMaxConns,
		PprofAddr:       strings.TrimSpace(getenv("MPAUTH_PPROF_ADDR")),
		MetricsAddr:     orDefault(getenv("MPAUTH_METRICS_ADDR"), DefaultMetricsAddr),
		MetricsToken:    Secret(strings.TrimSpace(getenv("MPAUTH_METRICS_TOKEN"))),
		ClientIPHeader:  http.CanonicalHeaderKey(orDefault(getenv("MPAUTH_CLIENT_IP_HEADER"), "X-Forwarded-For")),
		LegacyPhone:     true,
		TokenTTL:        7 * 24 * time.Hour,
		RequestTimeout:  15 * time.Second,
		ShutdownTimeout: 20 * time.Second,
		// Carrier NAT puts many phones behind one IP: per-IP limits stay generous.
		LoginPerIP:   Rate{N: 120, Per: time.Minute},
		PhonePerUser: Rate{N: 10, Per: time.Hour},
		PhonePerIP:   Rate{N: 120, Per: time.Minute},
	}
	c.AdminIdleTimeout, c.AdminMaxAge = 30*time.Minute, 12*time.Hour
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if c.Addr == "" {
		c.Addr, c.AddrDefaulted = DefaultAddr, true
		if c.DemoMode() {
			c.Addr = DefaultDemoAddr
		}
	}
	if c.Env != EnvDevelopment && c.Env != EnvProduction {
		add("MPAUTH_ENV=%q is not known: use %q or %q", c.Env, EnvDevelopment, EnvProduction)
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		add("MPAUTH_ADDR=%q is not host:port (for example :8080 or 127.0.0.1:8080)", c.Addr)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		add("MPAUTH_ADDR=%q has an invalid port", c.Addr)
	}
	if c.DatabaseURL != "" {
		if err := checkDatabaseURL(string(c.DatabaseURL)); err != nil {
			add("DATABASE_URL is invalid: %v", err)
		}
	}
	if raw := strings.TrimSpace(getenv("MPAUTH_SECRET_KEY")); raw != "" {
		keys, err := ParseSecretKeys(raw)
		if err != nil {
			add("MPAUTH_SECRET_KEY is malformed: %v", err)
		}
		c.SecretKeys = keys
	}
	if (c.WeChatAppID == "") != (c.WeChatSecret == "") {
		add("WECHAT_APPID and WECHAT_SECRET must be set together (set both for a real mini program, neither for demo mode)")
	}
	if c.WeChatAppID != "" && !validAppID(c.WeChatAppID) {
		add("WECHAT_APPID=%q does not look like a mini-program appid (wx followed by 16 letters or digits)", c.WeChatAppID)
	}
	if u, err := url.Parse(c.WeChatAPIBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		add("WECHAT_API_BASE=%q is not an http(s) URL", c.WeChatAPIBase)
	}
	if raw := getenv("MPAUTH_TRUSTED_PROXIES"); strings.TrimSpace(raw) != "" {
		for _, p := range strings.Split(raw, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			if net.ParseIP(p) == nil {
				if _, _, err := net.ParseCIDR(p); err != nil {
					add("MPAUTH_TRUSTED_PROXIES: %q is neither an IP address nor a CIDR range", p)
					continue
				}
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		add("MPAUTH_LOG_LEVEL=%q is not known: use debug, info, warn or error", c.LogLevel)
	}
	if raw := getenv("MPAUTH_TOKEN_TTL"); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil || d < time.Minute {
			add("MPAUTH_TOKEN_TTL=%q must be a duration of at least 1m (for example 168h)", raw)
		} else {
			c.TokenTTL = d
		}
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"MPAUTH_ADMIN_IDLE_TIMEOUT", &c.AdminIdleTimeout}, {"MPAUTH_ADMIN_MAX_AGE", &c.AdminMaxAge}} {
		if raw := getenv(d.name); raw != "" {
			v, err := time.ParseDuration(raw)
			if err != nil || v < time.Minute {
				add("%s=%q must be a duration of at least 1m (for example 30m or 12h)", d.name, raw)
				continue
			}
			*d.dst = v
		}
	}
	if raw := strings.TrimSpace(getenv("MPAUTH_DB_MAX_CONNS")); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 1000 {
			add("MPAUTH_DB_MAX_CONNS=%q must be a whole number from 1 to 1000", raw)
		} else {
			c.DBMaxConns = n
		}
	}
	if c.PprofAddr != "" {
		if host, _, err := net.SplitHostPort(c.PprofAddr); err != nil {
			add("MPAUTH_PPROF_ADDR=%q is not host:port (for example 127.0.0.1:6060)", c.PprofAddr)
		} else if !isLoopback(host) {
			// Profiles show memory and goroutine stacks: never off the machine.
			add("MPAUTH_PPROF_ADDR=%q must be a loopback address (127.0.0.1:PORT, [::1]:PORT or localhost:PORT)", c.PprofAddr)
		}
	}
	if strings.EqualFold(c.MetricsAddr, "off") {
		c.MetricsAddr = ""
	} else if host, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
		add("MPAUTH_METRICS_ADDR=%q is not host:port (for example 127.0.0.1:9464), or off", c.MetricsAddr)
	} else if !isLoopback(host) && c.MetricsToken == "" {
		// Metrics tell operators what failed and how often; off the machine
		// only a scraper holding the token may read them.
		add("MPAUTH_METRICS_ADDR=%q is not a loopback address: set MPAUTH_METRICS_TOKEN too, so that only your Prometheus can scrape it", c.MetricsAddr)
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		add("MPAUTH_METRICS_TOKEN is too short to be a secret: use at least 16 characters (openssl rand -hex 16)")
	}
	if !validHeaderName(c.ClientIPHeader) {
		add("MPAUTH_CLIENT_IP_HEADER=%q is not an HTTP header name (for example X-Forwarded-For or X-Real-IP)", c.ClientIPHeader)
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv("MPAUTH_LEGACY_PHONE"))); v {
	case "", "on":
	case "off":
		c.LegacyPhone = false
	default:
		add("MPAUTH_LEGACY_PHONE=%q: use on (the default) or off", v)
	}
	if c.AdminIdleTimeout > c.AdminMaxAge {
		add("MPAUTH_ADMIN_IDLE_TIMEOUT (%s) is longer than MPAUTH_ADMIN_MAX_AGE (%s): no session could ever reach it", c.AdminIdleTimeout, c.AdminMaxAge)
	}

	for _, r := range []struct {
		name string
		dst  *Rate
	}{{"MPAUTH_RATE_LOGIN_PER_IP", &c.LoginPerIP}, {"MPAUTH_RATE_PHONE_PER_USER", &c.PhonePerUser}, {"MPAUTH_RATE_PHONE_PER_IP", &c.PhonePerIP}} {
		if raw := getenv(r.name); raw != "" {
			rate, err := ParseRate(raw)
			if err != nil {
				add("%s: %v", r.name, err)
				continue
			}
			*r.dst = rate
		}
	}

	if c.Production() {
		if len(c.SecretKeys) == 0 {
			add("MPAUTH_SECRET_KEY is required in production: set it to 32 random bytes in base64 (openssl rand -base64 32)")
		}
		if c.UsesSQLite() {
			add("DATABASE_URL is required in production: point it at PostgreSQL (the embedded SQLite is for development)")
		}
		if c.DemoMode() {
			add("WECHAT_APPID and WECHAT_SECRET are required in production: demo mode talks to a fake WeChat")
		}
	}
	return c, errors.Join(errs...)
}

// ParseSecretKeys parses MPAUTH_SECRET_KEY: one or more base64-encoded
// 32-byte keys separated by commas. The first encrypts new data; the others
// only decrypt, which is how a key is rotated without downtime.
func ParseSecretKeys(raw string) ([]Secret, error) {
	var keys []Secret
	for i, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(part)
		b, err := base64.StdEncoding.DecodeString(part)
		if err != nil {
			b, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(part, "="))
		}
		if err != nil {
			return nil, fmt.Errorf("key %d is not base64", i+1)
		}
		if len(b) != 32 {
			return nil, fmt.Errorf("key %d decodes to %d bytes, want 32 (openssl rand -base64 32)", i+1, len(b))
		}
		keys = append(keys, Secret(b))
	}
	return keys, nil
}

func checkDatabaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return fmt.Errorf("scheme %q is not supported: use postgres://user@host:5432/dbname (leave DATABASE_URL unset for the embedded SQLite)", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("it names no host")
	}
	if strings.Trim(u.Path, "/") == "" {
		return errors.New("it names no database (postgres://user@host:5432/DBNAME)")
	}
	return nil
}

func validAppID(s string) bool {
	if len(s) != 18 || !strings.HasPrefix(s, "wx") {
		return false
	}
	for _, r := range s[2:] {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

func validHeaderName(h string) bool {
	if h == "" {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func orDefault(v, def string) string {
	if v = strings.TrimSpace(v); v == "" {
		return def
	}
	return v
}
