package handlers_test

import (
	"os"
	"testing"

	"github.com/gin-gonic/gin"
)

// Gin's mode is global to the process; tests run it in test mode, quiet.
func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}
