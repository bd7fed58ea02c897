package dashboard

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

type demoPage struct {
	layout
	AppID string
}

// demo serves the page that plays a phone for newcomers. It is mounted only
// in demo mode, where the fake WeChat answers the device calls it makes.
func (a *Handler) demo(c *gin.Context) {
	a.page(c, http.StatusOK, "demo", demoPage{layout: a.layout(c, "Demo", "demo"), AppID: a.demoAppID})
}
