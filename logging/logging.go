// Package logging builds the process logger: JSON in production, text in
// development, and a redaction rule that every record passes through so a
// secret, token, code, session key or phone number never reaches a log line
// even when a caller forgets.
package logging

import (
	"io"
	"log/slog"
	"regexp"
	"strings"
)

// New returns a logger writing to w.
func New(w io.Writer, production bool, level string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: parseLevel(level), ReplaceAttr: Redact}
	if production {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func parseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}

// sensitiveKeys are attribute names whose values are always masked, named
// exactly: a suffix rule also hid error_code, on every line that says what
// went wrong. Secrets the code holds in types (wechat.SessionKey,
// config.Secret, …) mask themselves, whatever the key.
var sensitiveKeys = map[string]bool{
	"secret": true, "app_secret": true, "appsecret": true, "wechat_secret": true, "password": true,
	"token": true, "access_token": true, "refresh_token": true, "login_token": true,
	"session_key": true, "sessionkey": true, "code": true, "js_code": true, "phone_code": true,
	"authorization": true, "cookie": true, "encrypteddata": true, "encrypted_data": true, "iv": true,
	"phone": true, "phone_number": true, "signature": true, "database_url": true, "dsn": true,
}

// Phone numbers: mainland mobiles and E.164 numbers, wherever they appear.
var phonePattern = regexp.MustCompile(`\+?\d{0,3}[ -]?1[3-9]\d{9}|\+\d{8,15}`)

// Redact is a slog ReplaceAttr hook masking sensitive attributes.
func Redact(groups []string, a slog.Attr) slog.Attr {
	if sensitiveKeys[strings.ToLower(a.Key)] {
		return slog.String(a.Key, "***")
	}
	if a.Value.Kind() == slog.KindString {
		if v := a.Value.String(); hasDigitRun(v, 8) && phonePattern.MatchString(v) {
			return slog.String(a.Key, phonePattern.ReplaceAllString(v, "***"))
		}
	}
	return a
}

// hasDigitRun reports whether s has n digits in a row: every number the
// phone pattern matches does, and most values (paths, ids, durations) do not,
// so they skip the regular expression, which runs on every attribute of
// every access-log line.
func hasDigitRun(s string, n int) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			if run++; run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}
