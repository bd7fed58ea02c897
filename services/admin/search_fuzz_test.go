package admin

import (
	"github.com/mpauth/mpauth/services"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseSearch: any search box input and kind gives a clear error or a
// search whose parts are safe to hand to the database (bounded, digits only
// for phones, printable ASCII for openids).
func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{"13800138000", "+86 138-0013-8000", "8000", "0013", "oAbc_-123", "0190a6e4-7b1c-7def-8a2b-3c4d5e6f7a8b",
		"' OR 1=1 --", "%_%", "<script>", "\xff\xfe", "+", "1234567890123456789012345678901234567890123456789012345678901234567890"} {
		for _, kind := range []string{SearchAuto, SearchPhone, SearchPhoneLast4, SearchPhoneContains, SearchWeChatID, SearchUserID, "bogus"} {
			f.Add(s, kind)
		}
	}
	f.Fuzz(func(t *testing.T, q, kind string) {
		s, err := parseSearch(q, kind)
		if err != nil {
			if services.ErrorCode(err) != services.CodeInvalidRequest {
				t.Fatalf("parseSearch(%q, %q) error code %s", q, kind, services.ErrorCode(err))
			}
			return
		}
		for _, d := range []string{s.phone.Last4, s.phone.Digits, strings.TrimPrefix(s.phone.E164, "+")} {
			if strings.Trim(d, "0123456789") != "" {
				t.Fatalf("phone part %q of %q is not digits", d, q)
			}
		}
		if len(s.wechatID) > 64 || !utf8.ValidString(s.wechatID) || strings.ContainsAny(s.wechatID, " \x00\n") {
			t.Fatalf("wechat id %q from %q", s.wechatID, q)
		}
		if s.userID != "" && !isUUID(s.userID) {
			t.Fatalf("user id %q from %q", s.userID, q)
		}
	})
}
