package fakewechat

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Fault is one injected misbehaviour of WeChat's API, for tests of the
// client's retries, backoff and error mapping. Set exactly one of ErrCode,
// HTTPStatus, Malformed, Latency or RiskyUser.
type Fault struct {
	// Endpoint is the API it hits; "" or AllEndpoints hits every WeChat API
	// (never the device or admin routes). RiskyUser ignores it.
	Endpoint Endpoint
	// Times is how many calls an ErrCode, HTTPStatus or Malformed fault
	// answers before it is spent; -1 keeps it until ClearFaults (an outage).
	// Faults answer in the order they were added, one fault per call.
	Times int

	// ErrCode answers HTTP 200 with this errcode, as WeChat does: -1 (busy)
	// and 45011 (rate limited) are the usual ones. An injected errcode
	// spends nothing: the js_code or phone code stays usable for a retry.
	ErrCode int
	// HTTPStatus (500–599) answers with this status and an HTML body, as a
	// proxy in front of WeChat does.
	HTTPStatus int
	// Malformed answers HTTP 200 with truncated JSON.
	Malformed bool
	// Latency delays every answer of Endpoint by this much real time until
	// ClearFaults, without holding any lock. An Endpoint's own latency
	// replaces that of AllEndpoints.
	Latency time.Duration
	// RiskyUser makes code2Session answer 40226 (high-risk user, login
	// intercepted) for this user until ClearFaults. The code is spent.
	RiskyUser string
	// AppID limits RiskyUser to one app; "" means every app.
	AppID string
}

func (f Fault) outcome() string {
	switch {
	case f.HTTPStatus != 0:
		return "http_" + strconv.Itoa(f.HTTPStatus)
	case f.Malformed:
		return "malformed"
	case f.Latency != 0:
		return "latency"
	case f.RiskyUser != "":
		return strconv.Itoa(errHighRiskUser)
	}
	return strconv.Itoa(f.ErrCode)
}

func (f Fault) validate() error {
	kinds := 0
	for _, set := range []bool{f.ErrCode != 0, f.HTTPStatus != 0, f.Malformed, f.Latency != 0, f.RiskyUser != ""} {
		if set {
			kinds++
		}
	}
	switch {
	case kinds != 1:
		return errors.New("fakewechat: a fault sets exactly one of errcode, http_status, malformed, latency, risky_user")
	case f.Endpoint != "" && f.Endpoint != AllEndpoints && !slices.Contains(endpoints, f.Endpoint):
		return fmt.Errorf("fakewechat: unknown endpoint %q", f.Endpoint)
	case f.HTTPStatus != 0 && (f.HTTPStatus < 500 || f.HTTPStatus > 599):
		return errors.New("fakewechat: http_status must be 500–599")
	case f.Latency < 0:
		return errors.New("fakewechat: negative latency")
	case (f.ErrCode != 0 || f.HTTPStatus != 0 || f.Malformed) && f.Times == 0 || f.Times < -1:
		return errors.New("fakewechat: times must be at least 1, or -1 for until cleared")
	}
	return nil
}

type faults struct {
	mu         sync.Mutex
	queue      []*Fault // ErrCode, HTTPStatus and Malformed faults, oldest first
	latency    map[Endpoint]time.Duration
	riskyUsers map[userKey]bool // appid "" means every app
}

func (fs *faults) init() {
	fs.queue = nil
	fs.latency = map[Endpoint]time.Duration{}
	fs.riskyUsers = map[userKey]bool{}
}

// AddFault injects f; see Fault.
func (s *Server) AddFault(f Fault) error {
	if err := f.validate(); err != nil {
		return err
	}
	if f.Endpoint == "" {
		f.Endpoint = AllEndpoints
	}
	fs := &s.faults
	fs.mu.Lock()
	defer fs.mu.Unlock()
	switch {
	case f.Latency > 0:
		fs.latency[f.Endpoint] = f.Latency
	case f.RiskyUser != "":
		fs.riskyUsers[userKey{f.AppID, f.RiskyUser}] = true
	default:
		fs.queue = append(fs.queue, &f)
	}
	s.log.Info("fakewechat: fault added", "endpoint", f.Endpoint, "outcome", f.outcome(), "times", f.Times)
	return nil
}

// ClearFaults removes every fault, spent or not.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.init()
}

// take returns the oldest fault queued for ep, spending one of its calls.
func (fs *faults) take(ep Endpoint) (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.queue {
		if f.Endpoint != AllEndpoints && f.Endpoint != ep {
			continue
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				fs.queue = slices.Delete(fs.queue, i, i+1)
			}
		}
		return *f, true
	}
	return Fault{}, false
}

func (fs *faults) latencyFor(ep Endpoint) time.Duration {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if d, ok := fs.latency[ep]; ok {
		return d
	}
	return fs.latency[AllEndpoints]
}

func (fs *faults) risky(appid, name string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.riskyUsers[userKey{appid, name}] || fs.riskyUsers[userKey{"", name}]
}

// writeFault answers a call with fault f instead of WeChat's answer.
func (s *Server) writeFault(w http.ResponseWriter, ep Endpoint, f Fault) {
	s.stats.add(func(st *Stats) { st.FaultsInjected++ })
	switch {
	case f.HTTPStatus != 0:
		text := strconv.Itoa(f.HTTPStatus) + " " + http.StatusText(f.HTTPStatus)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.HTTPStatus)
		fmt.Fprintf(w, "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", text, text)
	case f.Malformed:
		writeWeChat(w, ep, http.StatusOK, []byte(`{"errcode":0,"errmsg":"ok","session_k`))
	default:
		writeWeChat(w, ep, http.StatusOK, mustJSON(s.errorBody(f.ErrCode)))
	}
}
