package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mpauth/mpauth/handlers/httpx"
	"github.com/mpauth/mpauth/services"
)

type loginRequest struct {
	Code  string `json:"code"`
	AppID string `json:"appid"`
}

type loginResponse struct {
	Token     string       `json:"token"`
	ExpiresAt string       `json:"expiresAt"`
	User      userResponse `json:"user"`
}

type userResponse struct {
	ID         string `json:"id"`
	PhoneBound bool   `json:"phoneBound"`
	IsNew      bool   `json:"isNew"`
}

func (h *Handler) login(c *gin.Context) {
	var req loginRequest
	if !h.bind(c, &req) {
		return
	}
	res, err := h.auth.Login(c.Request.Context(), services.LoginInput{Code: req.Code, AppID: req.AppID, Meta: httpx.Meta(c)})
	if err != nil {
		h.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, loginResponse{
		Token:     res.Token,
		ExpiresAt: res.ExpiresAt.Format(time.RFC3339),
		User:      userResponse{ID: res.UserID, PhoneBound: res.PhoneBound, IsNew: res.IsNew},
	})
}

// bind decodes a JSON body, answering invalid_request when it cannot.
func (h *Handler) bind(c *gin.Context, v any) bool {
	if err := httpx.BindJSON(c, v); err != nil {
		h.fail(c, err)
		return false
	}
	return true
}
