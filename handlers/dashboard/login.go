package dashboard

import (
	"github.com/mpauth/mpauth/handlers/httpx"
	"github.com/mpauth/mpauth/services/admin"
	"math"
	"net/http"
	"time"

	ginsessions "github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"github.com/mpauth/mpauth/services"
)

type loginForm struct {
	Username string `form:"username"`
	Password string `form:"password"`
	Next     string `form:"next"`
}

type loginPage struct {
	layout
	Username string
	Next     string
	Error    string
}

func (a *Handler) loginForm(c *gin.Context) {
	next := localPath(c.Query("next"), "/admin/")
	if id, _ := ginsessions.Default(c).Get(sessionAdminKey).(int64); id != 0 {
		c.Redirect(http.StatusSeeOther, next)
		return
	}
	a.page(c, http.StatusOK, "login", loginPage{layout: a.layout(c, "Sign in", ""), Next: next})
}

// login checks the password and starts a session under a new id (the
// session store rotates it because the signed-in account changes).
func (a *Handler) login(c *gin.Context) {
	var f loginForm
	if !a.bind(c, &f) {
		return
	}
	next := localPath(f.Next, "/admin/")
	l := langOf(c)
	device, _ := c.Cookie(a.deviceCookie)
	signed, err := a.accounts.SignIn(c.Request.Context(), admin.SignInRequest{Username: f.Username, Password: f.Password, Device: device, Meta: httpx.Meta(c)})
	if err != nil {
		p := httpx.ProblemOf(err)
		msg := p.Message
		switch {
		case p.Code == services.CodeRateLimited && err != admin.ErrSignInBusy:
			msg = l.T("Too many failed sign-in attempts. Try again in %s.", waitText(l, p.RetryAfter))
		case p.Status >= 500:
			a.logger.ErrorContext(c.Request.Context(), "admin sign-in failed", "err", err.Error(), "request_id", httpx.RequestID(c))
		}
		httpx.SetRetryAfter(c, p)
		a.page(c, p.Status, "login", loginPage{layout: a.layout(c, "Sign in", ""), Username: f.Username, Next: next, Error: msg})
		return
	}
	sess := ginsessions.Default(c)
	sess.Clear()
	sess.Set(sessionAdminKey, signed.ID)
	if err := sess.Save(); err != nil {
		a.fail(c, err)
		return
	}
	// This browser is known to the account from now on: another's failed
	// guesses will not lock it out. It outlives the session and sign-out.
	http.SetCookie(c.Writer, &http.Cookie{
		Name: a.deviceCookie, Value: signed.Device, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: a.production, SameSite: http.SameSiteStrictMode,
	})
	c.Redirect(http.StatusSeeOther, next)
}

func (a *Handler) logout(c *gin.Context) {
	a.accounts.SignedOut(c.Request.Context(), adminOf(c), httpx.Meta(c))
	a.endSession(c)
	c.Redirect(http.StatusSeeOther, "/admin/login")
}

// setLang remembers the chosen language for a year and goes back.
func (a *Handler) setLang(c *gin.Context) {
	l, ok := parseLang(c.PostForm("lang"))
	if !ok {
		l = langZH
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: langCookie, Value: string(l), Path: "/admin", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: a.production, SameSite: http.SameSiteLaxMode,
	})
	c.Redirect(http.StatusSeeOther, localPath(c.PostForm("back"), "/admin/"))
}

// waitText says how long to wait, rounded up: "3 seconds", "15 minutes".
func waitText(l lang, d time.Duration) string {
	if d <= time.Minute {
		return l.T("%d seconds", int(math.Ceil(d.Seconds())))
	}
	return l.T("%d minutes", int(math.Ceil(d.Minutes())))
}
