package services

import "testing"

// A login token is made once per login and hashed once per API request.

func BenchmarkNewLoginToken(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		newLoginToken()
	}
}

func BenchmarkHashToken(b *testing.B) {
	token, _ := newLoginToken()
	b.ReportAllocs()
	for b.Loop() {
		HashToken(token)
	}
}
