package attack

import (
	"fmt"
	"testing"
)

// Behind a proxy the client address comes from a header, and the login
// limit is counted per address. A client that can choose the header that
// is believed chooses its own bucket: a fresh address per request, and no
// limit at all. Only the one header the operator names is believed, and
// only from the proxies the operator trusts.
func TestAClientCannotChooseItsOwnAddress(t *testing.T) {
	t.Parallel()
	db := freshDB(t)
	fake := startFake(t)
	const limit = 20
	for _, tc := range []struct {
		name     string
		settings map[string]string
		headers  func(i int) []string // what reaches us from the proxy
	}{
		{
			// nginx with `proxy_set_header X-Real-IP $remote_addr;` and the
			// client's own X-Forwarded-For passed through untouched.
			name:     "the proxy sets X-Real-IP and passes X-Forwarded-For through",
			settings: map[string]string{"MPAUTH_CLIENT_IP_HEADER": "X-Real-IP"},
			headers: func(i int) []string {
				return []string{"X-Real-IP", "198.51.100.23", "X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256)}
			},
		},
		{
			// The default header is X-Forwarded-For; a client's X-Real-IP is
			// not believed, even when the proxy sets no header at all.
			name:     "the proxy sets no header and the client sends X-Real-IP",
			settings: nil,
			headers: func(i int) []string {
				return []string{"X-Real-IP", fmt.Sprintf("10.0.%d.%d", i/256, i%256)}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			settings := map[string]string{"MPAUTH_TRUSTED_PROXIES": "127.0.0.1", "MPAUTH_RATE_LOGIN_PER_IP": fmt.Sprintf("%d/1h", limit)}
			for k, v := range tc.settings {
				settings[k] = v
			}
			in := startInstance(t, db, fake, settings)
			limited := 0
			for i := range limit + 10 {
				a := call(t, "POST", in.base+"/api/v1/login", "", map[string]string{"code": fake.login(t, fmt.Sprint("spoofer-", i))}, tc.headers(i)...)
				switch {
				case a.Status == 429:
					limited++
				case a.Status != 200:
					t.Fatalf("login %d: %s", i, a)
				}
			}
			if limited < 10 {
				t.Fatalf("%d of %d logins from one client were limited by a limit of %d: the client chose its address", limited, limit+10, limit)
			}
		})
	}
}
