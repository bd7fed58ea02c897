package dashboard

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/mpauth/mpauth/services/admin"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// renderer holds every page's template, parsed once at start-up: a broken
// template stops the server from starting instead of failing a request.
// Each page is the layout and partials plus its own file, once per language
// with "t" bound to it, and escaped at start-up too: cloning a template per
// request to bind the language re-ran html/template's escaper every time,
// which was 9 % of the server's CPU on the dashboard.
type renderer struct {
	pages  map[pageKey]*template.Template
	assets map[string]string // "css/admin.css" → "/admin/static/css/admin.css?v=<hash>"
}

type pageKey struct {
	page string
	lang lang
}

func newRenderer(templates, static fs.FS) (*renderer, error) {
	r := &renderer{pages: map[pageKey]*template.Template{}, assets: map[string]string{}}
	err := fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		r.assets[p] = staticPrefix + p + "?v=" + hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static assets: %w", err)
	}
	base, err := template.New("layout.html").Funcs(r.funcs()).ParseFS(templates, "layout.html", "partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	files, err := fs.Glob(templates, "pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		page := strings.TrimSuffix(path.Base(f), ".html")
		for _, l := range []lang{langZH, langEN} {
			t, err := template.Must(base.Clone()).ParseFS(templates, f)
			if err != nil {
				return nil, fmt.Errorf("templates: %w", err)
			}
			t.Funcs(template.FuncMap{"t": l.T})
			// html/template escapes on first execution: do it now, so an
			// escaping error stops the start-up. (Executing with no data
			// fails later on, harmlessly.)
			var escErr *template.Error
			if err := t.ExecuteTemplate(io.Discard, "layout", nil); errors.As(err, &escErr) {
				return nil, fmt.Errorf("templates: %s: %w", f, err)
			}
			r.pages[pageKey{page, l}] = t
		}
	}
	return r, nil
}

// render executes a page into a buffer and sends it whole: a template error
// halfway never ships half a page.
func (r *renderer) render(c *gin.Context, status int, page string, l lang, data any) error {
	t, ok := r.pages[pageKey{page, l}]
	if !ok {
		return fmt.Errorf("no template for page %q in %q", page, l)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", page, err)
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("Content-Length", strconv.Itoa(buf.Len()))
	c.Status(status)
	_, err := c.Writer.Write(buf.Bytes())
	return err
}

func (r *renderer) funcs() template.FuncMap {
	return template.FuncMap{
		// t is bound to each language's copy of the page; this one only
		// lets the templates parse.
		"t":     func(s string, args ...any) string { return fmt.Sprintf(s, args...) },
		"asset": r.asset,
		"when":  formatWhen,
		"day":   func(t time.Time) string { return t.In(admin.DisplayZone()).Format("01-02") },
		"num":   formatNumber,
		"pct":   func(f float64) string { return strconv.FormatFloat(f*100, 'f', 1, 64) + "%" },
		"ago":   formatAge,
		"fmt":   func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
		"plus":  func(a, b int) int { return a + b },
		"minus": func(a, b int) int { return a - b },
		"deref": deref,
		// short keeps a UUID's random tail: a UUIDv7's head is its timestamp,
		// the same for every user created in the same millisecond.
		"short": func(id string) string {
			if len(id) > 12 {
				return "…" + id[len(id)-12:]
			}
			return id
		},
		"actionClass": actionClass,
	}
}

func (r *renderer) asset(name string) (string, error) {
	u, ok := r.assets[name]
	if !ok {
		return "", fmt.Errorf("no static asset %q", name)
	}
	return u, nil
}

func deref(v any) any {
	switch x := v.(type) {
	case *string:
		if x != nil {
			return *x
		}
	case *int:
		if x != nil {
			return *x
		}
	}
	return ""
}

// actionClass colours an admin audit action: red for what goes wrong or
// blocks, amber for what exposes data, green for the ordinary.
func actionClass(action string) string {
	switch action {
	case "sign_in_failed", "sign_in_locked", "block_user":
		return "bad"
	case "reveal_phone", "export", "revoke_session", "revoke_all_sessions", "reset_password":
		return "warn"
	case "sign_in", "unblock_user":
		return "ok"
	}
	return "info"
}

// formatWhen shows a time in the dashboard's zone; nil or zero shows a dash.
func formatWhen(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x != nil {
			t = *x
		}
	}
	if t.IsZero() {
		return "—"
	}
	return t.In(admin.DisplayZone()).Format("2006-01-02 15:04:05")
}

// formatNumber groups digits by thousands: 1,234,567.
func formatNumber(v any) string {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatAge shows a duration rounded to a readable unit.
func formatAge(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + "m"
	default:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

// staticHandler serves the embedded css/ js/ img/ folders. URLs carry a
// content hash, so the files may be cached for good.
func staticHandler(static fs.FS) gin.HandlerFunc {
	files := http.StripPrefix(staticPrefix, http.FileServerFS(static))
	return func(c *gin.Context) {
		if strings.HasSuffix(c.Param("filepath"), "/") { // no directory listings
			c.AbortWithStatus(http.StatusNotFound)
			return
		}
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
		files.ServeHTTP(c.Writer, c.Request)
	}
}

const staticPrefix = "/admin/static/"
