package wechat

import "testing"

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
