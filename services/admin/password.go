package admin

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Password rules: NIST SP 800-63B lengths, any script. Passwords are
// NFKC-normalised first, so the same password typed on a Mac (decomposed
// accents) and on Windows (composed) is one password.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 128 // characters, not bytes: 128 Chinese characters are allowed
)

// argon2id parameters from the OWASP Password Storage Cheat Sheet: 19 MiB of
// memory, 2 iterations, 1 lane. Stored in each hash (PHC string format), so
// raising them later re-hashes nobody and still verifies everybody.
const (
	argonMemoryKiB = 19456
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

var errPasswordLength = fmt.Errorf("a password is %d to %d characters long", MinPasswordLen, MaxPasswordLen)

// CheckNewPassword reports why a password cannot be set, or nil.
func CheckNewPassword(pw string) error {
	if !utf8.ValidString(pw) {
		return errors.New("the password is not valid UTF-8")
	}
	n := utf8.RuneCountInString(norm.NFKC.String(pw))
	if n < MinPasswordLen || n > MaxPasswordLen {
		return errPasswordLength
	}
	return nil
}

// HashPassword returns the argon2id PHC string of pw.
func HashPassword(pw string) (string, error) {
	if err := CheckNewPassword(pw); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(norm.NFKC.String(pw)), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches the PHC string, in constant time
// for a given hash.
func VerifyPassword(encoded, pw string) bool {
	if len(pw) > 8*MaxPasswordLen { // no valid password is longer; bounds the work a caller can ask for
		return false
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var mem, iters uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iters, &threads); err != nil || mem == 0 || iters == 0 || threads == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(norm.NFKC.String(pw)), salt, iters, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
