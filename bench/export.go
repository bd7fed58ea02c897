package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"time"
)

// ExportResult is one CSV export read to its end.
type ExportResult struct {
	Name  string
	Rows  int64 // data rows, without the header
	Bytes int64
	Took  time.Duration
	// PeakRSS is the server's largest resident set while it streamed, when
	// the server is the bench's child (0 otherwise).
	PeakRSS int64
}

func (r ExportResult) String() string {
	s := fmt.Sprintf("export %-6s %9d rows  %7.1f MB  %6.1fs  %8.0f rows/s", r.Name, r.Rows, float64(r.Bytes)/(1<<20), r.Took.Seconds(), float64(r.Rows)/r.Took.Seconds())
	if r.PeakRSS > 0 {
		s += fmt.Sprintf("  server max RSS %.1f MB", float64(r.PeakRSS)/(1<<20))
	}
	return s
}

// Exports signs in to the dashboard and downloads the unfiltered users and
// login-audit exports, one after the other, counting what arrives. watch,
// when not nil, is started per export and returns the server's peak RSS.
func Exports(ctx context.Context, t Target, acct AdminAccount, watch func() (stop func() (int64, error))) ([]ExportResult, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{
		Jar:           jar,
		Transport:     t.HTTP.Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if err := adminSignIn(ctx, hc, t.Server, acct); err != nil {
		return nil, err
	}
	var out []ExportResult
	for _, e := range []struct{ name, path string }{{"users", "/admin/users/export"}, {"audit", "/admin/audit/logins/export"}} {
		var stop func() (int64, error)
		if watch != nil {
			stop = watch()
		}
		res, err := readExport(ctx, hc, t.Server+e.path)
		if stop != nil {
			if peak, serr := stop(); serr == nil {
				res.PeakRSS = peak
			}
		}
		if err != nil {
			return out, fmt.Errorf("export %s: %w", e.name, err)
		}
		res.Name = e.name
		out = append(out, res)
	}
	return out, nil
}

func readExport(ctx context.Context, hc *http.Client, target string) (ExportResult, error) {
	req, err := adminForm(ctx, target, url.Values{})
	if err != nil {
		return ExportResult{}, err
	}
	req.Header.Set("User-Agent", "mpauth-bench")
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return ExportResult{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ExportResult{}, &httpError{method: http.MethodPost, path: req.URL.Path, status: resp.StatusCode}
	}
	var res ExportResult
	r := bufio.NewReaderSize(resp.Body, 1<<16)
	for {
		line, err := r.ReadSlice('\n')
		res.Bytes += int64(len(line))
		if len(line) > 0 && line[len(line)-1] == '\n' {
			res.Rows++
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, err
		}
	}
	res.Took = time.Since(start)
	if res.Rows > 0 {
		res.Rows-- // the header
	}
	return res, nil
}
