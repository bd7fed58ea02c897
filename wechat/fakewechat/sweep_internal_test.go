package fakewechat

import (
	"testing"
	"time"
)

// Benchmarks log in and fetch tokens millions of times; what can no longer
// be used must not stay in memory.
func TestSpentCodesAndDeadTokensArePruned(t *testing.T) {
	now := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	s := New(Options{Now: func() time.Time { return now }})
	for range 100 {
		if _, err := s.DeviceLogin(DemoAppID, "alice", false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DevicePhone(DemoAppID, "alice", "13800138000"); err != nil {
			t.Fatal(err)
		}
		s.mu.Lock()
		s.issueLocked(DemoAppID, s.newTokenValue(), now).diesAt = now.Add(tokenOverlap)
		s.mu.Unlock()
	}

	now = now.Add(codeTTL + time.Minute)
	if _, err := s.DeviceLogin(DemoAppID, "alice", false); err != nil {
		t.Fatal(err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.loginCodes) != 1 || len(s.phoneCodes) != 0 || len(s.tokens) != 0 {
		t.Errorf("after expiry: %d login codes, %d phone codes, %d tokens; want 1, 0, 0",
			len(s.loginCodes), len(s.phoneCodes), len(s.tokens))
	}
}
