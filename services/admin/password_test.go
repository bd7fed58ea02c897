package admin_test

import (
	"strings"
	"testing"

	"github.com/mpauth/mpauth/services/admin"
)

func TestPasswordHashesAreArgon2idWithOWASPParameters(t *testing.T) {
	h, err := admin.HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not argon2id m=19456 t=2 p=1", h)
	}
	if !admin.VerifyPassword(h, "correct horse battery staple") {
		t.Error("the password does not verify")
	}
	if admin.VerifyPassword(h, "correct horse battery stapler") {
		t.Error("another password verifies")
	}
	if h2, _ := admin.HashPassword("correct horse battery staple"); h2 == h {
		t.Error("two hashes of one password are equal: no salt")
	}
}

func TestPasswordRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		pw   string
		ok   bool
	}{
		{"8 characters", "abcdefgh", true},
		{"7 characters", "abcdefg", false},
		{"128 Chinese characters", strings.Repeat("密", 128), true},
		{"129 Chinese characters", strings.Repeat("密", 129), false},
		{"emoji and Cyrillic", "пароль🔑🔑", true},
		{"not UTF-8", "abcdefg\xff", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := admin.CheckNewPassword(tc.pw); (err == nil) != tc.ok {
				t.Errorf("CheckNewPassword: %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestVerifyRejectsMalformedHashesAndHugeInputs(t *testing.T) {
	h, _ := admin.HashPassword("abcdefgh")
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", strings.Replace(h, "v=19", "v=16", 1), strings.Replace(h, "m=19456", "m=0", 1)} {
		if admin.VerifyPassword(bad, "abcdefgh") {
			t.Errorf("%q verifies", bad)
		}
	}
	if admin.VerifyPassword(h, strings.Repeat("a", 5000)) {
		t.Error("a 5000-byte password verifies")
	}
}
