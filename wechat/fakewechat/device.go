package fakewechat

import (
	"encoding/json"
	"net/http"
)

// The device routes play the phone: what the mini program's wx.login,
// getPhoneNumber button and wx.checkSession would return to the simulated
// user. Their bodies are plain JSON; a failure is HTTP 400 with {"error"}.

// DeviceUser names a simulated user of one app: the body of
// POST /_device/checksession and POST /_admin/expire-session.
type DeviceUser struct {
	AppID string `json:"appid"`
	User  string `json:"user"`
}

// DeviceLoginRequest is the body of POST /_device/login.
type DeviceLoginRequest struct {
	AppID string `json:"appid"`
	User  string `json:"user"`
	// UnionID asks for a unionid in this code's code2Session answer.
	UnionID bool `json:"unionid"`
}

// DeviceLoginResponse is the answer of POST /_device/login: wx.login's result.
type DeviceLoginResponse struct {
	Code string `json:"code"`
}

// DevicePhoneRequest is the body of POST /_device/phone; the answer is a
// PhoneEvent.
type DevicePhoneRequest struct {
	AppID string `json:"appid"`
	User  string `json:"user"`
	Phone string `json:"phone"`
}

// DeviceCheckSessionResponse is the answer of POST /_device/checksession.
type DeviceCheckSessionResponse struct {
	OK bool `json:"ok"`
}

func (s *Server) handleDeviceLogin(w http.ResponseWriter, r *http.Request) {
	var req DeviceLoginRequest
	if err := decodeBody(r, &req); err != nil {
		writeJSONError(w, http.StatusBadRequest, err)
		return
	}
	code, err := s.DeviceLogin(req.AppID, req.User, req.UnionID)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, http.StatusOK, DeviceLoginResponse{Code: code})
}

func (s *Server) handleDevicePhone(w http.ResponseWriter, r *http.Request) {
	var req DevicePhoneRequest
	if err := decodeBody(r, &req); err != nil {
		writeJSONError(w, http.StatusBadRequest, err)
		return
	}
	ev, err := s.DevicePhone(req.AppID, req.User, req.Phone)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, http.StatusOK, ev)
}

func (s *Server) handleDeviceCheckSession(w http.ResponseWriter, r *http.Request) {
	var req DeviceUser
	if err := decodeBody(r, &req); err != nil {
		writeJSONError(w, http.StatusBadRequest, err)
		return
	}
	ok, err := s.DeviceCheckSession(req.AppID, req.User)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, http.StatusOK, DeviceCheckSessionResponse{OK: ok})
}

// writeJSON answers the fake's own routes (device, admin, stats).
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeJSONError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, struct {
		Error string `json:"error"`
	}{err.Error()})
}
