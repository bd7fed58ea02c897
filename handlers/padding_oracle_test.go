package handlers_test

import (
	"bytes"
	"encoding/base64"
	"testing"
)

// A real CBC padding-oracle attack on the last byte of the first plaintext
// block: forge the IV byte by byte and watch for the answer that means "the
// padding was valid". Against /api/v1/phone every guess must look the same,
// and the failure cap must end the attack long before 256 guesses.
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
	if len(answers) != 1 {
		var sizes []int
		for _, g := range answers {
			sizes = append(sizes, len(g))
		}
		t.Fatalf("the endpoint answered %d different ways (group sizes %v): it is a padding oracle", len(answers), sizes)
	}
	for resp := range answers {
		if !bytes.Contains([]byte(resp), []byte("relogin_required")) {
			t.Fatalf("uniform answer is not relogin_required: %s", resp)
		}
	}
	// The cap discarded the key after 5 failures: the attacker's remaining
	// 251 guesses ran against no key at all, and even the genuine data is refused.
	r := e.call("POST", "/api/v1/phone", token, map[string]string{"encryptedData": ev.EncryptedData, "iv": ev.IV})
	if r.errorCode() != "relogin_required" {
		t.Fatalf("genuine ciphertext after the attack: %d %s", r.Status, r.Raw)
	}
	if n := e.countAudit("event = 'phone_encrypted' AND reason LIKE '%discarded after 5 failures%'"); n != 1 {
		t.Fatalf("audit rows recording the discard = %d, want 1", n)
	}
}
