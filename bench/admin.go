package bench

import (
	"context"
	"errors"
	"fmt"
	"github.com/mpauth/mpauth/wechat"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// ErrNoAdmin: the server has no admin dashboard to measure.
var ErrNoAdmin = errors.New("the server has no admin dashboard (GET /admin/login is not a page)")

// AdminAccount is the dashboard account the admin run signs in with.
type AdminAccount struct{ Username, Password string }

// adminPage is one dashboard page as a support agent uses it.
type adminPage struct {
	name    string
	request func(ctx context.Context, c *client) (*http.Request, error)
}

// displayZone is the dashboard's time zone (UTC+8), in which its time
// filters are written.
var displayZone = wechat.Beijing()

// Admin signs in to the dashboard and times its pages one after the other,
// each for load.Duration with load.Concurrency agents: the users list, the
// search by the last four digits of a phone and by a digit substring, the
// login audit of a one-day range somewhere in the last year, and the detail
// page of a user from userIDs.
func Admin(ctx context.Context, t Target, load Load, acct AdminAccount, userIDs []string) ([]Result, error) {
	if len(userIDs) == 0 {
		return nil, errors.New("no users in the database to open: seed it first")
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{
		Timeout:   30 * time.Second,
		Jar:       jar,
		Transport: t.HTTP.Transport,
		// A redirect to the sign-in page must count as a failure, not be
		// followed to a page that answers 200.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if err := adminSignIn(ctx, hc, t.Server, acct); err != nil {
		return nil, err
	}
	now := time.Now()
	pages := []adminPage{
		{"users", func(ctx context.Context, c *client) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodGet, t.Server+"/admin/users", nil)
		}},
		{"last4", func(ctx context.Context, c *client) (*http.Request, error) {
			return adminForm(ctx, t.Server+"/admin/users", url.Values{"q": {fmt.Sprintf("%04d", c.rand.IntN(10_000))}, "kind": {"phone_last4"}})
		}},
		{"digits", func(ctx context.Context, c *client) (*http.Request, error) {
			return adminForm(ctx, t.Server+"/admin/users", url.Values{"q": {fmt.Sprintf("%06d", c.rand.IntN(1_000_000))}, "kind": {"phone_contains"}})
		}},
		{"audit", func(ctx context.Context, c *client) (*http.Request, error) {
			from := now.Add(-time.Duration(c.rand.Int64N(int64(364 * 24 * time.Hour)))).In(displayZone)
			q := url.Values{"from": {from.Format("2006-01-02T15:04")}, "to": {from.Add(24 * time.Hour).Format("2006-01-02T15:04")}}
			return http.NewRequestWithContext(ctx, http.MethodGet, t.Server+"/admin/audit/logins?"+q.Encode(), nil)
		}},
		{"detail", func(ctx context.Context, c *client) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodGet, t.Server+"/admin/users/"+url.PathEscape(userIDs[c.rand.IntN(len(userIDs))]), nil)
		}},
	}
	var out []Result
	for _, p := range pages {
		out = append(out, drive(ctx, p.name, load, func(ctx context.Context, c *client) outcome {
			req, err := p.request(ctx, c)
			if err != nil {
				return outcome{err: err}
			}
			start := time.Now()
			err = fetchPage(hc, req)
			return outcome{latency: time.Since(start), err: err}
		}))
	}
	return out, nil
}

func adminSignIn(ctx context.Context, hc *http.Client, server string, acct AdminAccount) error {
	probe, err := http.NewRequestWithContext(ctx, http.MethodGet, server+"/admin/login", nil)
	if err != nil {
		return err
	}
	if err := fetchPage(hc, probe); err != nil {
		var he *httpError
		if errors.As(err, &he) && he.status == http.StatusNotFound {
			return ErrNoAdmin
		}
		return err
	}
	req, err := adminForm(ctx, server+"/admin/login", url.Values{"username": {acct.Username}, "password": {acct.Password}, "next": {"/admin/"}})
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("admin sign-in: %w", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("admin sign-in as %s: HTTP %d, want a redirect into the dashboard", acct.Username, resp.StatusCode)
	}
	return nil
}

func adminForm(ctx context.Context, target string, form url.Values) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}

// fetchPage reads a whole page: the time to the last byte is what the agent
// waits for. Anything but 200 fails.
func fetchPage(hc *http.Client, req *http.Request) error {
	req.Header.Set("User-Agent", "mpauth-bench")
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: transport error: %s", req.Method, req.URL.Path, transportCause(err))
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fmt.Errorf("%s %s: %s", req.Method, routeOf(req.URL.Path), transportCause(err))
	}
	if resp.StatusCode != http.StatusOK {
		return &httpError{method: req.Method, path: routeOf(req.URL.Path), status: resp.StatusCode, code: resp.Header.Get("Location")}
	}
	return nil
}

// routeOf keeps a user id out of error keys, so failures count together.
func routeOf(path string) string {
	if rest, ok := strings.CutPrefix(path, "/admin/users/"); ok && rest != "" && !strings.Contains(rest, "/") {
		return "/admin/users/:id"
	}
	return path
}

// AdminPagesReport prints the p50/p95 of each page.
func AdminPagesReport(w io.Writer, results []Result) {
	for _, r := range results {
		fmt.Fprintf(w, "admin %-7s %2d agents: %6d pages %7.1f/s  p50 %s  p95 %s  p99 %s  errors %d\n",
			r.Name, r.Concurrency, r.Ops, r.Throughput(), ms(r.Percentile(0.50)), ms(r.Percentile(0.95)), ms(r.Percentile(0.99)), r.ErrorCount())
		for k, n := range r.Errors {
			fmt.Fprintf(w, "         %6d × %s\n", n, k)
		}
	}
}
