package services

import (
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

func TestMaskedNumbersKeepThreeAndFour(t *testing.T) {
	for in, want := range map[string]string{"+8613800138000": "138****8000", "+85261234567": "+852****4567"} {
		if got := maskE164(in); got != want {
			t.Errorf("maskE164(%s) = %s, want %s", in, got, want)
		}
	}
	if got := maskNumber("852", "61234567"); got != "+852 61**4567" {
		t.Errorf("maskNumber = %s", got)
	}
}

func TestFilterDatesAreBeijingDaysAndHalfOpen(t *testing.T) {
	from, err := parseDay("2025-03-01", "from", false)
	to, err2 := parseDay("2025-03-01", "to", true)
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
