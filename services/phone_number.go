package services

import (
	"errors"
	"strings"
)

// MaskPhone keeps the first three and last four digits: 138****8000. Shorter
// numbers keep only the last two.
func MaskPhone(pure string) string {
	n := len(pure)
	switch {
	case n >= 11:
		return pure[:3] + strings.Repeat("*", n-7) + pure[n-4:]
	case n >= 7:
		return pure[:2] + strings.Repeat("*", n-6) + pure[n-4:]
	case n > 2:
		return strings.Repeat("*", n-2) + pure[n-2:]
	default:
		return strings.Repeat("*", n)
	}
}

// NormalizePhone builds the E.164 form from WeChat's countryCode and
// purePhoneNumber (which never carries the prefix).
func NormalizePhone(countryCode, pure string) (e164, cc, number string, err error) {
	cc = strings.TrimPrefix(strings.TrimSpace(countryCode), "+")
	number = strings.TrimSpace(pure)
	if cc == "" {
		cc = "86"
	}
	if !allDigits(cc) || len(cc) > 3 {
		return "", "", "", errors.New("country code is not 1-3 digits")
	}
	if !allDigits(number) || len(number) < 4 {
		return "", "", "", errors.New("number is not digits")
	}
	if len(cc)+len(number) > 15 {
		return "", "", "", errors.New("number longer than E.164 allows")
	}
	if cc == "86" && (len(number) != 11 || number[0] != '1') {
		return "", "", "", errors.New("not a mainland mobile number")
	}
	return "+" + cc + number, cc, number, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
