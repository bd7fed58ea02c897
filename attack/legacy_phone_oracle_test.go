package attack

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The legacy getPhoneNumber data is AES-CBC under the user's session_key,
// decrypted by us on request: a classic setting for a padding oracle. An
// attacker who can tell "bad padding" from "bad JSON" forges, byte by byte,
// ciphertext that decrypts to someone else's number under their own key.
//
// This attacks every channel an outsider has: the answers (body, status,
// headers) of five different failures, /metrics on the public listener
// with forged headers, replaying a genuine ciphertext between failures to
// reset a counter, logging in again (WeChat may hand back the same key),
// and spreading the queries over three instances. The attacker must learn
// nothing from the answers and get at most 5 failed decryptions a day.
func TestLegacyPhoneDataIsNoPaddingOracle(t *testing.T) {
	t.Parallel()
	db := sharedPostgres(t)
	fake := startFake(t, "--rotate", "never") // a re-login hands back the same session_key
	relaxed := map[string]string{"MPAUTH_RATE_LOGIN_PER_IP": "0/1m", "MPAUTH_RATE_PHONE_PER_USER": "0/1m", "MPAUTH_RATE_PHONE_PER_IP": "0/1m"}
	instances := []*instance{startInstance(t, db, fake, relaxed), startInstance(t, db, fake, relaxed), startInstance(t, db, fake, relaxed)}

	t.Run("no public listener serves metrics, whatever the headers say", func(t *testing.T) {
		for _, in := range instances {
			for _, h := range [][]string{
				nil,
				{"X-Forwarded-For", "127.0.0.1"},
				{"X-Real-IP", "127.0.0.1"},
				{"Host", "localhost"},
				{"Authorization", "Bearer anything"},
			} {
				a := call(t, "GET", in.base+"/metrics", "", nil, h...)
				if a.Status == http.StatusOK || bytes.Contains(a.Raw, []byte("decrypt")) {
					t.Fatalf("GET /metrics on the public listener with %v: %d\n%.300s", h, a.Status, a.Raw)
				}
			}
		}
	})

	token, _ := logIn(t, instances[0], fake, "attacker")
	genuine := fake.tapPhone(t, "attacker", "+8613900001111") // the attacker's own number
	data, _ := base64.StdEncoding.DecodeString(genuine.EncryptedData)
	iv, _ := base64.StdEncoding.DecodeString(genuine.IV)
	flipped := func(b []byte, i int) string {
		c := slices.Clone(b)
		c[i] ^= 1
		return base64.StdEncoding.EncodeToString(c)
	}
	b64 := base64.StdEncoding.EncodeToString
	// Five ways to fail, all made without the key. The first block alone
	// ends in a JSON character, never valid padding; a flipped first IV
	// byte keeps the padding and breaks the JSON.
	failures := []struct {
		kind string
		body map[string]string
	}{
		{"base64", map[string]string{"encryptedData": "%%not*base64%%", "iv": genuine.IV}},
		{"iv length", map[string]string{"encryptedData": genuine.EncryptedData, "iv": b64(iv[:8])}},
		{"padding", map[string]string{"encryptedData": b64(data[:16]), "iv": genuine.IV}},
		{"json", map[string]string{"encryptedData": genuine.EncryptedData, "iv": flipped(iv, 0)}},
		{"ciphertext length", map[string]string{"encryptedData": b64(data[:15]), "iv": genuine.IV}},
	}
	var answers []answer
	for i, f := range failures[:4] {
		a := call(t, "POST", instances[i%3].base+"/api/v1/phone", token, f.body)
		answers = append(answers, a)
	}
	// A genuine ciphertext between failures succeeds, and must not reset the count.
	if a := call(t, "POST", instances[1].base+"/api/v1/phone", token, genuine); a.Status != 200 {
		t.Fatalf("the attacker's own genuine data: %s", a)
	}
	answers = append(answers, call(t, "POST", instances[2].base+"/api/v1/phone", token, failures[4].body))

	t.Run("every failure looks the same", func(t *testing.T) {
		first := normalised(answers[0])
		for i, a := range answers {
			if a.errorCode() != "relogin_required" {
				t.Fatalf("%s failure: %s, want relogin_required", failures[i].kind, a)
			}
			if got := normalised(a); got != first {
				t.Fatalf("the %s failure answers differently from the %s one:\n%s\n%s", failures[i].kind, failures[0].kind, got, first)
			}
		}
	})

	t.Run("the sixth failure of the day is refused, across successes, re-logins and instances", func(t *testing.T) {
		forged := map[string]string{"encryptedData": genuine.EncryptedData, "iv": flipped(iv, 1)}
		for i, in := range instances {
			a := call(t, "POST", in.base+"/api/v1/phone", token, forged)
			if a.errorCode() != "rate_limited" || a.Header.Get("Retry-After") == "" {
				t.Fatalf("failure %d on instance %d: %s, want rate_limited with Retry-After", 6+i, i, a)
			}
		}
		again, _ := logIn(t, instances[2], fake, "attacker") // the same session_key comes back
		a := call(t, "POST", instances[0].base+"/api/v1/phone", again, forged)
		if a.errorCode() != "rate_limited" {
			t.Fatalf("after a re-login with the same session_key: %s, want rate_limited", a)
		}
		fresh := fake.tapPhone(t, "attacker", "+8613900001111")
		if a := call(t, "POST", instances[1].base+"/api/v1/phone", again, map[string]string{"encryptedData": fresh.EncryptedData, "iv": fresh.IV}); a.errorCode() != "rate_limited" {
			t.Fatalf("legacy data while the budget is spent: %s, want rate_limited", a)
		}
		if a := call(t, "POST", instances[2].base+"/api/v1/phone", again, map[string]string{"code": fresh.Code}); a.Status != 200 {
			t.Fatalf("the phone code flow while the legacy budget is spent: %s, want 200", a)
		}
	})
}

var requestIDField = regexp.MustCompile(`"requestId":"[^"]*"`)

// normalised is an answer with what legitimately differs per request (its
// id, the date) blanked: what is left must not depend on why it failed.
func normalised(a answer) string {
	var b strings.Builder
	b.WriteString(http.StatusText(a.Status))
	keys := make([]string, 0, len(a.Header))
	for k := range a.Header {
		if k != "Date" && k != "X-Request-Id" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		b.WriteString("\n" + k + ": " + strings.Join(a.Header[k], ","))
	}
	b.WriteString("\n")
	b.Write(requestIDField.ReplaceAll(a.Raw, []byte(`"requestId":""`)))
	return b.String()
}
