package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mpauth/mpauth/handlers/httpx"
	"github.com/mpauth/mpauth/services"
)

type meResponse struct {
	User meUser `json:"user"`
}

type meUser struct {
	ID         string         `json:"id"`
	PhoneBound bool           `json:"phoneBound"`
	Phone      *phoneResponse `json:"phone"`
	CreatedAt  string         `json:"createdAt"`
}

func (h *Handler) me(c *gin.Context) {
	prof, err := h.auth.Me(c.Request.Context(), principalOf(c))
	if err != nil {
		h.fail(c, err)
		return
	}
	u := meUser{ID: prof.UserID, PhoneBound: prof.Phone != nil, CreatedAt: prof.CreatedAt.UTC().Format(time.RFC3339)}
	if prof.Phone != nil {
		u.Phone = &phoneResponse{CountryCode: prof.Phone.CountryCode, Masked: prof.Phone.Masked}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, meResponse{User: u})
}

func (h *Handler) logout(c *gin.Context) {
	if err := h.auth.Logout(c.Request.Context(), principalOf(c), httpx.Meta(c)); err != nil {
		h.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type principalKey struct{}

// authenticate resolves the bearer token; the handlers behind it read the
// caller through principalOf.
func (h *Handler) authenticate(c *gin.Context) {
	header := c.GetHeader("Authorization")
	token, ok := strings.CutPrefix(header, "Bearer ")
	if !ok {
		token, ok = strings.CutPrefix(header, "bearer ")
	}
	if !ok {
		h.fail(c, &services.Error{Code: services.CodeUnauthorized, Message: "Send the login token as \"Authorization: Bearer <token>\"."})
		return
	}
	p, err := h.auth.Authenticate(c.Request.Context(), strings.TrimSpace(token))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.Set(principalKey{}, p)
	c.Next()
}

// principalOf is the typed accessor for the authenticated caller.
func principalOf(c *gin.Context) services.Principal {
	v, _ := c.Get(principalKey{})
	p, _ := v.(services.Principal)
	return p
}
