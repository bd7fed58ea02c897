package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// spec is the mini-program API contract, served at /api/openapi.yaml and
// checked against the routes by a test.
//
//go:embed openapi.yaml
var spec []byte

func (h *Handler) openAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/yaml; charset=utf-8", spec)
}
