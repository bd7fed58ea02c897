package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mpauth/mpauth/seed"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

// Target is the server under test and the fake WeChat that plays its users.
type Target struct {
	Server string // mpauth's base URL
	Fake   string // the fake WeChat's base URL (its device API)
	AppID  string // the mini program the users log in to
	HTTP   *http.Client
	// Device plays the phones; nil: the fake's /_device API at Fake.
	Device Device
}

// NewHTTPClient keeps a connection per client open to each host, as phones
// behind a load balancer would, so a run measures requests, not handshakes.
func NewHTTPClient(concurrency int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        4*concurrency + 16,
			MaxIdleConnsPerHost: 2*concurrency + 8,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
}

// Login runs the login flow: each operation is wx.login on the fake, then
// POST /api/v1/login with the code; its latency is the second request's.
func Login(ctx context.Context, t Target, load Load) Result {
	return drive(ctx, "login", load, func(ctx context.Context, c *client) outcome {
		l := t.login(ctx, seed.DeviceUser(c.user()))
		return outcome{latency: l.latency, newUser: l.isNew, refused: refused(l.err), err: l.err}
	})
}

// Phone runs phone binding by code: each operation logs a user in (not
// measured), taps the getPhoneNumber button on the fake, then POSTs the code
// to /api/v1/phone; its latency is that last request's. Users bind numbers
// of their own (seed.Phone), so no bind meets another user's number.
func Phone(ctx context.Context, t Target, load Load) Result {
	return drive(ctx, "phone", load, func(ctx context.Context, c *client) outcome {
		k := c.user()
		user := seed.DeviceUser(k)
		l := t.login(ctx, user)
		if refused(l.err) {
			return outcome{refused: true, err: l.err}
		}
		if l.err != nil {
			return outcome{err: fmt.Errorf("login before phone: %w", l.err)}
		}
		phone := seed.Phone(k, 1+c.rand.IntN(seed.Variants-1))
		ev, err := t.device().Phone(ctx, t.AppID, user, phone)
		if err != nil {
			return outcome{err: fmt.Errorf("device phone: %w", err)}
		}
		start := time.Now()
		err = t.post(ctx, t.Server+"/api/v1/phone", l.token, map[string]string{"code": ev.Code}, nil)
		return outcome{latency: time.Since(start), err: err}
	})
}

// loginResult is one login: the token, whether it created the user, and how
// long POST /api/v1/login took (wx.login on the fake not included).
type loginResult struct {
	token   string
	isNew   bool
	latency time.Duration
	err     error
}

// login plays wx.login for user and exchanges the code for a token.
func (t Target) login(ctx context.Context, user string) loginResult {
	code, err := t.device().Login(ctx, t.AppID, user)
	if err != nil {
		return loginResult{err: fmt.Errorf("device login: %w", err)}
	}
	var res struct {
		Token string `json:"token"`
		User  struct {
			IsNew bool `json:"isNew"`
		} `json:"user"`
	}
	start := time.Now()
	err = t.post(ctx, t.Server+"/api/v1/login", "", map[string]string{"code": code}, &res)
	l := loginResult{token: res.Token, isNew: res.User.IsNew, latency: time.Since(start), err: err}
	if err == nil && res.Token == "" {
		l.err = errors.New("login answered without a token")
	}
	return l
}

// post sends a JSON body and decodes a 200 answer into out (nil: discard).
// A failure names the status and the API error code, never the body.
func (t Target) post(ctx context.Context, url, bearer string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "mpauth-bench")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return t.do(req, out)
}

func (t Target) get(ctx context.Context, url string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	return t.do(req, out)
}

func (t Target) do(req *http.Request, out any) error {
	resp, err := t.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: transport error: %s", req.Method, req.URL.Path, transportCause(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&e)
		io.Copy(io.Discard, resp.Body)
		return &httpError{method: req.Method, path: req.URL.Path, status: resp.StatusCode, code: e.Error.Code}
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: bad JSON answer: %w", req.Method, req.URL.Path, err)
	}
	io.Copy(io.Discard, resp.Body)
	return nil
}

// httpError is an answer other than 200, with the API's error code.
type httpError struct {
	method, path string
	status       int
	code         string
}

func (e *httpError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d %s", e.method, e.path, e.status, e.code)
}

// refused reports whether err is the server refusing a blocked user: the
// right answer for the 0.3% of seeded users who are blocked, not a failure.
func refused(err error) bool {
	var he *httpError
	return errors.As(err, &he) && he.code == "user_blocked"
}

// transportCause keeps error keys short and free of per-request detail
// (ports, addresses), so that equal failures count together.
func transportCause(err error) string {
	s := err.Error()
	for _, known := range []string{"connection refused", "connection reset", "context deadline exceeded", "EOF", "timeout"} {
		if strings.Contains(s, known) {
			return known
		}
	}
	return s
}

// TokenFetches reads the fake WeChat's count of access-token fetches
// (classic and stable).
func TokenFetches(ctx context.Context, t Target) (int64, error) {
	var st fakewechat.Stats
	if err := t.get(ctx, t.Fake+"/_device/stats", &st); err != nil {
		return 0, err
	}
	return st.Token + st.StableToken, nil
}

// WaitReady polls GET /readyz until it answers 200 or the deadline passes.
func WaitReady(ctx context.Context, t Target, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.Server+"/readyz", nil)
		if err != nil {
			return err
		}
		resp, err := t.HTTP.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("server at %s not ready within %s: %v", t.Server, within, last)
		case <-tick.C:
		}
	}
}
