package wechat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// SessionSignature is the signature checksession and resetusersessionkey
// expect: lowercase hex of HMAC-SHA256 over the empty string, keyed with the
// session_key exactly as WeChat returned it (its base64 text as bytes, not
// the decoded 16 bytes). SDKs have shipped raw bytes instead of hex here.
func SessionSignature(key SessionKey) string {
	mac := hmac.New(sha256.New, []byte(key.Reveal()))
	return hex.EncodeToString(mac.Sum(nil))
}
