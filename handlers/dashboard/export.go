package dashboard

import (
	"encoding/csv"
	"github.com/mpauth/mpauth/handlers/httpx"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/mpauth/mpauth/services/admin"
)

// exportForm is the hidden copy of a list's filter plus the export choices.
type exportForm struct {
	Unmasked bool   `form:"unmasked"`
	Reason   string `form:"reason"`
}

func (f exportForm) request() admin.ExportRequest {
	return admin.ExportRequest{Unmasked: f.Unmasked, Reason: f.Reason}
}

func (a *Handler) exportUsers(c *gin.Context) {
	var f userListForm
	var e exportForm
	if !a.bind(c, &f) || !a.bind(c, &e) {
		return
	}
	phoneCol := "phone_masked"
	if e.Unmasked {
		phoneCol = "phone"
	}
	header := []string{"user_id", "created_at", "status", "nickname", "apps", "openids", phoneCol, "last_login_at"}
	a.streamCSV(c, "users", header, func(write func(...string) error) error {
		return a.dashboard.ExportUsers(c.Request.Context(), adminOf(c), f.query(), e.request(), httpx.Meta(c), func(r admin.UserRow) error {
			phone := r.Phone
			if e.Unmasked {
				phone = r.FullPhone
			}
			return write(r.ID, csvTime(r.CreatedAt), r.Status, r.Nickname, strings.Join(r.Apps, ";"), strings.Join(r.OpenIDs, ";"), phone, csvTime(r.LastLoginAt))
		})
	})
}

func (a *Handler) exportPhones(c *gin.Context) {
	var f phoneListForm
	var e exportForm
	if !a.bind(c, &f) || !a.bind(c, &e) {
		return
	}
	phoneCol := "phone_masked"
	if e.Unmasked {
		phoneCol = "phone"
	}
	header := []string{"user_id", "country_code", phoneCol, "source", "app_id", "bound_at"}
	a.streamCSV(c, "phone-bindings", header, func(write func(...string) error) error {
		return a.dashboard.ExportPhones(c.Request.Context(), adminOf(c), f.query(), e.request(), httpx.Meta(c), func(r admin.PhoneRow) error {
			phone := r.Masked
			if e.Unmasked {
				phone = r.FullPhone
			}
			return write(r.UserID, r.CountryCode, phone, r.Source, r.AppID, csvTime(r.BoundAt))
		})
	})
}

func (a *Handler) exportLoginAudit(c *gin.Context) {
	var f loginAuditForm
	if !a.bind(c, &f) {
		return
	}
	header := []string{"id", "created_at", "event", "result", "app_id", "user_id", "wechat_errcode", "error_code", "reason", "ip", "user_agent", "request_id"}
	a.streamCSV(c, "login-audit", header, func(write func(...string) error) error {
		return a.dashboard.ExportLoginAudit(c.Request.Context(), adminOf(c), f.query(), httpx.Meta(c), func(r admin.LoginAuditRow) error {
			errcode := ""
			if r.WeChatErrCode != nil {
				errcode = strconv.Itoa(*r.WeChatErrCode)
			}
			user := ""
			if r.UserID != nil {
				user = *r.UserID
			}
			return write(strconv.FormatInt(r.ID, 10), csvTime(r.CreatedAt), r.Event, r.Result, r.AppID, user, errcode, r.ErrorCode, r.Reason, r.IP, r.UserAgent, r.RequestID)
		})
	})
}

func (a *Handler) exportAdminAudit(c *gin.Context) {
	var f adminAuditForm
	if !a.bind(c, &f) {
		return
	}
	header := []string{"id", "created_at", "admin", "action", "target_type", "target_id", "reason", "ip", "detail"}
	a.streamCSV(c, "admin-audit", header, func(write func(...string) error) error {
		return a.dashboard.ExportAdminAudit(c.Request.Context(), adminOf(c), f.query(), httpx.Meta(c), func(r admin.AdminAuditRow) error {
			return write(strconv.FormatInt(r.ID, 10), csvTime(r.CreatedAt), r.AdminName, r.Action, r.TargetType, r.TargetID, r.Reason, r.IP, r.Detail)
		})
	})
}

// streamCSV sends rows as they come: one batch of rows in memory at a time,
// flushed to the client per batch, however many rows there are. The file
// starts with a UTF-8 byte order mark, without which Excel reads Chinese
// as mojibake. The response starts with the first row (or at the end, for
// an empty export), so a refused export still gets a proper error page.
func (a *Handler) streamCSV(c *gin.Context, name string, header []string, run func(write func(...string) error) error) {
	var w *csv.Writer
	rc := http.NewResponseController(c.Writer)
	rows := 0
	start := func() error {
		h := c.Writer.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="`+name+"-"+time.Now().In(admin.DisplayZone()).Format("20060102-150405")+`.csv"`)
		c.Status(http.StatusOK)
		if _, err := c.Writer.WriteString("\ufeff"); err != nil {
			return err
		}
		w = csv.NewWriter(c.Writer)
		return w.Write(header)
	}
	err := run(func(record ...string) error {
		if w == nil {
			if err := start(); err != nil {
				return err
			}
		}
		for i, cell := range record {
			record[i] = csvCell(cell)
		}
		if err := w.Write(record); err != nil {
			return err
		}
		if rows++; rows%500 == 0 {
			w.Flush()
			if err := w.Error(); err != nil {
				return err
			}
			// A long export keeps the connection as long as rows keep flowing.
			_ = rc.SetWriteDeadline(time.Now().Add(time.Minute))
			_ = rc.Flush()
		}
		return nil
	})
	if err != nil && w == nil {
		a.fail(c, err)
		return
	}
	if err != nil {
		// Half a file has been sent; all that is left is to cut it short, so
		// the download shows as failed rather than complete.
		a.logger.WarnContext(c.Request.Context(), "export stopped", "export", name, "rows", rows, "err", err.Error(), "request_id", httpx.RequestID(c))
		panic(http.ErrAbortHandler)
	}
	if w == nil {
		if err := start(); err != nil {
			return
		}
	}
	w.Flush()
}

// csvCell defuses spreadsheet formulas (CSV injection). A spreadsheet runs
// a cell that starts with = + - @, a tab or a carriage return, and Excel
// and WPS also take the full-width ＝ ＋ － ＠ that Chinese input methods
// type. And a cell is not only where the CSV says: a spreadsheet told to
// split at another character (";" in much of Europe, a tab, a space, "|",
// ":", whatever its user picks) starts a new cell after it. So wherever a
// formula's first character follows anything but a letter or a digit (or
// starts the text), it gets a ' in front, which shows it as text. Nothing
// but these quotes is added (OWASP's advice, extended to every cell a
// spreadsheet may cut out of the text).
func csvCell(s string) string {
	var out strings.Builder
	out.Grow(len(s) + 1)
	prev := rune(-1)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if strings.ContainsRune(formulaStarts, r) && (prev < 0 || !unicode.IsLetter(prev) && !unicode.IsDigit(prev)) {
			out.WriteByte('\'')
		}
		out.WriteString(s[i : i+size])
		prev = r
		i += size
	}
	return out.String()
}

const formulaStarts = "=+-@\t\r＝＋－＠"

func csvTime(v any) string {
	s := formatWhen(v)
	if s == "—" {
		return ""
	}
	return s
}
