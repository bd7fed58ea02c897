package fakewechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/mpauth/mpauth/wechat"
)

// Endpoint names one WeChat API for faults and stats.
type Endpoint string

const (
	EndpointJSCode2Session      Endpoint = "jscode2session"
	EndpointToken               Endpoint = "token"
	EndpointStableToken         Endpoint = "stable_token"
	EndpointGetUserPhoneNumber  Endpoint = "getuserphonenumber"
	EndpointCheckSession        Endpoint = "checksession"
	EndpointResetUserSessionKey Endpoint = "resetusersessionkey"
	// AllEndpoints makes a fault apply to every WeChat API. The empty
	// Endpoint means the same.
	AllEndpoints Endpoint = "*"
)

var endpoints = []Endpoint{
	EndpointJSCode2Session, EndpointToken, EndpointStableToken,
	EndpointGetUserPhoneNumber, EndpointCheckSession, EndpointResetUserSessionKey,
}

// apiFunc answers one WeChat API call: a success body, or an errcode.
type apiFunc func(r *http.Request, now time.Time) (any, *wechatError)

// api wraps a WeChat endpoint with what every one of them shares: call
// counting, injected faults, the method check, and WeChat's envelope
// (HTTP 200 even for errors).
func (s *Server) api(ep Endpoint, method string, fn apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.stats.call(ep)
		if d := s.faults.latencyFor(ep); d > 0 && !sleep(r.Context(), d) {
			return
		}
		if f, ok := s.faults.take(ep); ok {
			s.stats.outcome(ep, f.outcome())
			s.log.Debug("fakewechat answer", "endpoint", ep, "outcome", f.outcome(), "injected", true)
			s.writeFault(w, ep, f)
			return
		}

		var body any
		var werr *wechatError
		switch {
		case r.Method == method:
			body, werr = fn(r, s.now())
		case method == http.MethodPost:
			werr = errcode(errRequirePOST)
		default:
			werr = errcode(errRequireGET)
		}
		outcome := "ok"
		if werr != nil {
			outcome = strconv.Itoa(werr.code)
			body = s.errorBody(werr.code)
		}
		s.stats.outcome(ep, outcome)
		s.log.Debug("fakewechat answer", "endpoint", ep, "outcome", outcome)
		writeWeChat(w, ep, http.StatusOK, mustJSON(body))
	})
}

// errorBody is WeChat's error answer. WeChat ends every errmsg with a request
// id ("invalid code, rid: 6650d8f1-2c7b4e21-00000001"), which is why clients
// must decide on errcode alone.
func (s *Server) errorBody(code int) wechat.BaseResponse {
	e := errcode(code)
	rid := fmt.Sprintf("%08x-%08x-%08x", uint32(s.now().Unix()), uint32(code), uint32(s.ridSeq.Add(1)))
	return wechat.BaseResponse{ErrCode: code, ErrMsg: e.msg() + ", rid: " + rid}
}

// okEnvelope is the explicit {"errcode":0,"errmsg":"ok"} that some WeChat
// APIs send on success (getuserphonenumber, checksession,
// resetusersessionkey) while others send no errcode at all. The wire types
// omit a zero errcode, so the success bodies that need it embed them under
// this envelope, whose fields win over the embedded ones.
type okEnvelope struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

var okBody = okEnvelope{ErrCode: 0, ErrMsg: "ok"}

// writeWeChat writes a WeChat answer. WeChat has long served jscode2session
// as text/plain (a well-known trap for HTTP clients that insist on
// application/json) and its other APIs with the odd "encoding=utf-8"
// parameter; the fake copies both so that the client is tested against them.
func writeWeChat(w http.ResponseWriter, ep Endpoint, status int, body []byte) {
	contentType := "application/json; encoding=utf-8"
	if ep == EndpointJSCode2Session {
		contentType = "text/plain"
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	w.Write(body)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("fakewechat: encoding a response: " + err.Error())
	}
	return b
}

// maxBody bounds request bodies; WeChat's are a few hundred bytes.
const maxBody = 64 << 10

// decodeBody decodes a JSON request body into v. WeChat's POST APIs read JSON
// whatever the Content-Type says, so a form-encoded body fails here (47001
// for the WeChat APIs) rather than being parsed as a form.
func decodeBody(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return err
	}
	if len(b) > maxBody {
		return errors.New("body too large")
	}
	return json.Unmarshal(b, v)
}

// sleep waits d of real time, or until the client gives up. It reports
// whether the wait ran to the end.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
