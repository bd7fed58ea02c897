package wechat

import (
	"crypto/aes"
	"encoding/base64"
	"errors"
	"testing"
)

// BenchmarkDecryptPhoneParallel decrypts on every core at once: the target
// is 200k decryptions a second per core (5µs each), and a legacy phone
// request may try two keys.
func BenchmarkDecryptPhoneParallel(b *testing.B) {
	data, iv := encryptForTest(b, testSessionKey, testIV, []byte(phoneJSON))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := DecryptPhone(testSessionKey, data, iv); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDecryptWrongKey is the failure path an attacker or a stale key
// takes: padding check, no JSON.
func BenchmarkDecryptWrongKey(b *testing.B) {
	data, iv := encryptForTest(b, testSessionKey, testIV, []byte(phoneJSON))
	b.ReportAllocs()
	for b.Loop() {
		DecryptPhone(otherKey, data, iv)
	}
}

// BenchmarkDecryptFailure compares the two failures a padding oracle needs
// told apart: a wrong padding and valid padding over bad JSON. Both run the
// same steps (decrypt, unpad, JSON scan), so they should cost the same.
func BenchmarkDecryptFailure(b *testing.B) {
	data, iv := encryptForTest(b, testSessionKey, testIV, []byte(phoneJSON))
	raw, _ := base64.StdEncoding.DecodeString(data)
	ivRaw, _ := base64.StdEncoding.DecodeString(iv)
	badJSON := append([]byte{}, ivRaw...)
	badJSON[0] ^= 1 // first plaintext byte no longer '{'; padding untouched
	badPadding := append([]byte{}, raw...)
	badPadding[len(raw)-aes.BlockSize-1] ^= 0x40 // the last padding byte, same length
	for _, c := range []struct {
		name     string
		data, iv string
		reason   string
	}{
		{"padding", base64.StdEncoding.EncodeToString(badPadding), iv, ReasonPadding},
		{"json", data, base64.StdEncoding.EncodeToString(badJSON), ReasonJSON},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, err := DecryptPhone(testSessionKey, c.data, c.iv)
				var de *DecryptError
				if !errors.As(err, &de) || de.Reason != c.reason {
					b.Fatalf("err = %v, want %s", err, c.reason)
				}
			}
		})
	}
}
