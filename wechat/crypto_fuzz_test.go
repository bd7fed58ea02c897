package wechat

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzDecryptOpenData checks that no input makes decryption panic, that
// every failure is a *DecryptError, and that a success is JSON. The seed
// corpus lives in testdata/fuzz/FuzzDecryptOpenData.
func FuzzDecryptOpenData(f *testing.F) {
	data, iv := encryptForTest(f, testSessionKey, testIV, []byte(phoneJSON))
	f.Add(testSessionKey, data, iv)
	f.Add(string(otherKey), data, iv)
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, key, encryptedData, iv string) {
		plain, err := DecryptOpenData(SessionKey(key), encryptedData, iv)
		if err != nil {
			var de *DecryptError
			if !errors.As(err, &de) || plain != nil {
				t.Fatalf("DecryptOpenData = %q, %v; want nil and a *DecryptError", plain, err)
			}
			return
		}
		if !json.Valid(plain) {
			t.Fatalf("success with non-JSON plaintext %q", plain)
		}
	})
}
