package cmd

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mpauth/mpauth/dbtest"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

func apiPost(client *http.Client, url, token string, body any) (int, map[string]any, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, nil
}

// Three instances on one PostgreSQL behind one WeChat: 1,000 concurrent phone
// bindings fetch one access token, and an invalidation mid-run costs exactly
// one refresh while every request succeeds.
func TestThreeInstancesBindOneThousandPhonesWithOneToken(t *testing.T) {
	const app, secret = "wx1000000000000001", "three-instances-secret-000000000001"
	fake := fakewechat.New(fakewechat.Options{Apps: map[string]string{app: secret}})
	fakeSrv := httptest.NewServer(fake)
	defer fakeSrv.Close()
	cluster := dbtest.NewCluster(t)
	cluster.CreateDatabase("mpauth")
	env := map[string]string{
		"DATABASE_URL": cluster.URL("mpauth"), "WECHAT_APPID": app, "WECHAT_SECRET": secret, "WECHAT_API_BASE": fakeSrv.URL,
		// Every instance must share the key that seals the shared token.
		"MPAUTH_SECRET_KEY":          base64.StdEncoding.EncodeToString(dbtest.RandomKey()),
		"MPAUTH_RATE_LOGIN_PER_IP":   "0/1m",
		"MPAUTH_RATE_PHONE_PER_IP":   "0/1m",
		"MPAUTH_RATE_PHONE_PER_USER": "0/1m",
	}
	var bases []string
	for range 3 {
		base, _ := startRun(t, env)
		bases = append(bases, base)
	}

	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 400}}
	const users = 1000
	tokens := make([]string, users)
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	for i := range users {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			code, err := fake.DeviceLogin(app, fmt.Sprintf("user-%d", i), false)
			if err != nil {
				t.Error(err)
				return
			}
			status, out, err := apiPost(client, bases[i%3]+"/api/v1/login", "", map[string]string{"code": code})
			if err != nil || status != 200 {
				t.Errorf("login %d: %d %v %v", i, status, out, err)
				return
			}
			tokens[i] = out["token"].(string)
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	bind := func(from, to int) {
		var wg sync.WaitGroup
		var failed atomic.Int64
		for i := from; i < to; i++ {
			ev, err := fake.DevicePhone(app, fmt.Sprintf("user-%d", i), fmt.Sprintf("+86139%08d", i))
			if err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				status, out, err := apiPost(client, bases[i%3]+"/api/v1/phone", tokens[i], map[string]string{"code": ev.Code})
				if err != nil || status != 200 {
					if failed.Add(1) <= 5 {
						t.Errorf("bind %d: %d %v %v", i, status, out, err)
					}
				}
			}()
		}
		wg.Wait()
	}
	bind(0, users/2)
	if s := fake.Stats(); s.StableToken+s.Token != 1 {
		t.Fatalf("%d token fetches for the first %d bindings on 3 instances, want 1", s.StableToken+s.Token, users/2)
	}
	fake.InvalidateAccessToken(app)
	bind(users/2, users)
	s := fake.Stats()
	if s.StableToken+s.Token != 2 {
		t.Fatalf("%d token fetches in total after one invalidation, want 2", s.StableToken+s.Token)
	}
	if s.PhoneCodesExchanged != users {
		t.Fatalf("phone codes exchanged = %d, want %d", s.PhoneCodesExchanged, users)
	}
}

// Graceful shutdown under load: logins in flight when the signal comes (held
// at WeChat by injected latency) finish with 200 and are stored whole.
func TestGracefulShutdownUnderLoadFinishesInFlightRequests(t *testing.T) {
	const app, secret = "wx2000000000000002", "graceful-shutdown-secret-0000000002"
	fake := fakewechat.New(fakewechat.Options{Apps: map[string]string{app: secret}})
	if err := fake.AddFault(fakewechat.Fault{Endpoint: fakewechat.EndpointJSCode2Session, Latency: 200 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	fakeSrv := httptest.NewServer(fake)
	defer fakeSrv.Close()
	cluster := dbtest.NewCluster(t)
	cluster.CreateDatabase("mpauth")
	dbURL := cluster.URL("mpauth")
	base, stop := startRun(t, map[string]string{
		"DATABASE_URL": dbURL, "WECHAT_APPID": app, "WECHAT_SECRET": secret, "WECHAT_API_BASE": fakeSrv.URL,
		"MPAUTH_RATE_LOGIN_PER_IP": "0/1m",
	})
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

	var (
		ok, notServed atomic.Int64
		wg            sync.WaitGroup
		progress      = make(chan struct{}, 64)
		stopping      atomic.Bool
	)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ctx.Err() == nil && !stopping.Load(); n++ {
				code, err := fake.DeviceLogin(app, fmt.Sprintf("w%d-%d", w, n), false)
				if err != nil {
					t.Error(err)
					return
				}
				status, _, err := apiPost(client, base+"/api/v1/login", "", map[string]string{"code": code})
				switch {
				case err != nil:
					notServed.Add(1) // refused, or dropped from the accept queue as the listener closed
				case status == 200:
					ok.Add(1)
					select {
					case progress <- struct{}{}:
					default:
					}
				default:
					t.Errorf("status %d under load", status)
				}
			}
		}()
	}
	for ok.Load() < 24 {
		select {
		case <-progress:
		case <-ctx.Done():
			t.Fatal("load did not start")
		}
	}
	stopping.Store(true)
	atStop := ok.Load()
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	wg.Wait()

	// Every code WeChat exchanged belonged to a login inside our handler: each
	// must have answered 200 and be stored whole.
	exchanged := fake.Stats().CodesExchanged
	if exchanged != ok.Load() {
		t.Fatalf("WeChat exchanged %d codes but only %d logins answered 200: in-flight logins were cut off", exchanged, ok.Load())
	}
	if ok.Load() == atStop {
		t.Fatal("no login was in flight at shutdown; the test proved nothing")
	}
	vctx, vcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer vcancel()
	conn, err := pgx.Connect(vctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(vctx)
	var sessions, audits, identities, keys int
	conn.QueryRow(vctx, `SELECT (SELECT COUNT(*) FROM login_sessions), (SELECT COUNT(*) FROM login_audit WHERE event='login' AND result='success'),
		(SELECT COUNT(*) FROM wechat_identities), (SELECT COUNT(*) FROM session_keys)`).Scan(&sessions, &audits, &identities, &keys)
	if int64(sessions) != ok.Load() || int64(audits) != ok.Load() || identities != keys || int64(identities) != ok.Load() {
		t.Fatalf("%d logins answered 200; database: %d sessions, %d success audits, %d identities, %d session keys", ok.Load(), sessions, audits, identities, keys)
	}
	t.Logf("%d logins, %d finished after shutdown began, %d not served", ok.Load(), ok.Load()-atStop, notServed.Load())
}
