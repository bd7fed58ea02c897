package fakewechat

import "testing"

// The fake's own signature, pinned to a value computed outside Go with
//
//	printf '' | openssl dgst -sha256 -hmac 'HyVFkGl5F5OQWJZZaNzBBg=='
func TestSessionSignatureGoldenValue(t *testing.T) {
	const want = "252b75c92698025afe925b29cca5517fdf9ee67aae072cf3225ebf3a53783058"
	if got := sessionSignature("HyVFkGl5F5OQWJZZaNzBBg=="); got != want {
		t.Fatalf("sessionSignature = %s, want %s", got, want)
	}
}
