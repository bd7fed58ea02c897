// Package wechat is the product's client for the WeChat mini-program server
// APIs (see ../shared/wechat-api.md): login by code, phone number by code,
// session checks, access tokens through a deployment-wide broker, and the
// decryption of open data. It imports nothing else of ours.
package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// DefaultBaseURL is WeChat's production API host.
const DefaultBaseURL = "https://api.weixin.qq.com"

// Endpoint names, as they appear in Error.Endpoint, logs and metric labels.
const (
	endpointCode2Session    = "jscode2session"
	endpointPhoneNumber     = "getuserphonenumber"
	endpointCheckSession    = "checksession"
	endpointResetSessionKey = "resetusersessionkey"
	endpointStableToken     = "stable_token"
	endpointToken           = "token"
)

// maxResponseBody bounds what the client reads from WeChat. Real answers are
// a few hundred bytes.
const maxResponseBody = 1 << 20

// AppSecrets looks up the AppSecret of a mini program.
type AppSecrets interface {
	AppSecret(ctx context.Context, appID string) (Secret, error)
}

// TokenSource hands out access tokens and is told when WeChat rejected one.
// *Broker implements it.
type TokenSource interface {
	Token(ctx context.Context, appID string) (Secret, error)
	Invalidate(ctx context.Context, appID string, failed Secret) error
}

// Client calls the WeChat server APIs. Its fields are its dependencies; only
// Secrets is required, and Tokens for the calls that take an access_token.
// A Client is safe for concurrent use once built.
type Client struct {
	BaseURL string        // default DefaultBaseURL
	HTTP    *http.Client  // default http.DefaultClient
	Timeout time.Duration // per HTTP attempt, default 5s; the caller's ctx bounds the whole call
	Secrets AppSecrets
	Tokens  TokenSource
	Logger  *slog.Logger // default discards; Debug shows redacted requests and answers
	Metrics *Metrics     // nil records nothing
	Retry   RetryPolicy

	Now    func() time.Time                                 // default time.Now; stamps token expiry (WeChat's clock)
	Sleep  func(ctx context.Context, d time.Duration) error // default waits on a timer or ctx
	Jitter func(max time.Duration) time.Duration            // default uniform in [0, max)
}

// request describes one WeChat API call.
type request struct {
	endpoint string
	method   string
	path     string
	query    url.Values
	body     any // JSON-encoded when not nil
	// idempotent says a lost answer may be replayed: see retryable.
	idempotent bool
}

// do sends req, retrying as RetryPolicy allows, and decodes the successful
// answer into out. It is the only place that talks HTTP, so that every
// request and answer passes the same redaction, logging and metrics.
func (c *Client) do(ctx context.Context, req request, out any) error {
	attempts := c.Retry.attempts()
	var (
		body []byte
		err  error
	)
	for n := 1; ; n++ {
		body, err = c.attempt(ctx, req, n)
		if err == nil || n >= attempts || !retryable(err, req.idempotent) {
			break
		}
		d := c.Retry.delay(n, c.jitter)
		if ctx.Err() != nil || !fitsDeadline(ctx, d) {
			break
		}
		c.Metrics.retried(req.endpoint)
		c.logger().LogAttrs(ctx, slog.LevelWarn, "wechat call failed, retrying",
			slog.String("endpoint", req.endpoint), slog.Int("attempt", n),
			slog.Duration("backoff", d), slog.String("error", err.Error()))
		if c.sleep(ctx, d) != nil {
			break
		}
	}
	if err != nil {
		if KindOf(err) == KindConfig {
			// An operator has to fix the appid, AppSecret or IP whitelist.
			c.logger().LogAttrs(ctx, slog.LevelError, "wechat rejected our configuration",
				slog.String("endpoint", req.endpoint), slog.String("error", err.Error()))
		}
		return err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &Error{Endpoint: req.endpoint, Kind: KindUnavailable, cause: fmt.Errorf("decode answer: %w", err)}
	}
	return nil
}

// attempt makes one HTTP exchange and returns the body of an answer whose
// errcode is 0 (or missing).
func (c *Client) attempt(ctx context.Context, req request, n int) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()

	unavailable := func(cause error) error {
		return &Error{Endpoint: req.endpoint, Kind: KindUnavailable, cause: cause}
	}
	u, err := url.Parse(c.baseURL())
	if err != nil {
		return nil, unavailable(fmt.Errorf("base URL: %w", redactError(err)))
	}
	u = u.JoinPath(req.path)
	u.RawQuery = req.query.Encode()

	var reqBody []byte
	if req.body != nil {
		if reqBody, err = json.Marshal(req.body); err != nil {
			return nil, unavailable(fmt.Errorf("encode request: %w", err))
		}
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, u.String(), bytes.NewReader(reqBody))
	if err != nil {
		return nil, unavailable(redactError(err))
	}
	if req.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}

	start := time.Now()
	status, body, err := c.exchange(req.endpoint, hr)
	elapsed := time.Since(start)

	// The request's secret values, for scrubbing what WeChat wrote: found
	// only when something is logged or failed.
	secrets := func() []string { return requestSecrets(req.query, reqBody) }
	if err == nil {
		err = checkAnswer(req.endpoint, status, body, secrets)
	}
	c.Metrics.called(req.endpoint, errcodeLabel(err), elapsed)
	if log := c.logger(); log.Enabled(ctx, slog.LevelDebug) {
		attrs := []slog.Attr{
			slog.String("endpoint", req.endpoint),
			slog.Int("attempt", n),
			slog.String("method", req.method),
			slog.String("url", redactURL(u)),
			slog.String("request", redactBody(reqBody)),
			slog.Int("status", status),
			slog.String("response", scrub(redactBody(body), secrets())),
			slog.Duration("elapsed", elapsed),
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		log.LogAttrs(ctx, slog.LevelDebug, "wechat call", attrs...)
	}
	if err != nil {
		return nil, err
	}
	return body, nil
}

// exchange sends hr and reads a bounded answer.
func (c *Client) exchange(endpoint string, hr *http.Request) (status int, body []byte, err error) {
	resp, err := c.httpClient().Do(hr)
	if err != nil {
		return 0, nil, &Error{Endpoint: endpoint, Kind: KindUnavailable, cause: redactError(err)}
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	if err != nil {
		return resp.StatusCode, nil, &Error{Endpoint: endpoint, Kind: KindUnavailable, cause: fmt.Errorf("read answer: %w", redactError(err))}
	}
	return resp.StatusCode, body, nil
}

// checkAnswer turns an HTTP answer into nil or an *Error. WeChat answers
// HTTP 200 even for errors; anything else came from a proxy or an outage.
func checkAnswer(endpoint string, status int, body []byte, secrets func() []string) error {
	unavailable := func(cause error) error {
		return &Error{Endpoint: endpoint, Kind: KindUnavailable, cause: cause}
	}
	if status < 200 || status > 299 {
		return unavailable(fmt.Errorf("HTTP %d", status))
	}
	if len(body) > maxResponseBody {
		return unavailable(errors.New("answer larger than 1 MiB"))
	}
	var base BaseResponse
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &base) != nil {
		return unavailable(fmt.Errorf("answer is not a JSON object (%d bytes)", len(body)))
	}
	if base.ErrCode != 0 {
		return &Error{Endpoint: endpoint, ErrCode: base.ErrCode, ErrMsg: scrub(redactText(base.ErrMsg), secrets()), Kind: kindForErrCode(endpoint, base.ErrCode)}
	}
	return nil
}

// errcodeLabel is the errcode metric label: WeChat's errcode, or
// "unavailable" when WeChat gave none.
func errcodeLabel(err error) string {
	var e *Error
	if err == nil {
		return "0"
	}
	if errors.As(err, &e) && e.Kind != KindUnavailable {
		return strconv.Itoa(e.ErrCode)
	}
	return "unavailable"
}

// withToken runs call with an access token. When WeChat rejects the token,
// it invalidates exactly that token, takes a fresh one and replays the call
// once; a second rejection is returned as is, so a broken token can never
// loop.
func (c *Client) withToken(ctx context.Context, appID, endpoint string, call func(token Secret) error) error {
	if c.Tokens == nil {
		return &Error{Endpoint: endpoint, Kind: KindConfig, cause: errors.New("client has no token source")}
	}
	token, err := c.Tokens.Token(ctx, appID)
	if err != nil {
		return err
	}
	err = call(token)
	if KindOf(err) != KindTokenInvalid {
		return err
	}
	c.logger().LogAttrs(ctx, slog.LevelWarn, "wechat rejected the access token, refreshing and replaying once",
		slog.String("endpoint", endpoint), slog.String("appid", appID), slog.String("error", err.Error()))
	if ierr := c.Tokens.Invalidate(ctx, appID, token); ierr != nil {
		c.logger().LogAttrs(ctx, slog.LevelWarn, "invalidating the access token failed",
			slog.String("appid", appID), slog.String("error", redactText(ierr.Error())))
	}
	fresh, terr := c.Tokens.Token(ctx, appID)
	if terr != nil {
		return terr
	}
	return call(fresh)
}

// appSecret looks up the AppSecret, reporting a failure as KindConfig.
func (c *Client) appSecret(ctx context.Context, appID, endpoint string) (Secret, error) {
	if c.Secrets == nil {
		return "", &Error{Endpoint: endpoint, Kind: KindConfig, cause: errors.New("client has no AppSecrets")}
	}
	s, err := c.Secrets.AppSecret(ctx, appID)
	if err != nil {
		return "", &Error{Endpoint: endpoint, Kind: KindConfig, cause: fmt.Errorf("AppSecret of %s: %w", appID, err)}
	}
	if s == "" {
		return "", &Error{Endpoint: endpoint, Kind: KindConfig, cause: fmt.Errorf("AppSecret of %s is empty", appID)}
	}
	return s, nil
}

// incomplete reports a success answer that lacks a field WeChat always sends.
func incomplete(endpoint, what string) error {
	return &Error{Endpoint: endpoint, Kind: KindUnavailable, cause: fmt.Errorf("answer lacks %s", what)}
}

func (c *Client) baseURL() string {
	if c.BaseURL == "" {
		return DefaultBaseURL
	}
	return c.BaseURL
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP == nil {
		return http.DefaultClient
	}
	return c.HTTP
}

func (c *Client) timeout() time.Duration {
	if c.Timeout <= 0 {
		return 5 * time.Second
	}
	return c.Timeout
}

func (c *Client) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}

func (c *Client) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep == nil {
		return sleepContext(ctx, d)
	}
	return c.Sleep(ctx, d)
}

func (c *Client) jitter(max time.Duration) time.Duration {
	if c.Jitter == nil {
		return randomDuration(max)
	}
	return c.Jitter(max)
}
