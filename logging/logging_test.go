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
