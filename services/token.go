package services

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// newLoginToken returns 256 random bits, URL-safe, and the SHA-256 that is
// all the database ever sees of it.
func newLoginToken() (token string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is how a login token is looked up.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
