package cmd

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mpauth/mpauth/dbtest"
	"github.com/mpauth/mpauth/services"
)

type loginOutcome struct {
	status    int
	code      string
	token     string
	requestID string
	took      time.Duration
}

// PostgreSQL restarts in the middle of a login load: requests during the
// outage fail fast with 503, service resumes by itself, and every login that
// answered 200 has its user, session and audit row; none is half-written.
func TestPostgresRestartDuringLoginLoad(t *testing.T) {
	cluster := dbtest.NewCluster(t)
	cluster.CreateDatabase("mpauth")
	dbURL := cluster.URL("mpauth")
	base, stop := startRun(t, map[string]string{"DATABASE_URL": dbURL, "MPAUTH_RATE_LOGIN_PER_IP": "0/1m"})

	var (
		mu        sync.Mutex
		outcomes  []loginOutcome
		successes atomic.Int64
		failures  atomic.Int64
	)
	progress := make(chan struct{}, 1) // nudged after every answer
	client := &http.Client{Timeout: 30 * time.Second}
	loginOnce := func(worker, n int) {
		user := "load-" + string(rune('a'+worker)) + "-" + time.Now().Format("150405.000000") + "-" + string(rune('a'+n%26))
		resp, err := client.Post(base+"/_fakewechat/_device/login", "application/json",
			strings.NewReader(`{"appid":"wxdemo000000000001","user":"`+user+`"}`))
		if err != nil {
			t.Errorf("device login: %v", err)
			return
		}
		var dev struct{ Code string }
		json.NewDecoder(resp.Body).Decode(&dev)
		resp.Body.Close()
		start := time.Now()
		resp, err = client.Post(base+"/api/v1/login", "application/json", strings.NewReader(`{"code":"`+dev.Code+`"}`))
		if err != nil {
			t.Errorf("login: %v", err)
			return
		}
		var body struct {
			Token string
			Error struct{ Code string }
		}
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		o := loginOutcome{status: resp.StatusCode, code: body.Error.Code, token: body.Token, requestID: resp.Header.Get("X-Request-ID"), took: time.Since(start)}
		if o.status == 200 {
			successes.Add(1)
		} else {
			failures.Add(1)
		}
		mu.Lock()
		outcomes = append(outcomes, o)
		mu.Unlock()
		select {
		case progress <- struct{}{}:
		default:
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				loginOnce(w, n)
			}
		}()
	}
	waitFor := func(what string, cond func() bool) {
		for !cond() {
			select {
			case <-progress:
			case <-ctx.Done():
				wg.Wait()
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	waitFor("logins before the outage", func() bool { return successes.Load() >= 40 })
	cluster.Stop()
	failuresAtStop := failures.Load()
	waitFor("failures during the outage", func() bool { return failures.Load() >= failuresAtStop+10 })
	cluster.Start()
	afterRestart := successes.Load()
	waitFor("logins after the restart", func() bool { return successes.Load() >= afterRestart+40 })
	cancel()
	wg.Wait()
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}

	var ok []loginOutcome
	for _, o := range outcomes {
		if o.took > 16*time.Second {
			t.Errorf("a login took %v: past the request timeout", o.took)
		}
		switch {
		case o.status == 200:
			ok = append(ok, o)
		case o.status == 503 && o.code == string(services.CodeServiceUnavailable):
		default:
			t.Errorf("unexpected answer during the outage: %d %q", o.status, o.code)
		}
	}

	vctx, vcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer vcancel()
	conn, err := pgx.Connect(vctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(vctx)
	for _, o := range ok {
		var sessions, users, audits int
		err := conn.QueryRow(vctx, `SELECT
			(SELECT COUNT(*) FROM login_sessions WHERE token_hash = $1),
			(SELECT COUNT(*) FROM users u JOIN login_sessions s ON s.user_id = u.id WHERE s.token_hash = $1),
			(SELECT COUNT(*) FROM login_audit WHERE request_id = $2 AND event = 'login' AND result = 'success')`,
			services.HashToken(o.token), o.requestID).Scan(&sessions, &users, &audits)
		if err != nil {
			t.Fatal(err)
		}
		if sessions != 1 || users != 1 || audits != 1 {
			t.Fatalf("login %s answered 200 but has %d sessions, %d users, %d audit rows", o.requestID, sessions, users, audits)
		}
	}
	var sessions, successAudits, identities, keys int
	conn.QueryRow(vctx, `SELECT (SELECT COUNT(*) FROM login_sessions), (SELECT COUNT(*) FROM login_audit WHERE event='login' AND result='success'),
		(SELECT COUNT(*) FROM wechat_identities), (SELECT COUNT(*) FROM session_keys)`).Scan(&sessions, &successAudits, &identities, &keys)
	if sessions != len(ok) || successAudits != len(ok) {
		t.Fatalf("%d logins answered 200, the database holds %d sessions and %d success audit rows", len(ok), sessions, successAudits)
	}
	if identities != keys || identities != len(ok) {
		t.Fatalf("half-written logins: %d identities, %d session keys, %d successful logins", identities, keys, len(ok))
	}
	t.Logf("%d logins succeeded, %d failed fast during the outage", len(ok), len(outcomes)-len(ok))
}
