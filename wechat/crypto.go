package wechat

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// Reasons a DecryptError gives, also used as the metric label.
const (
	ReasonBase64           = "base64"
	ReasonKeyLength        = "key_length"
	ReasonIVLength         = "iv_length"
	ReasonCiphertextLength = "ciphertext_length"
	ReasonPadding          = "padding"
	ReasonJSON             = "json"
	ReasonNoPhone          = "no_phone" // JSON, but not a phone number: the client sent other open data
)

// ErrStaleSessionKey matches (errors.Is) a decryption that failed the way a
// wrong session_key fails: bad padding or garbage instead of JSON. The usual
// cause is that the mini program called wx.login after the data was made,
// which rotated the key; the client must log in again and retry.
var ErrStaleSessionKey = errors.New("wechat: session_key does not fit the data (stale after a new wx.login?)")

// DecryptError says why open data could not be decrypted. It never carries
// any of the inputs.
type DecryptError struct {
	Reason string // one of the Reason constants
}

func (e *DecryptError) Error() string {
	return "wechat: decrypt open data: " + e.Reason
}

// Is makes errors.Is(err, ErrStaleSessionKey) true for the failures a
// rotated session_key produces.
func (e *DecryptError) Is(target error) bool {
	return target == ErrStaleSessionKey && (e.Reason == ReasonPadding || e.Reason == ReasonJSON)
}

// DecryptOpenData decrypts the encryptedData of a mini-program open-data
// event (phone number, user info, WeRun, share info): AES-128-CBC with
// PKCS#7 padding, key = base64(session_key), iv = base64(iv). It returns the
// plaintext only if it is JSON; checking the watermark is the caller's job
// (CheckWatermark).
func DecryptOpenData(sessionKey SessionKey, encryptedData, iv string) ([]byte, error) {
	plain, padded, err := decryptCBC(sessionKey, encryptedData, iv)
	if err != nil {
		return nil, err
	}
	// A wrong key passes the padding check about once in 256 tries; the
	// garbage it leaves is not JSON. The JSON check runs whatever the
	// padding said, so a bad padding and bad JSON cost the same time.
	valid := json.Valid(plain)
	switch {
	case !padded:
		return nil, &DecryptError{Reason: ReasonPadding}
	case !valid:
		return nil, &DecryptError{Reason: ReasonJSON}
	}
	return plain, nil
}

// DecryptPhone decrypts the legacy getPhoneNumber encryptedData.
func DecryptPhone(sessionKey SessionKey, encryptedData, iv string) (PhoneInfo, error) {
	plain, padded, err := decryptCBC(sessionKey, encryptedData, iv)
	if err != nil {
		return PhoneInfo{}, err
	}
	// json.Unmarshal checks that the whole input is valid JSON before it
	// decodes anything, so it is also DecryptOpenData's garbage check: a
	// second json.Valid pass would double the cost of a decryption. It runs
	// whatever the padding said (see DecryptOpenData).
	var info PhoneInfo
	jsonErr := json.Unmarshal(plain, &info)
	switch {
	case !padded:
		return PhoneInfo{}, &DecryptError{Reason: ReasonPadding}
	case jsonErr != nil:
		return PhoneInfo{}, &DecryptError{Reason: ReasonJSON}
	case info.PhoneNumber == "" && info.PurePhoneNumber == "":
		return PhoneInfo{}, &DecryptError{Reason: ReasonNoPhone}
	}
	return info, nil
}

// decryptCBC decodes the inputs, decrypts and strips the padding, without
// looking at what the plaintext says. With a bad padding (padded false) it
// returns the whole plaintext, for the caller to spend the same work on it.
func decryptCBC(sessionKey SessionKey, encryptedData, iv string) (plain []byte, padded bool, err error) {
	// The key and the IV are decoded into stack buffers: with the plaintext
	// written over the decoded ciphertext, a decryption allocates only what
	// it returns and what AES needs.
	var keyBuf, ivBuf [32]byte
	key, ok := decodeBase64Into(keyBuf[:], sessionKey.Reveal())
	if !ok {
		return nil, false, &DecryptError{Reason: ReasonBase64}
	}
	if len(key) != 16 {
		return nil, false, &DecryptError{Reason: ReasonKeyLength}
	}
	ivBytes, ok := decodeBase64Into(ivBuf[:], iv)
	if !ok {
		return nil, false, &DecryptError{Reason: ReasonBase64}
	}
	if len(ivBytes) != aes.BlockSize {
		return nil, false, &DecryptError{Reason: ReasonIVLength}
	}
	data, ok := decodeBase64(encryptedData)
	if !ok {
		return nil, false, &DecryptError{Reason: ReasonBase64}
	}
	if len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, false, &DecryptError{Reason: ReasonCiphertextLength}
	}

	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, false, &DecryptError{Reason: ReasonKeyLength}
	}
	plain = data // CBC decryption may work in place
	cipher.NewCBCDecrypter(block, ivBytes).CryptBlocks(plain, data)

	n, padded := unpadPKCS7(plain)
	return plain[:n], padded, nil
}

// decodeBase64 accepts padded and unpadded standard base64, and spaces where
// a form-encoded body turned '+' into ' '.
func decodeBase64(s string) ([]byte, bool) {
	return decodeBase64Into(nil, s)
}

// decodeBase64Into is decodeBase64 writing into buf when it is large enough
// (a new slice otherwise).
func decodeBase64Into(buf []byte, s string) ([]byte, bool) {
	s = strings.ReplaceAll(s, " ", "+")
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
		dst := buf
		if need := enc.DecodedLen(len(s)); len(dst) < need {
			dst = make([]byte, need)
		}
		if n, err := enc.Decode(dst, []byte(s)); err == nil {
			return dst[:n], true
		}
	}
	return nil, false
}

// unpadPKCS7 returns the length of b without its PKCS#7 padding. It reads
// the whole last block whatever the padding byte says, so that its timing
// does not tell which padding byte was wrong. len(b) must be a positive
// multiple of the block size.
func unpadPKCS7(b []byte) (int, bool) {
	last := b[len(b)-aes.BlockSize:]
	pad := int(last[aes.BlockSize-1])
	good := subtle.ConstantTimeLessOrEq(1, pad) & subtle.ConstantTimeLessOrEq(pad, aes.BlockSize)
	for i := range aes.BlockSize {
		inPad := subtle.ConstantTimeLessOrEq(i+1, pad)
		same := subtle.ConstantTimeByteEq(last[aes.BlockSize-1-i], byte(pad))
		good &= (1 ^ inPad) | same
	}
	return len(b) - pad*good, good == 1
}
