package fakewechat

import (
	"maps"
	"net/http"
	"sync"
)

// Stats counts what the fake has seen since New or ResetStats. Call counts
// include calls answered with an error or an injected fault; Outcomes splits
// them by answer.
type Stats struct {
	// Calls per WeChat API.
	JSCode2Session      int64 `json:"jscode2session"`
	Token               int64 `json:"token"`
	StableToken         int64 `json:"stable_token"`
	StableTokenForced   int64 `json:"stable_token_forced"` // stable_token calls with force_refresh: true
	GetUserPhoneNumber  int64 `json:"getuserphonenumber"`
	CheckSession        int64 `json:"checksession"`
	ResetUserSessionKey int64 `json:"resetusersessionkey"`

	// What the calls achieved.
	TokensIssued        int64 `json:"tokens_issued"`         // new classic and stable tokens
	CodesExchanged      int64 `json:"codes_exchanged"`       // js_codes that gave a session
	PhoneCodesExchanged int64 `json:"phone_codes_exchanged"` // phone codes that gave a number (each one billed by WeChat)
	SessionKeysRotated  int64 `json:"session_keys_rotated"`  // by a new wx.login
	SessionKeysReset    int64 `json:"session_keys_reset"`    // by resetusersessionkey
	FaultsInjected      int64 `json:"faults_injected"`       // answers replaced by a fault (latency not counted)

	// Device API calls that succeeded.
	DeviceLogins        int64 `json:"device_logins"`
	DevicePhones        int64 `json:"device_phones"`
	DeviceCheckSessions int64 `json:"device_checksessions"`

	// Outcomes counts answers per endpoint: "ok", an errcode such as
	// "40029", "http_502" or "malformed".
	Outcomes map[Endpoint]map[string]int64 `json:"outcomes"`
}

// statsCounter guards Stats with its own short-held lock, so counting never
// waits on WeChat's state lock.
type statsCounter struct {
	mu sync.Mutex
	s  Stats
}

func (c *statsCounter) init() {
	c.s = Stats{Outcomes: map[Endpoint]map[string]int64{}}
}

func (c *statsCounter) add(f func(*Stats)) {
	c.mu.Lock()
	f(&c.s)
	c.mu.Unlock()
}

func (c *statsCounter) call(ep Endpoint) {
	c.add(func(s *Stats) {
		switch ep {
		case EndpointJSCode2Session:
			s.JSCode2Session++
		case EndpointToken:
			s.Token++
		case EndpointStableToken:
			s.StableToken++
		case EndpointGetUserPhoneNumber:
			s.GetUserPhoneNumber++
		case EndpointCheckSession:
			s.CheckSession++
		case EndpointResetUserSessionKey:
			s.ResetUserSessionKey++
		}
	})
}

func (c *statsCounter) outcome(ep Endpoint, outcome string) {
	c.add(func(s *Stats) {
		m := s.Outcomes[ep]
		if m == nil {
			m = map[string]int64{}
			s.Outcomes[ep] = m
		}
		m[outcome]++
	})
}

// Stats returns a copy of the counts.
func (s *Server) Stats() Stats {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	out := s.stats.s
	out.Outcomes = make(map[Endpoint]map[string]int64, len(s.stats.s.Outcomes))
	for ep, m := range s.stats.s.Outcomes {
		out.Outcomes[ep] = maps.Clone(m)
	}
	return out
}

// ResetStats sets every count back to zero.
func (s *Server) ResetStats() {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	s.stats.init()
}

func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}
