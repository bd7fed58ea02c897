// Package fakewechat is a stand-in for WeChat's server API as mpauth uses it
// (/work/shared/wechat-api.md), plus a device API that plays the phone:
// wx.login, the getPhoneNumber button and wx.checkSession.
//
// Tests, benchmarks and demo mode drive the real wechat client against it
// over real HTTP, so it answers like WeChat, quirks included: errors are
// HTTP 200 with an errcode, codes are single-use and live five minutes, a new
// wx.login may rotate the session_key, and a new classic access_token retires
// the previous one after a grace period. It is an independent implementation
// of WeChat's side (its own AES and HMAC code); only the wire structs are
// shared with the client, so that a shape mistake shows on both sides.
//
// Routes, relative to where the Server is mounted:
//
//	GET  /sns/jscode2session             code2Session
//	GET  /cgi-bin/token                  classic access_token
//	POST /cgi-bin/stable_token           stable access_token (JSON body)
//	POST /wxa/business/getuserphonenumber?access_token=
//	GET  /wxa/checksession               session_key signature check
//	GET  /wxa/resetusersessionkey        new session_key for a user
//	POST /_device/login                  wx.login          → {"code"}
//	POST /_device/phone                  getPhoneNumber    → {"code","encryptedData","iv","errMsg"}
//	POST /_device/checksession           wx.checkSession   → {"ok"}
//	GET  /_device/stats                  call and outcome counts
//	POST /_admin/faults                  add a fault (see Fault)
//	DELETE /_admin/faults                clear every fault
//	POST /_admin/invalidate-token        {"appid"}: kill the app's access tokens
//	POST /_admin/expire-session          {"appid","user"}: WeChat drops the login state
//
// The device and admin routes have no authentication: the fake is for tests
// and demo mode only.
package fakewechat

import (
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// The demo app that a Server serves when Options.Apps is empty.
const (
	DemoAppID     = "wxdemo000000000001"
	DemoAppSecret = "demo-secret-0000000000000000000001"
)

// RotatePolicy says when a new wx.login gives the user a new session_key.
// WeChat documents only that it "may" rotate; the default rotates on every
// login because that is what makes the stale-key trap reproducible.
type RotatePolicy int

const (
	// RotateAlways gives a new session_key on every wx.login (the default).
	RotateAlways RotatePolicy = iota
	// RotateNever keeps the first session_key until resetusersessionkey or
	// ExpireSession replaces it.
	RotateNever
	// RotateEveryN lets one session_key serve Options.RotateEvery logins;
	// the next login rotates it.
	RotateEveryN
)

// Options configure a Server. The zero value serves the demo app on the
// wall clock with crypto/rand, rotating the session_key on every login.
type Options struct {
	// Apps maps appid to AppSecret. Empty means {DemoAppID: DemoAppSecret}.
	Apps map[string]string
	// OpenPlatformApps are appids bound to the fake's one open-platform
	// account: their code2Session answers always carry a unionid. Other apps
	// carry one only when the device login asked for it.
	OpenPlatformApps []string
	// Now is WeChat's clock. Tests advance it instead of sleeping. Injected
	// latency (a transport fault) still uses real time.
	Now func() time.Time
	// Rand feeds codes, keys, tokens and IVs; nil means crypto/rand. It must
	// not run dry: a failed read panics the request.
	Rand io.Reader
	// RotateSessionKey is the rotation policy for new logins.
	RotateSessionKey RotatePolicy
	// RotateEvery is N for RotateEveryN; less than 1 counts as 1.
	RotateEvery int
	// Logger gets debug lines without secrets, codes or phone numbers;
	// nil means no logging.
	Logger *slog.Logger
}

// Server is the fake WeChat. It is an http.Handler and safe for concurrent
// use. Create it with New.
type Server struct {
	apps         map[string]string
	openPlatform map[string]bool
	now          func() time.Time
	rotate       RotatePolicy
	rotateEvery  int
	log          *slog.Logger
	mux          *http.ServeMux

	rand       io.Reader
	randMu     sync.Mutex // held only for a custom Rand, which may not be concurrency-safe
	customRand bool
	ridSeq     atomic.Uint64

	// mu guards WeChat's state: users, codes and tokens. Faults and stats
	// have their own locks; code holding mu may take those, never the
	// reverse.
	mu         sync.Mutex
	users      map[userKey]*user
	byOpenID   map[string]*user
	loginCodes map[string]*loginCode
	phoneCodes map[string]*phoneCode
	tokens     map[string]*accessToken
	classic    map[string]*accessToken // appid → newest classic token
	stable     map[string]*stableTokens
	forced     map[string]*forceQuota
	nextSweep  time.Time

	faults faults
	stats  statsCounter
}

// New returns a Server for opts.
func New(opts Options) *Server {
	s := &Server{
		apps:         map[string]string{},
		openPlatform: map[string]bool{},
		now:          opts.Now,
		rotate:       opts.RotateSessionKey,
		rotateEvery:  max(opts.RotateEvery, 1),
		log:          opts.Logger,
		mux:          http.NewServeMux(),
		rand:         opts.Rand,
		customRand:   opts.Rand != nil,
		users:        map[userKey]*user{},
		byOpenID:     map[string]*user{},
		loginCodes:   map[string]*loginCode{},
		phoneCodes:   map[string]*phoneCode{},
		tokens:       map[string]*accessToken{},
		classic:      map[string]*accessToken{},
		stable:       map[string]*stableTokens{},
		forced:       map[string]*forceQuota{},
	}
	for id, secret := range opts.Apps {
		s.apps[id] = secret
	}
	if len(s.apps) == 0 {
		s.apps[DemoAppID] = DemoAppSecret
	}
	for _, id := range opts.OpenPlatformApps {
		s.openPlatform[id] = true
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.faults.init()
	s.stats.init()
	s.routes()
	return s
}

func (s *Server) routes() {
	s.mux.Handle("/sns/jscode2session", s.api(EndpointJSCode2Session, http.MethodGet, s.jscode2session))
	s.mux.Handle("/cgi-bin/token", s.api(EndpointToken, http.MethodGet, s.token))
	s.mux.Handle("/cgi-bin/stable_token", s.api(EndpointStableToken, http.MethodPost, s.stableToken))
	s.mux.Handle("/wxa/business/getuserphonenumber", s.api(EndpointGetUserPhoneNumber, http.MethodPost, s.getUserPhoneNumber))
	s.mux.Handle("/wxa/checksession", s.api(EndpointCheckSession, http.MethodGet, s.checkSession))
	s.mux.Handle("/wxa/resetusersessionkey", s.api(EndpointResetUserSessionKey, http.MethodGet, s.resetUserSessionKey))

	s.mux.HandleFunc("POST /_device/login", s.handleDeviceLogin)
	s.mux.HandleFunc("POST /_device/phone", s.handleDevicePhone)
	s.mux.HandleFunc("POST /_device/checksession", s.handleDeviceCheckSession)
	s.mux.HandleFunc("GET /_device/stats", s.handleStats)

	s.mux.HandleFunc("POST /_admin/faults", s.handleAddFault)
	s.mux.HandleFunc("DELETE /_admin/faults", s.handleClearFaults)
	s.mux.HandleFunc("POST /_admin/invalidate-token", s.handleInvalidateToken)
	s.mux.HandleFunc("POST /_admin/expire-session", s.handleExpireSession)
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// randomBytes returns n bytes from the configured source.
func (s *Server) randomBytes(n int) []byte {
	b := make([]byte, n)
	if s.customRand {
		s.randMu.Lock()
		defer s.randMu.Unlock()
	}
	if _, err := io.ReadFull(s.rand, b); err != nil {
		panic("fakewechat: random source failed: " + err.Error())
	}
	return b
}

const codeAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// randomCode returns a 32-character alphanumeric code, the shape of a real
// js_code or phone code. The modulo bias is irrelevant for a fake.
func (s *Server) randomCode() string {
	b := s.randomBytes(32)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}

// sweepLocked drops expired codes and dead tokens once a minute of fake time,
// so that benchmarks that log in millions of times stay within bounded memory.
// Used login codes are kept until they expire so that a replay still answers
// 40163 rather than 40029.
func (s *Server) sweepLocked(now time.Time) {
	if now.Before(s.nextSweep) {
		return
	}
	s.nextSweep = now.Add(time.Minute)
	for code, c := range s.loginCodes {
		if c.expired(now) {
			delete(s.loginCodes, code)
		}
	}
	for code, c := range s.phoneCodes {
		if c.expired(now) {
			delete(s.phoneCodes, code)
		}
	}
	for value, t := range s.tokens {
		if t.prunable(now) {
			delete(s.tokens, value)
		}
	}
}
