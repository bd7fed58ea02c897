package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/mpauth/mpauth/handlers/httpx"
	"github.com/mpauth/mpauth/services"
)

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

type boundResponse struct {
	Phone phoneResponse `json:"phone"`
}

func (h *Handler) phone(c *gin.Context) {
	var req phoneRequest
	if !h.bind(c, &req) {
		return
	}
	who, meta := principalOf(c), httpx.Meta(c)
	var (
		res services.MaskedPhone
		err error
	)
	switch {
	case strings.Contains(req.ErrMsg, "deny") || strings.Contains(req.ErrMsg, "fail"):
		err = &services.Error{Code: services.CodeInvalidRequest, Message: "The user declined to share the phone number; nothing to bind."}
	case req.Code != "":
		res, err = h.phones.BindByCode(c.Request.Context(), who, req.Code, meta)
	case req.EncryptedData != "" || req.IV != "":
		res, err = h.phones.BindByEncryptedData(c.Request.Context(), who, req.EncryptedData, req.IV, meta)
	case req.CloudID != "":
		err = &services.Error{Code: services.CodeNotSupported, Message: "cloudID only works inside WeChat cloud development; send \"code\" (base library 2.21.2+) or \"encryptedData\" and \"iv\"."}
	default:
		err = &services.Error{Code: services.CodeInvalidRequest, Message: "Send the getPhoneNumber event detail: \"code\", or \"encryptedData\" and \"iv\"."}
	}
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, boundResponse{Phone: phoneResponse{CountryCode: res.CountryCode, Masked: res.Masked}})
}
