package logging

import (
	"bytes"
	"strings"
	"testing"
)

func TestRedactMasksSecretsWhateverTheCallerPassed(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, true, "debug")
	log.Info("login",
		"session_key", "c2Vzc2lvbmtleXNlY3JldA==",
		"access_token", "ACCESS_TOKEN_VALUE",
		"code", "0a1b2c3d4e",
		"wechat_secret", "APPSECRET_VALUE",
		"Authorization", "Bearer TOKENVALUE",
		"note", "user called from 13800138000 and +14155550123",
		"route", "/api/v1/login",
	)
	out := buf.String()
	for _, secret := range []string{"c2Vzc2lvbmtleXNlY3JldA==", "ACCESS_TOKEN_VALUE", "0a1b2c3d4e", "APPSECRET_VALUE", "TOKENVALUE", "13800138000", "14155550123"} {
		if strings.Contains(out, secret) {
			t.Errorf("log line leaks %q: %s", secret, out)
		}
	}
	if !strings.Contains(out, "/api/v1/login") {
		t.Errorf("harmless attribute was masked: %s", out)
	}
}

// Saying what went wrong is not a secret: error_code and wechat_errcode
// must survive, or every 5xx line hides its cause.
func TestRedactKeepsErrorCodes(t *testing.T) {
	var buf bytes.Buffer
	New(&buf, true, "debug").Error("request failed", "error_code", "service_unavailable", "wechat_errcode", 40029, "phone_code", "PHONECODE1")
	out := buf.String()
	for _, want := range []string{`"error_code":"service_unavailable"`, `"wechat_errcode":40029`} {
		if !strings.Contains(out, want) {
			t.Errorf("log line lacks %s: %s", want, out)
		}
	}
	if strings.Contains(out, "PHONECODE1") {
		t.Errorf("log line leaks the phone code: %s", out)
	}
}
