package handlers

import (
	"errors"
	"math"
	"net/http"
	"strconv"
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

func (a *AdminDeps) loginForm(c *gin.Context) {
	next := localPath(c.Query("next"), "/admin/")
	if id, _ := ginsessions.Default(c).Get(sessionAdminKey).(int64); id != 0 {
		c.Redirect(http.StatusSeeOther, next)
		return
	}
	a.page(c, http.StatusOK, "login", loginPage{layout: a.layout(c, "Sign in", ""), Next: next})
}

// login checks the password and starts a session under a new id (the
// session store rotates it because the signed-in account changes).
func (a *AdminDeps) login(c *gin.Context) {
	var f loginForm
	_ = c.ShouldBind(&f)
	next := localPath(f.Next, "/admin/")
	l := langOf(c)
	device, _ := c.Cookie(a.deviceCookie)
	signed, err := a.Admins.SignIn(c.Request.Context(), services.SignInRequest{Username: f.Username, Password: f.Password, Device: device, Meta: metaOf(c)})
	if err != nil {
		var se *services.Error
		status, msg := http.StatusInternalServerError, "Something went wrong on our side; try again later."
		if errors.As(err, &se) {
			if st, ok := statusOf[se.Code]; ok {
				status = st
			}
			switch se.Code {
			case services.CodeUnauthorized, services.CodeInvalidRequest:
				msg = se.Message
			case services.CodeRateLimited:
				msg = l.T("Too many failed sign-in attempts. Try again in %s.", waitText(l, se.RetryAfter))
				if se == services.ErrSignInBusy {
					msg = se.Message
				}
				c.Header("Retry-After", formatSeconds(se.RetryAfter))
			case services.CodeServiceUnavailable:
				msg = "The service is busy; try again in a moment."
			}
		}
		if status >= 500 {
			a.logger.ErrorContext(c.Request.Context(), "admin sign-in failed", "err", err.Error(), "request_id", requestIDOf(c))
		}
		a.page(c, status, "login", loginPage{layout: a.layout(c, "Sign in", ""), Username: f.Username, Next: next, Error: msg})
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

func (a *AdminDeps) logout(c *gin.Context) {
	a.Admins.SignedOut(c.Request.Context(), adminOf(c), metaOf(c))
	a.endSession(c)
	c.Redirect(http.StatusSeeOther, "/admin/login")
}

// setLang remembers the chosen language for a year and goes back.
func (a *AdminDeps) setLang(c *gin.Context) {
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

func formatSeconds(d time.Duration) string {
	return strconv.Itoa(int(math.Ceil(d.Seconds())))
}
