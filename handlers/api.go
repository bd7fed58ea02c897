package handlers

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mpauth/mpauth/services"
)

// APIDeps serve the mini-program API.
type APIDeps struct {
	Auth    *services.Auth
	Phones  *services.Phones
	OpenAPI []byte // the contract, served at /api/openapi.yaml
	errs    func(c *gin.Context, err error)
}

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

type meUser struct {
	ID         string         `json:"id"`
	PhoneBound bool           `json:"phoneBound"`
	Phone      *phoneResponse `json:"phone"`
	CreatedAt  string         `json:"createdAt"`
}

// phoneRequest is the getPhoneNumber button's e.detail, forwarded as is.
type phoneRequest struct {
	Code          string `json:"code"`
	EncryptedData string `json:"encryptedData"`
	IV            string `json:"iv"`
	CloudID       string `json:"cloudID"`
	ErrMsg        string `json:"errMsg"`
}

type phoneResponse struct {
	CountryCode string `json:"countryCode"`
	Masked      string `json:"masked"`
}

type meResponse struct {
	User meUser `json:"user"`
}

func (a *APIDeps) login(c *gin.Context) {
	var req loginRequest
	if !a.bind(c, &req) {
		return
	}
	res, err := a.Auth.Login(c.Request.Context(), services.LoginInput{Code: req.Code, AppID: req.AppID, Meta: metaOf(c)})
	if err != nil {
		a.errs(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, loginResponse{
		Token:     res.Token,
		ExpiresAt: res.ExpiresAt.Format(time.RFC3339),
		User:      userResponse{ID: res.UserID, PhoneBound: res.PhoneBound, IsNew: res.IsNew},
	})
}

func (a *APIDeps) phone(c *gin.Context) {
	var req phoneRequest
	if !a.bind(c, &req) {
		return
	}
	who := principalOf(c)
	var (
		res services.MaskedPhone
		err error
	)
	switch {
	case strings.Contains(req.ErrMsg, "deny") || strings.Contains(req.ErrMsg, "fail"):
		err = &services.Error{Code: services.CodeInvalidRequest, Message: "The user declined to share the phone number; nothing to bind."}
	case req.Code != "":
		res, err = a.Phones.BindByCode(c.Request.Context(), who, req.Code, metaOf(c))
	case req.EncryptedData != "" || req.IV != "":
		res, err = a.Phones.BindByEncryptedData(c.Request.Context(), who, req.EncryptedData, req.IV, metaOf(c))
	case req.CloudID != "":
		err = &services.Error{Code: services.CodeNotSupported, Message: "cloudID only works inside WeChat cloud development; send \"code\" (base library 2.21.2+) or \"encryptedData\" and \"iv\"."}
	default:
		err = &services.Error{Code: services.CodeInvalidRequest, Message: "Send the getPhoneNumber event detail: \"code\", or \"encryptedData\" and \"iv\"."}
	}
	if err != nil {
		a.errs(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"phone": phoneResponse{CountryCode: res.CountryCode, Masked: res.Masked}})
}

func (a *APIDeps) me(c *gin.Context) {
	prof, err := a.Auth.Me(c.Request.Context(), principalOf(c))
	if err != nil {
		a.errs(c, err)
		return
	}
	u := meUser{ID: prof.UserID, PhoneBound: prof.Phone != nil, CreatedAt: prof.CreatedAt.UTC().Format(time.RFC3339)}
	if prof.Phone != nil {
		u.Phone = &phoneResponse{CountryCode: prof.Phone.CountryCode, Masked: prof.Phone.Masked}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, meResponse{User: u})
}

func (a *APIDeps) logout(c *gin.Context) {
	if err := a.Auth.Logout(c.Request.Context(), principalOf(c), metaOf(c)); err != nil {
		a.errs(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (a *APIDeps) openAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/yaml; charset=utf-8", a.OpenAPI)
}

type principalKey struct{}

// authenticate resolves the bearer token; the handlers behind it read the
// caller through principalOf.
func (a *APIDeps) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		token, ok = strings.CutPrefix(h, "bearer ")
	}
	if !ok {
		a.errs(c, &services.Error{Code: services.CodeUnauthorized, Message: "Send the login token as \"Authorization: Bearer <token>\"."})
		return
	}
	p, err := a.Auth.Authenticate(c.Request.Context(), strings.TrimSpace(token))
	if err != nil {
		a.errs(c, err)
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

func metaOf(c *gin.Context) services.Meta {
	return services.Meta{IP: c.ClientIP(), UserAgent: c.Request.UserAgent(), RequestID: requestIDOf(c)}
}

// bind decodes a JSON body; every failure becomes invalid_request (413 for
// an oversized body) through the one error mapper.
func (a *APIDeps) bind(c *gin.Context, v any) bool {
	err := c.ShouldBindJSON(v)
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(c, http.StatusRequestEntityTooLarge, string(services.CodeInvalidRequest), "The request body is too large.")
	case errors.Is(err, io.EOF):
		a.errs(c, &services.Error{Code: services.CodeInvalidRequest, Message: "The request body is empty; send a JSON object."})
	default:
		a.errs(c, &services.Error{Code: services.CodeInvalidRequest, Message: "The request body is not the JSON object this endpoint expects.", Cause: err})
	}
	return false
}
