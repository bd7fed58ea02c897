package services

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/wechat"
)

// Meta is what the HTTP layer knows about a request, for the audit trail.
type Meta struct {
	IP        string
	UserAgent string
	RequestID string
}

// auditRow builds a login_audit row; err (nil on success) supplies our error
// code, WeChat's errcode and the precise reason, which stays server-side.
func auditRow(event, appID, userID string, m Meta, err error) *models.LoginAudit {
	row := &models.LoginAudit{
		AppID: appID, Event: event, Result: models.ResultSuccess,
		IP: Clip(m.IP, 64), UserAgent: Clip(m.UserAgent, 512), RequestID: Clip(m.RequestID, 64),
	}
	if userID != "" {
		row.UserID = &userID
	}
	if err != nil {
		row.Result = models.ResultFailure
		row.ErrorCode = string(ErrorCode(err))
		row.Reason = Clip(reasonOf(err), 500)
		var we *wechat.Error
		if errors.As(err, &we) && we.ErrCode != 0 {
			code := we.ErrCode
			row.WeChatErrCode = &code
		}
	}
	return row
}

// reasonOf is the precise cause for the audit log: the wrapped cause when
// there is one (already redacted by the wechat package), else the message.
func reasonOf(err error) string {
	var se *Error
	if errors.As(err, &se) && se.Cause != nil {
		return se.Cause.Error()
	}
	return err.Error()
}

// writeFailureAudit records a failed attempt outside any transaction (the
// failed operation wrote nothing else). The audit trail must not vanish with
// a rolled-back transaction, so failures are written on their own.
func writeFailureAudit(ctx context.Context, st *models.Store, log *slog.Logger, row *models.LoginAudit) {
	// A cancelled request still deserves its audit row.
	ctx = context.WithoutCancel(ctx)
	if err := st.AppendLoginAudit(ctx, row); err != nil {
		log.ErrorContext(ctx, "audit write failed", "event", row.Event, "err", err.Error(), "request_id", row.RequestID)
	}
}

// Clip bounds a client-supplied string and keeps it valid UTF-8 without NUL
// (PostgreSQL text cannot hold it), so hostile input cannot bloat the audit
// table or turn a lookup into a database error.
func Clip(s string, n int) string {
	if !utf8.ValidString(s) {
		s = string([]rune(s)) // replaces invalid bytes with U+FFFD
	}
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
