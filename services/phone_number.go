package services

import (
	"errors"
	"strings"
)

// MaskPhone hides at least 4 digits of a national number, whatever its
// length, and shows at most the first 3 and the last 4: 138****8000 for a
// mainland mobile, ****5678 for an 8-digit Hong Kong number, ****567 for a
// 7-digit one. Fewer hidden digits would let a guess at the rest succeed too
// soon (a viewer may confirm a whole number by searching for it).
func MaskPhone(pure string) string {
	n := len(pure)
	hidden := max(MinHiddenDigits, n-7)
	if hidden >= n {
		return strings.Repeat("*", n)
	}
	shown := n - hidden
	last := min(4, shown)
	first := shown - last
	return pure[:first] + strings.Repeat("*", hidden) + pure[n-last:]
}

// MinHiddenDigits is how many digits a mask hides at least: 10,000 guesses.
const MinHiddenDigits = 4

// Last4ShownFrom is the length from which a masked number shows its last
// 4 digits: a search by the last 4 tells a viewer nothing more about such
// numbers, and is not offered for shorter ones.
const Last4ShownFrom = 4 + MinHiddenDigits

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
