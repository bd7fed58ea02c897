package admin

import (
	"github.com/mpauth/mpauth/services"
	"strings"
	"testing"

	"github.com/mpauth/mpauth/models"
)

func TestSearchBoxIsReadAsTheRightKindOfSearch(t *testing.T) {
	const uid = "0190a6e4-7b1c-7def-8a2b-3c4d5e6f7a8b"
	for _, tc := range []struct {
		q, kind string
		want    search
		bad     bool
	}{
		{"", SearchAuto, search{}, false},
		{uid, SearchAuto, search{userID: uid}, false},
		{"0190A6E4-7B1C-7DEF-8A2B-3C4D5E6F7A8B", SearchUserID, search{userID: uid}, false},
		{"oX8Ab0_-zz", SearchAuto, search{wechatID: "oX8Ab0_-zz"}, false},
		{"13800138000", SearchAuto, search{phone: models.PhoneMatch{E164: "+8613800138000"}}, false},
		{"138 0013 8000", SearchAuto, search{phone: models.PhoneMatch{E164: "+8613800138000"}}, false},
		{"+852 6123 4567", SearchAuto, search{phone: models.PhoneMatch{E164: "+85261234567"}}, false},
		{"8613800138000", SearchAuto, search{phone: models.PhoneMatch{E164: "+8613800138000"}}, false},
		{"8000", SearchAuto, search{phone: models.PhoneMatch{Last4: "8000"}}, false},
		{"8000", SearchPhoneContains, search{phone: models.PhoneMatch{Digits: "8000"}}, false},
		{"380013", SearchAuto, search{phone: models.PhoneMatch{Digits: "380013"}}, false},
		{"123", SearchAuto, search{}, true},
		{"12345", SearchPhoneLast4, search{}, true},
		{"abc", SearchPhone, search{}, true},
		{"not-a-uuid", SearchUserID, search{}, true},
		{"has space", SearchWeChatID, search{}, true},
		{"x", "nonsense", search{}, true},
	} {
		got, err := parseSearch(tc.q, tc.kind)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("parseSearch(%q, %q) = %+v, %v; want %+v, bad=%v", tc.q, tc.kind, got, err, tc.want, tc.bad)
		}
	}
}

// A mask always hides at least 4 digits of the national number, so that
// confirming a guess by a whole-number search takes 10,000 tries.
func TestMasksHideAtLeastFourDigits(t *testing.T) {
	for in, want := range map[string]string{
		"13800138000": "138****8000", "61234567": "****4567", "6112345": "****345",
		"123456789012345": "123********2345", "1234": "****", "12345": "****5",
	} {
		if got := services.MaskPhone(in); got != want {
			t.Errorf("services.MaskPhone(%s) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"+8613800138000": "138****8000", "+85261234567": "+*******4567", "+3546112345": "+*******345", "+29012345": "+*******5",
	} {
		if got := maskE164(in); got != want {
			t.Errorf("maskE164(%s) = %s, want %s", in, got, want)
		}
	}
	if got := maskNumber("852", "61234567"); got != "+852 ****4567" {
		t.Errorf("maskNumber = %s", got)
	}
	for n := 4; n <= 15; n++ {
		pure := strings.Repeat("7", n)
		if hidden := strings.Count(services.MaskPhone(pure), "*"); hidden < services.MinHiddenDigits {
			t.Errorf("a %d-digit number hides %d digits", n, hidden)
		}
		if shows4 := !strings.Contains(services.MaskPhone(pure)[n-4:], "*"); shows4 != (n >= services.Last4ShownFrom) {
			t.Errorf("a %d-digit number shows its last 4: %v, want %v", n, shows4, n >= services.Last4ShownFrom)
		}
	}
}

func TestFilterDatesAreBeijingDaysAndHalfOpen(t *testing.T) {
	from, err := parseDay("2025-03-01", false)
	to, err2 := parseDay("2025-03-01", true)
	if err != nil || err2 != nil {
		t.Fatal(err, err2)
	}
	if got := from.Format("2006-01-02 15:04"); got != "2025-02-28 16:00" {
		t.Errorf("from = %s UTC, want the start of 1 March in Beijing", got)
	}
	if to.Sub(from).Hours() != 24 {
		t.Errorf("a one-day range is %s long", to.Sub(from))
	}
}
