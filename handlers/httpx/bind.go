package httpx

import (
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"

	"github.com/mpauth/mpauth/services"
)

// BindJSON decodes a JSON body into v; every failure is invalid_request (a
// body past the route's limit: ErrBodyTooLarge, 413).
func BindJSON(c *gin.Context, v any) error {
	return bindError(c.ShouldBindWith(v, binding.JSON), "The request body is not the JSON object this endpoint expects.")
}

// BindForm decodes a form (query or body) into v, as BindJSON does.
func BindForm(c *gin.Context, v any) error {
	return bindError(c.ShouldBind(v), "The form could not be read.")
}

func bindError(err error, message string) error {
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooBig):
		return ErrBodyTooLarge
	case errors.Is(err, io.EOF):
		return &services.Error{Code: services.CodeInvalidRequest, Message: "The request body is empty; send a JSON object.", Cause: err}
	}
	return &services.Error{Code: services.CodeInvalidRequest, Message: message, Cause: err}
}
