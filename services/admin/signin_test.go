package admin

import (
	"testing"
	"time"
)

func TestSignInPolicyDoublesTheWaitThenLocks(t *testing.T) {
	p := DefaultSignInPolicy()
	now := time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)
	failures := func(n int) []time.Time { // the newest just now
		out := make([]time.Time, n)
		for i := range out {
			out[i] = now.Add(-time.Duration(i) * time.Second)
		}
		return out
	}
	for _, tc := range []struct {
		failures int
		want     time.Duration
	}{
		{0, 0}, {2, 0}, {3, time.Second}, {4, 2 * time.Second}, {5, 4 * time.Second},
		{9, 64 * time.Second}, {10, 15 * time.Minute}, {25, 15 * time.Minute},
	} {
		if got := p.wait(failures(tc.failures), p.AccountFree, p.AccountLock, now); got != tc.want {
			t.Errorf("%d failures: wait %s, want %s", tc.failures, got, tc.want)
		}
	}
	if got := p.wait(failures(5), p.AccountFree, p.AccountLock, now.Add(10*time.Second)); got != 0 {
		t.Errorf("after the wait is over: %s", got)
	}
}
