package admin

import (
	"encoding/base64"
	"fmt"
	"github.com/mpauth/mpauth/services"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/wechat"
)

// PageSize is the number of rows on one dashboard page.
const PageSize = 50

// DisplayZone() is the dashboard's time zone: China Standard Time, the day
// WeChat bills by. Dates typed into filters are days in this zone.
func DisplayZone() *time.Location { return wechat.Beijing() }

// Search kinds: how to read the search box. SearchAuto guesses from the text.
const (
	SearchAuto          = ""
	SearchUserID        = "user_id"
	SearchWeChatID      = "wechat_id"      // openid or unionid, exact
	SearchPhone         = "phone"          // the whole number
	SearchPhoneLast4    = "phone_last4"    // exactly 4 digits
	SearchPhoneContains = "phone_contains" // 4 or more digits anywhere
)

// search is a parsed search box.
type search struct {
	userID   string
	wechatID string
	phone    models.PhoneMatch
}

func invalid(format string, args ...any) *services.Error {
	return &services.Error{Code: services.CodeInvalidRequest, Message: fmt.Sprintf(format, args...)}
}

// parseSearch reads the search box. A phone number may be typed with spaces,
// dashes or a +86 prefix; 11 digits starting with 1 are a mainland number.
func parseSearch(q, kind string) (search, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return search{}, nil
	}
	if len(q) > 64 {
		return search{}, invalid("The search text is too long.")
	}
	digits, phoneLike := phoneDigits(q)
	if kind == SearchAuto {
		switch {
		case isUUID(q):
			kind = SearchUserID
		case phoneLike && len(digits) == 4:
			kind = SearchPhoneLast4
		case phoneLike && (strings.HasPrefix(q, "+") || isMainlandNumber(digits) || len(digits) == 13 && strings.HasPrefix(digits, "861")):
			kind = SearchPhone
		case phoneLike:
			kind = SearchPhoneContains
		default:
			kind = SearchWeChatID
		}
	}
	switch kind {
	case SearchUserID:
		if !isUUID(q) {
			return search{}, invalid("A user id looks like 0190a6e4-7b1c-7def-8a2b-3c4d5e6f7a8b.")
		}
		return search{userID: strings.ToLower(q)}, nil
	case SearchWeChatID:
		for _, r := range q {
			if r <= ' ' || r > '~' {
				return search{}, invalid("An openid or unionid has only letters, digits, - and _.")
			}
		}
		return search{wechatID: q}, nil
	case SearchPhone:
		if !phoneLike || len(digits) < 5 {
			return search{}, invalid("Type the whole phone number, for example 13800138000 or +8613800138000.")
		}
		switch {
		case strings.HasPrefix(q, "+"):
			return search{phone: models.PhoneMatch{E164: "+" + digits}}, nil
		case isMainlandNumber(digits):
			return search{phone: models.PhoneMatch{E164: "+86" + digits}}, nil
		default:
			return search{phone: models.PhoneMatch{E164: "+" + digits}}, nil
		}
	case SearchPhoneLast4:
		if !phoneLike || len(digits) != 4 {
			return search{}, invalid("Type exactly the last 4 digits of the phone number.")
		}
		return search{phone: models.PhoneMatch{Last4: digits}}, nil
	case SearchPhoneContains:
		if !phoneLike || len(digits) < 4 {
			return search{}, invalid("Type at least 4 digits of the phone number.")
		}
		return search{phone: models.PhoneMatch{Digits: digits}}, nil
	}
	return search{}, invalid("Unknown search kind.")
}

// phoneDigits returns the digits of q when q is made of digits, spaces,
// dashes and a leading +.
func phoneDigits(q string) (string, bool) {
	var b strings.Builder
	for i, r := range q {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-':
		case r == '+' && i == 0:
		default:
			return "", false
		}
	}
	return b.String(), b.Len() > 0
}

func isMainlandNumber(d string) bool { return len(d) == 11 && d[0] == '1' }

func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// parseDay reads a YYYY-MM-DD date as midnight in DisplayZone(); end moves it
// to the next midnight, so that a "to" day is included in a half-open range.
func parseDay(s string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, DisplayZone())
	if err != nil {
		return time.Time{}, invalid("Write dates as YYYY-MM-DD, for example 2025-03-01.")
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return t.UTC(), nil
}

// parseMinute reads a datetime-local value (YYYY-MM-DDTHH:MM) in DisplayZone().
func parseMinute(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, DisplayZone()); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, invalid("Write times as YYYY-MM-DD HH:MM, for example 2025-03-01 09:30.")
}

// Cursors are opaque to the browser: base64 of the last row's key.

func encodeTimeKey(k models.TimeKey) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d.%s", k.At.UnixNano(), k.ID))
}

func decodeTimeKey(s string) (*models.TimeKey, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	nanos, id, ok := strings.Cut(string(b), ".")
	n, perr := strconv.ParseInt(nanos, 10, 64)
	if err != nil || !ok || perr != nil || !isUUID(id) {
		return nil, invalid("The page position is not valid; start from the first page.")
	}
	return &models.TimeKey{At: time.Unix(0, n).UTC(), ID: id}, nil
}

func encodeSerialKey(k models.SerialKey) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d.%d", k.At.UnixNano(), k.ID))
}

func decodeSerialKey(s string) (*models.SerialKey, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	nanos, id, ok := strings.Cut(string(b), ".")
	n, perr := strconv.ParseInt(nanos, 10, 64)
	i, ierr := strconv.ParseInt(id, 10, 64)
	if err != nil || !ok || perr != nil || ierr != nil {
		return nil, invalid("The page position is not valid; start from the first page.")
	}
	return &models.SerialKey{At: time.Unix(0, n).UTC(), ID: i}, nil
}

// maskE164 masks a stored E.164 number: 138****8000 for mainland numbers.
// For others the country code's length is unknown here (1 to 3 digits), so
// only as many trailing digits show as leave 4 of the national number
// hidden even after the longest country code: +*******345 for +3546112345.
func maskE164(e string) string {
	if rest, ok := strings.CutPrefix(e, "+86"); ok && len(rest) == 11 {
		return services.MaskPhone(rest)
	}
	digits := strings.TrimPrefix(e, "+")
	last := min(4, max(0, len(digits)-3-services.MinHiddenDigits))
	return "+" + strings.Repeat("*", len(digits)-last) + digits[len(digits)-last:]
}

// maskNumber masks a number given as country code and national number.
func maskNumber(cc, pure string) string {
	if cc == "86" {
		return services.MaskPhone(pure)
	}
	return "+" + cc + " " + services.MaskPhone(pure)
}

// checkFilterText refuses filter values no stored row can hold (NUL,
// invalid UTF-8, control characters) or that are too long to be an id,
// before they reach the database as an error.
func checkFilterText(values ...string) error {
	for _, v := range values {
		if len(v) > 128 || !utf8.ValidString(v) {
			return invalid("A filter value is too long or not text.")
		}
		for _, r := range v {
			if r < ' ' || r == 0x7f {
				return invalid("A filter value is too long or not text.")
			}
		}
	}
	return nil
}

// checkReason validates the reason an admin gives for a sensitive action.
func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", invalid("Give a reason: it is recorded in the admin audit log.")
	}
	if len([]rune(reason)) > 500 {
		return "", invalid("The reason is too long (500 characters at most).")
	}
	if !utf8.ValidString(reason) || strings.ContainsRune(reason, 0) {
		return "", invalid("The reason contains characters that cannot be stored.")
	}
	return reason, nil
}

func requireAdmin(who Principal) error {
	if !who.IsAdmin() {
		return &services.Error{Code: services.CodeForbidden, Message: "This needs the admin role; viewers see masked data only."}
	}
	return nil
}

func requireSignedIn(who Principal) error {
	if who.ID == 0 {
		return &services.Error{Code: services.CodeUnauthorized, Message: "Sign in again."}
	}
	return nil
}
