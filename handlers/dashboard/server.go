package dashboard

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	ginsessions "github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"github.com/mpauth/mpauth/handlers/httpx"
	"github.com/mpauth/mpauth/services"
	"github.com/mpauth/mpauth/services/admin"
	"github.com/mpauth/mpauth/static"
	"github.com/mpauth/mpauth/templates"
)

// Handler serves the admin dashboard under /admin/: server-rendered pages
// over the admin services.
type Handler struct {
	accounts  *admin.Accounts
	sessions  *admin.Sessions
	dashboard *admin.Dashboard
	logger    *slog.Logger
	timeout   time.Duration
	demoAppID string // the fake WeChat's app, for /demo; "" outside demo mode

	render       *renderer
	store        *sessionStore
	cookieName   string
	deviceCookie string // names a browser that signed in before (see admin.SignInPolicy)
	cop          *http.CrossOriginProtection
	production   bool
}

// Deps are what the dashboard needs.
type Deps struct {
	Accounts       *admin.Accounts
	Sessions       *admin.Sessions
	Dashboard      *admin.Dashboard
	Logger         *slog.Logger
	Production     bool
	RequestTimeout time.Duration
	DemoAppID      string // serve /demo for this app (demo mode only)
}

// New builds the dashboard: it parses the templates, so a broken one stops
// the start-up, and makes the session store.
func New(d Deps) (*Handler, error) {
	r, err := newRenderer(templates.FS, static.FS)
	if err != nil {
		return nil, err
	}
	h := &Handler{
		accounts: d.Accounts, sessions: d.Sessions, dashboard: d.Dashboard,
		logger: d.Logger, timeout: d.RequestTimeout, demoAppID: d.DemoAppID, production: d.Production,
		render: r, cop: http.NewCrossOriginProtection(),
		// The __Host- prefix makes the browser refuse the cookie unless it is
		// Secure, host-only and for path /: no subdomain can plant or read it.
		cookieName: "mpauth_admin", deviceCookie: "mpauth_admin_device",
	}
	if d.Production {
		h.cookieName, h.deviceCookie = "__Host-mpauth_admin", "__Host-mpauth_admin_device"
	}
	h.store = &sessionStore{sessions: d.Sessions}
	h.store.Options(h.cookieOptions(0))
	return h, nil
}

// cookieOptions: HttpOnly (no script reads the id), SameSite=Lax (no
// cross-site POST carries it), Secure in production. No Max-Age: the cookie
// dies with the browser, and the server ends the session on its own clock.
func (a *Handler) cookieOptions(maxAge int) ginsessions.Options {
	return ginsessions.Options{Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: a.production, SameSite: http.SameSiteLaxMode}
}

type adminKey struct{}

// adminOf is the typed accessor for the signed-in admin.
func adminOf(c *gin.Context) admin.Principal {
	v, _ := c.Get(adminKey{})
	p, _ := v.(admin.Principal)
	return p
}

// securityHeaders: no inline script may run (CSP), no site may frame the
// dashboard, and no page with personal data is cached.
func (a *Handler) securityHeaders(c *gin.Context) {
	setAdminSecurityHeaders(c, a.production)
	c.Next()
}

func setAdminSecurityHeaders(c *gin.Context, production bool) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	h.Set("Cache-Control", "no-store")
	if production {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

// crossOrigin refuses state-changing requests sent by another site (CSRF),
// with the standard library's Sec-Fetch-Site / Origin check.
func (a *Handler) crossOrigin(c *gin.Context) {
	if err := a.cop.Check(c.Request); err != nil {
		a.errorPage(c, http.StatusForbidden, "This form was sent from another site, so it was refused.")
		return
	}
	c.Next()
}

// requireSignIn lets signed-in admins through and sends everyone else to
// the sign-in page. The account is re-read on every request, so disabling
// it or changing its role takes effect at once.
func (a *Handler) requireSignIn(c *gin.Context) {
	sess := ginsessions.Default(c)
	id, _ := sess.Get(sessionAdminKey).(int64)
	if id == 0 {
		a.toSignIn(c)
		return
	}
	who, err := a.accounts.Principal(c.Request.Context(), id)
	if services.ErrorCode(err) == services.CodeUnauthorized {
		a.endSession(c)
		a.toSignIn(c)
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Set(adminKey{}, who)
	c.Next()
}

func (a *Handler) toSignIn(c *gin.Context) {
	target := "/admin/login"
	if c.Request.Method == http.MethodGet && c.Request.URL.Path != "/admin/" {
		target += "?next=" + url.QueryEscape(c.Request.URL.Path)
	}
	c.Redirect(http.StatusSeeOther, target)
	c.Abort()
}

// endSession deletes the session row and its cookie.
func (a *Handler) endSession(c *gin.Context) {
	sess := ginsessions.Default(c)
	sess.Clear()
	sess.Options(a.cookieOptions(-1))
	if err := sess.Save(); err != nil {
		a.logger.ErrorContext(c.Request.Context(), "end admin session", "err", err.Error())
	}
}

// flash queues a message for the next page (after a redirect).
func (a *Handler) flash(c *gin.Context, kind, msg string) {
	sess := ginsessions.Default(c)
	sess.AddFlash(msg, kind)
	if err := sess.Save(); err != nil {
		a.logger.ErrorContext(c.Request.Context(), "save flash", "err", err.Error())
	}
}

const (
	flashOK  = "ok"
	flashErr = "err"
)

// layout is what every page shares: language, navigation, the signed-in
// admin and the messages left by the previous request.
type layout struct {
	Lang    lang
	Title   string
	Nav     string
	Admin   *admin.Principal
	Path    string
	Notices []string
	Errors  []string
}

func (a *Handler) layout(c *gin.Context, title, nav string) layout {
	l := layout{Lang: langOf(c), Title: title, Nav: nav, Path: c.Request.URL.Path}
	if who := adminOf(c); who.ID != 0 {
		l.Admin = &who
	}
	if _, ok := c.Get(ginsessions.DefaultKey); !ok {
		return l
	}
	sess := ginsessions.Default(c)
	// Reading flashes writes the session: only do it when there are some.
	if sess.Get("_flash") == nil && sess.Get(flashOK) == nil && sess.Get(flashErr) == nil {
		return l
	}
	for _, f := range sess.Flashes(flashOK) {
		if s, ok := f.(string); ok {
			l.Notices = append(l.Notices, s)
		}
	}
	for _, f := range sess.Flashes(flashErr) {
		if s, ok := f.(string); ok {
			l.Errors = append(l.Errors, s)
		}
	}
	if err := sess.Save(); err != nil {
		a.logger.ErrorContext(c.Request.Context(), "save session", "err", err.Error())
	}
	return l
}

// page renders a page, or the 500 page when rendering fails.
func (a *Handler) page(c *gin.Context, status int, name string, data any) {
	if err := a.render.render(c, status, name, langOf(c), data); err != nil {
		a.logger.ErrorContext(c.Request.Context(), "render page", "page", name, "err", err.Error(), "request_id", httpx.RequestID(c))
		a.errorPage(c, http.StatusInternalServerError, "")
	}
	c.Abort()
}

type errorPageData struct {
	layout
	Status  int
	Heading string
	Message string
}

// errorPage renders 403, 404, 500 and the like in the dashboard's style.
func (a *Handler) errorPage(c *gin.Context, status int, message string) {
	heading := map[int]string{
		http.StatusBadRequest:       "The request could not be used",
		http.StatusForbidden:        "Not allowed",
		http.StatusNotFound:         "Page not found",
		http.StatusMethodNotAllowed: "Not allowed",
		http.StatusConflict:         "Conflict",
	}[status]
	if heading == "" {
		heading = "Something went wrong"
		if status < 500 {
			heading = "The request could not be used"
		}
	}
	if message == "" {
		switch {
		case status == http.StatusNotFound:
			message = "There is nothing at this address."
		case status >= 500:
			message = "Something went wrong on our side; try again later."
		}
	}
	data := errorPageData{layout: a.layout(c, heading, ""), Status: status, Heading: heading, Message: message}
	if err := a.render.render(c, status, "error", langOf(c), data); err != nil {
		a.logger.ErrorContext(c.Request.Context(), "render error page", "err", err.Error())
		c.String(status, http.StatusText(status))
	}
	c.Abort()
}

// fail shows an error as a page, classified by the one error table: its
// message for client errors, a generic one (and a log line with the cause)
// for server errors. An ended sign-in goes back to the sign-in page.
func (a *Handler) fail(c *gin.Context, err error) {
	p := httpx.ProblemOf(err)
	if p.Code == services.CodeUnauthorized {
		a.toSignIn(c)
		return
	}
	msg := p.Message
	if p.Status >= 500 {
		a.logger.ErrorContext(c.Request.Context(), "admin request failed", "error_code", string(p.Code), "err", err.Error(), "route", httpx.Route(c), "request_id", httpx.RequestID(c))
		msg = ""
	}
	httpx.SetRetryAfter(c, p)
	a.errorPage(c, p.Status, msg)
}

// localPath accepts only a path inside the dashboard, so a crafted link
// cannot send a signed-in admin to another site.
func localPath(p, fallback string) string {
	if !strings.HasPrefix(p, "/admin/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") || strings.Contains(p, "/../") {
		return fallback
	}
	return p
}

// Fallback answers a request no route matched, under /admin/, with the
// dashboard's 404 (or 405) page; for any other path it passes to the next
// handler (the API's JSON answer).
func (a *Handler) Fallback(c *gin.Context) {
	if c.Request.URL.Path != "/admin" && !strings.HasPrefix(c.Request.URL.Path, "/admin/") {
		c.Next()
		return
	}
	setAdminSecurityHeaders(c, a.production)
	status, msg := http.StatusNotFound, ""
	if c.Writer.Status() == http.StatusMethodNotAllowed {
		status, msg = http.StatusMethodNotAllowed, "This address does not accept that kind of request."
	}
	a.errorPage(c, status, msg)
}

// inlineError says whether a list's error is shown above the list, with the
// form kept, rather than as an error page: a search the visitor can correct
// (invalid), may not make (forbidden) or must wait for (rate limited).
func (a *Handler) inlineError(c *gin.Context, err error) (msg string, status int, ok bool) {
	p := httpx.ProblemOf(err)
	switch p.Code {
	case services.CodeInvalidRequest, services.CodeForbidden, services.CodeRateLimited:
		httpx.SetRetryAfter(c, p)
		return p.Message, p.Status, true
	}
	return "", 0, false
}

// messageOf is a service error's message for the visitor.
func messageOf(err error) string {
	var se *services.Error
	if errors.As(err, &se) {
		return se.Message
	}
	return ""
}
