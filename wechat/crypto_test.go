package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// encryptForTest does what WeChat does to open data: AES-128-CBC with PKCS#7
// padding, everything base64 (StdEncoding).
func encryptForTest(t testing.TB, sessionKey SessionKey, iv []byte, plain []byte) (encryptedData, ivB64 string) {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(sessionKey.Reveal())
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	padded := append(bytes.Clone(plain), bytes.Repeat([]byte{byte(pad)}, pad)...)
	out := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, padded)
	return base64.StdEncoding.EncodeToString(out), base64.StdEncoding.EncodeToString(iv)
}

const (
	phoneJSON = `{"phoneNumber":"13580006666","purePhoneNumber":"13580006666","countryCode":"86","watermark":{"appid":"` + testAppID + `","timestamp":1477314187}}`
	otherKey  = SessionKey("tiihtNczf5v6AKRyjwEUhQ==")
)

var testIV = []byte("0123456789abcdef")

func TestDecryptPhoneRoundTrip(t *testing.T) {
	data, iv := encryptForTest(t, testSessionKey, testIV, []byte(phoneJSON))

	info, err := DecryptPhone(testSessionKey, data, iv)
	if err != nil {
		t.Fatal(err)
	}
	want := PhoneInfo{PhoneNumber: "13580006666", PurePhoneNumber: "13580006666", CountryCode: "86",
		Watermark: Watermark{AppID: testAppID, Timestamp: 1477314187}}
	if info != want {
		t.Errorf("info = %+v, want %+v", info, want)
	}
}

func TestDecryptOpenDataToleratesClientEncodings(t *testing.T) {
	// Find an IV whose ciphertext has a '+' in it, the character that a
	// form-encoded body turns into a space.
	var data, iv string
	for i := range 256 {
		ivBytes := bytes.Repeat([]byte{byte(i)}, 16)
		data, iv = encryptForTest(t, testSessionKey, ivBytes, []byte(phoneJSON))
		if strings.Contains(data, "+") {
			break
		}
	}
	if !strings.Contains(data, "+") {
		t.Fatal("premise: no ciphertext with '+' found")
	}
	tests := []struct {
		name          string
		key, data, iv string
	}{
		{"as sent", testSessionKey, data, iv},
		{"'+' arrived as ' '", testSessionKey, strings.ReplaceAll(data, "+", " "), strings.ReplaceAll(iv, "+", " ")},
		{"unpadded base64", strings.TrimRight(testSessionKey, "="), strings.TrimRight(data, "="), strings.TrimRight(iv, "=")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecryptOpenData(SessionKey(tt.key), tt.data, tt.iv)
			if err != nil || string(got) != phoneJSON {
				t.Errorf("DecryptOpenData = %q, %v", got, err)
			}
		})
	}
}

func TestDecryptOpenDataFailures(t *testing.T) {
	data, iv := encryptForTest(t, testSessionKey, testIV, []byte(phoneJSON))
	raw, _ := base64.StdEncoding.DecodeString(data)
	b64 := base64.StdEncoding.EncodeToString
	notJSON, _ := encryptForTest(t, testSessionKey, testIV, []byte("not json at all"))
	tamperedPad := bytes.Clone(raw)
	tamperedPad[len(tamperedPad)-17] ^= 0x01 // flips the last plaintext byte, a padding byte

	tests := []struct {
		name          string
		key, data, iv string
		reason        string
		stale         bool
	}{
		{"session key not base64", "not base64!", data, iv, ReasonBase64, false},
		{"session key of 15 bytes", b64(make([]byte, 15)), data, iv, ReasonKeyLength, false},
		{"session key of 32 bytes", b64(make([]byte, 32)), data, iv, ReasonKeyLength, false},
		{"iv not base64", testSessionKey, data, "%%%", ReasonBase64, false},
		{"iv of 8 bytes", testSessionKey, data, b64(make([]byte, 8)), ReasonIVLength, false},
		{"encryptedData not base64", testSessionKey, "***", iv, ReasonBase64, false},
		{"empty ciphertext", testSessionKey, "", iv, ReasonCiphertextLength, false},
		{"truncated ciphertext", testSessionKey, b64(raw[:len(raw)-1]), iv, ReasonCiphertextLength, false},
		{"ciphertext of 17 bytes", testSessionKey, b64(make([]byte, 17)), iv, ReasonCiphertextLength, false},
		{"bad padding", testSessionKey, b64(tamperedPad), iv, ReasonPadding, true},
		{"plaintext not JSON", testSessionKey, notJSON, iv, ReasonJSON, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecryptOpenData(SessionKey(tt.key), tt.data, tt.iv)
			var de *DecryptError
			if !errors.As(err, &de) || de.Reason != tt.reason {
				t.Fatalf("DecryptOpenData = %q, %v; want reason %s", got, err, tt.reason)
			}
			if errors.Is(err, ErrStaleSessionKey) != tt.stale {
				t.Errorf("errors.Is(%v, ErrStaleSessionKey) = %v, want %v", err, !tt.stale, tt.stale)
			}
		})
	}
}

func TestDecryptWithRotatedKeyIsStale(t *testing.T) {
	// The seed's trap: data made under one key, a later wx.login rotated it.
	for i := range 64 {
		iv := bytes.Repeat([]byte{byte(i)}, 16)
		data, ivB64 := encryptForTest(t, testSessionKey, iv, []byte(phoneJSON))
		if _, err := DecryptPhone(otherKey, data, ivB64); !errors.Is(err, ErrStaleSessionKey) {
			t.Fatalf("iv %d: err = %v, want ErrStaleSessionKey", i, err)
		}
	}
}

func TestDecryptPhoneRejectsJSONThatIsNoPhone(t *testing.T) {
	tests := []struct {
		plain, reason string
		stale         bool
	}{
		{`{}`, ReasonNoPhone, false},
		{`{"nickName":"x","watermark":{"appid":"wx1"}}`, ReasonNoPhone, false},
		{`[1,2]`, ReasonJSON, true},
		{`{"phoneNumber":5}`, ReasonJSON, true},
	}
	for _, tt := range tests {
		data, iv := encryptForTest(t, testSessionKey, testIV, []byte(tt.plain))
		_, err := DecryptPhone(testSessionKey, data, iv)
		var de *DecryptError
		if !errors.As(err, &de) || de.Reason != tt.reason || errors.Is(err, ErrStaleSessionKey) != tt.stale {
			t.Errorf("%s: err = %v, want reason %s (stale %v)", tt.plain, err, tt.reason, tt.stale)
		}
	}
}

func TestUnpadPKCS7(t *testing.T) {
	block := func(last ...byte) []byte {
		b := bytes.Repeat([]byte{'x'}, 32-len(last))
		return append(b, last...)
	}
	for pad := 1; pad <= 16; pad++ {
		b := block(bytes.Repeat([]byte{byte(pad)}, pad)...)
		if n, ok := unpadPKCS7(b); !ok || n != 32-pad {
			t.Errorf("pad %d: (%d, %v), want (%d, true)", pad, n, ok, 32-pad)
		}
	}
	for name, b := range map[string][]byte{
		"zero":         block(0),
		"seventeen":    block(17),
		"0xff":         block(0xff),
		"inconsistent": block(1, 3, 3),
		"one short":    block(bytes.Repeat([]byte{16}, 15)...),
	} {
		if _, ok := unpadPKCS7(b); ok {
			t.Errorf("%s: accepted", name)
		}
	}
}

func BenchmarkDecryptPhone(b *testing.B) {
	data, iv := encryptForTest(b, testSessionKey, testIV, []byte(phoneJSON))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecryptPhone(testSessionKey, data, iv); err != nil {
			b.Fatal(err)
		}
	}
}
