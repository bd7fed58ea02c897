package api_test

import (
	"bytes"
	"encoding/base64"
	"testing"
)

// A real CBC padding-oracle attack on the last byte of the first plaintext
// block: forge the IV byte by byte and watch for the answer that means "the
// padding was valid". Against /api/v1/phone every guess that is decrypted
// must look the same, and the failure budget must end the attack after 5
// guesses: the other 251 are refused unread, all alike.
func TestPaddingOracleAttackLearnsNothingAndIsCutOff(t *testing.T) {
	e := newAPIEnv(t, envOptions{})
	token, _ := e.login(appA, "victim")
	ev := e.devicePhone(appA, "victim", "+8613800138000")
	data, _ := base64.StdEncoding.DecodeString(ev.EncryptedData)
	iv, _ := base64.StdEncoding.DecodeString(ev.IV)
	target := data[:16] // decrypting C1 alone: P1 = D(C1) xor IV'

	answers := map[string][]int{} // normalised response → guesses that produced it
	for guess := 0; guess < 256; guess++ {
		forged := append([]byte{}, iv...)
		forged[15] = byte(guess)
		r := e.call("POST", "/api/v1/phone", token, map[string]string{
			"encryptedData": base64.StdEncoding.EncodeToString(target),
			"iv":            base64.StdEncoding.EncodeToString(forged),
		})
		key := string(rune(r.Status)) + string(requestIDField.ReplaceAll(r.Raw, []byte(`""`)))
		answers[key] = append(answers[key], guess)
	}
	if len(answers) != 2 {
		var sizes []int
		for _, g := range answers {
			sizes = append(sizes, len(g))
		}
		t.Fatalf("the endpoint answered %d different ways (group sizes %v), want 2: the decrypted guesses and the refused ones", len(answers), sizes)
	}
	for resp, guesses := range answers {
		switch {
		case bytes.Contains([]byte(resp), []byte("relogin_required")):
			if len(guesses) != 5 || guesses[4] != 4 {
				t.Fatalf("decrypted guesses %v, want the first 5", guesses)
			}
		case bytes.Contains([]byte(resp), []byte("rate_limited")):
			if len(guesses) != 251 {
				t.Fatalf("%d guesses refused unread, want 251", len(guesses))
			}
		default:
			t.Fatalf("unexpected answer: %s", resp)
		}
	}
	// Even the genuine data is refused now, and every attempt is audited.
	r := e.call("POST", "/api/v1/phone", token, map[string]string{"encryptedData": ev.EncryptedData, "iv": ev.IV})
	if r.errorCode() != "rate_limited" {
		t.Fatalf("genuine ciphertext after the attack: %d %s", r.Status, r.Raw)
	}
	if n := e.countAudit("event = 'phone_encrypted' AND reason LIKE '%budget spent%'"); n != 252 {
		t.Fatalf("audit rows recording the refusal = %d, want 252", n)
	}
}
