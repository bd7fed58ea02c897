package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mpauth/mpauth/services"
)

// Hostile bodies on every public API endpoint get the documented error and
// leave nothing in the database.
func TestHostileInputGetsTheDocumentedErrorAndStoresNothing(t *testing.T) {
	e := newAPIEnv(t, envOptions{})
	token, _ := e.login(appA, "xena")
	counts := func() [4]int {
		return [4]int{e.count("users"), e.count("login_sessions"), e.count("phone_bindings"), e.count("login_audit")}
	}
	before := counts()
	bodies := []struct {
		name, body string
		status     int
	}{
		{"wrong type", `{"code": ["a"]}`, 400},
		{"nested object", `{"code": {"$ne": null}}`, 400},
		{"invalid UTF-8", "{\"code\": \"\xff\xfe\xfd\"}", 400},
		{"control characters", `{"code": "a\u0000b"}`, 400},
		{"SQL injection", `{"code": "' OR '1'='1'; DROP TABLE users; --"}`, 400},
		{"template injection", `{"code": "{{.Secret}}${7*7}<script>"}`, 400},
		{"huge body", `{"code":"` + strings.Repeat("x", 1<<20) + `"}`, 413},
		{"deeply nested", strings.Repeat("[", 10000) + strings.Repeat("]", 10000), 400},
		{"not JSON", `<xml/>`, 400},
	}
	for _, b := range bodies {
		for _, ep := range []struct{ path, token string }{{"/api/v1/login", ""}, {"/api/v1/phone", token}} {
			t.Run(b.name+" "+ep.path, func(t *testing.T) {
				r := e.call("POST", ep.path, ep.token, b.body)
				if r.Status != b.status || r.errorCode() != string(services.CodeInvalidRequest) {
					t.Fatalf("%d %s, want %d invalid_request", r.Status, r.Raw, b.status)
				}
			})
		}
	}
	if after := counts(); after != before {
		t.Fatalf("rows before %v, after %v: hostile input was stored", before, after)
	}
}

// Without a trusted proxy, X-Forwarded-For is ignored: a client cannot pick
// a fresh rate-limit bucket per request.
func TestSpoofedForwardedForDoesNotEscapeTheRateLimit(t *testing.T) {
	e := newAPIEnv(t, envOptions{loginPerIP: services.Limit{Burst: 1, Every: time.Hour}})
	send := func(xff string) int {
		req, _ := http.NewRequest("POST", e.server.URL+"/api/v1/login", strings.NewReader(`{"code":"`+e.deviceLogin(appA, "yuri")+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", xff)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := send("203.0.113.1"); s != 200 {
		t.Fatalf("first login: %d", s)
	}
	if s := send("203.0.113.2"); s != 429 {
		t.Fatalf("second login with a new spoofed X-Forwarded-For: %d, want 429", s)
	}
	db, _ := e.store.SQLDB()
	var ip string
	db.QueryRow("SELECT ip FROM login_audit WHERE result = 'success' ORDER BY id LIMIT 1").Scan(&ip)
	if ip != "127.0.0.1" {
		t.Fatalf("audit recorded IP %q, want the peer 127.0.0.1", ip)
	}
}

// Behind a trusted proxy only the header the operator names carries the
// client's address: a header the proxy passes through from the client is
// never believed.
func TestOnlyTheNamedHeaderCarriesTheClientAddress(t *testing.T) {
	for _, c := range []struct {
		name        string
		header      string // MPAUTH_CLIENT_IP_HEADER
		varying     string // the header that changes between the two requests
		fixed       string // a header that stays the same
		secondAllow bool
	}{
		{"X-Real-IP named, X-Forwarded-For passed through", "X-Real-IP", "X-Forwarded-For", "X-Real-IP", false},
		{"the default, X-Real-IP sent by the client", "", "X-Real-IP", "", false},
		{"X-Real-IP named and set per client", "X-Real-IP", "X-Real-IP", "", true},
		{"a header of the operator's choosing", "CF-Connecting-IP", "X-Forwarded-For", "CF-Connecting-IP", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newAPIEnv(t, envOptions{trustedProxies: []string{"127.0.0.1"}, clientIPHeader: c.header, loginPerIP: services.Limit{Burst: 1, Every: time.Hour}})
			statuses := []int{}
			for i, addr := range []string{"198.51.100.7", "198.51.100.8"} {
				req, _ := http.NewRequest("POST", e.server.URL+"/api/v1/login", strings.NewReader(`{"code":"`+e.deviceLogin(appA, "zoe")+`"}`))
				req.Header.Set(c.varying, addr)
				if c.fixed != "" {
					req.Header.Set(c.fixed, "203.0.113.9")
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				statuses = append(statuses, resp.StatusCode)
				if i == 0 && resp.StatusCode != 200 {
					t.Fatalf("first login: %d", resp.StatusCode)
				}
			}
			if allowed := statuses[1] == 200; allowed != c.secondAllow {
				t.Fatalf("second login from a new %s: %d, want allowed=%v", c.varying, statuses[1], c.secondAllow)
			}
		})
	}
}

// Behind a configured proxy the forwarded client address is used.
func TestTrustedProxyForwardsTheClientAddress(t *testing.T) {
	e := newAPIEnv(t, envOptions{trustedProxies: []string{"127.0.0.1"}, loginPerIP: services.Limit{Burst: 1, Every: time.Hour}})
	for _, xff := range []string{"198.51.100.7", "198.51.100.8"} {
		req, _ := http.NewRequest("POST", e.server.URL+"/api/v1/login", strings.NewReader(`{"code":"`+e.deviceLogin(appA, "zack")+`"}`))
		req.Header.Set("X-Forwarded-For", xff)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("client %s behind the proxy: %d", xff, resp.StatusCode)
		}
	}
}
