package fakewechat

import (
	"errors"
	"net/http"
	"time"
)

// The admin routes steer the fake from outside the process (demo mode, a
// standalone fake): they mirror AddFault, ClearFaults, InvalidateAccessToken
// and ExpireSession, and answer 204 or 400 with {"error"}.

// faultRequest is the body of POST /_admin/faults: Fault with the latency in
// milliseconds.
type faultRequest struct {
	Endpoint   Endpoint `json:"endpoint"`
	Times      int      `json:"times"`
	ErrCode    int      `json:"errcode"`
	HTTPStatus int      `json:"http_status"`
	Malformed  bool     `json:"malformed"`
	LatencyMS  int      `json:"latency_ms"`
	RiskyUser  string   `json:"risky_user"`
	AppID      string   `json:"appid"`
}

func (s *Server) handleAddFault(w http.ResponseWriter, r *http.Request) {
	var req faultRequest
	if err := decodeBody(r, &req); err != nil {
		writeJSONError(w, http.StatusBadRequest, errors.New("fakewechat: body is not a fault: "+err.Error()))
		return
	}
	err := s.AddFault(Fault{
		Endpoint:   req.Endpoint,
		Times:      req.Times,
		ErrCode:    req.ErrCode,
		HTTPStatus: req.HTTPStatus,
		Malformed:  req.Malformed,
		Latency:    time.Duration(req.LatencyMS) * time.Millisecond,
		RiskyUser:  req.RiskyUser,
		AppID:      req.AppID,
	})
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleClearFaults(w http.ResponseWriter, r *http.Request) {
	s.ClearFaults()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleInvalidateToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		AppID string `json:"appid"`
	}
	if err := decodeBody(r, &req); err != nil {
		writeJSONError(w, http.StatusBadRequest, err)
		return
	}
	if _, ok := s.apps[req.AppID]; !ok {
		writeJSONError(w, http.StatusBadRequest, ErrUnknownApp)
		return
	}
	s.InvalidateAccessToken(req.AppID)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleExpireSession(w http.ResponseWriter, r *http.Request) {
	var req DeviceUser
	if err := decodeBody(r, &req); err != nil {
		writeJSONError(w, http.StatusBadRequest, err)
		return
	}
	if _, ok := s.apps[req.AppID]; !ok {
		writeJSONError(w, http.StatusBadRequest, ErrUnknownApp)
		return
	}
	s.ExpireSession(req.AppID, req.User)
	w.WriteHeader(http.StatusNoContent)
}
