package services

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

func replayResult(t testing.TB, i int) LoginResult {
	t.Helper()
	token, _ := newLoginToken()
	return LoginResult{
		Token:      token,
		ExpiresAt:  time.Date(2026, 12, 1, 8, 0, 0, i, time.UTC),
		UserID:     fmt.Sprintf("019fdbf5-9be9-7bd0-ae8f-%012x", i),
		PhoneBound: i%2 == 0,
		IsNew:      i%3 == 0,
	}
}

func TestLoginReplayAnswersACodeAgainUntilItsTimeIsUp(t *testing.T) {
	r := &loginReplay{ttl: time.Minute, max: 3}
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	key := func(i int) replayKey { return newReplayKey("wx0000000000000001", fmt.Sprintf("code-%d", i)) }
	want := map[int]LoginResult{}
	for i := range 3 {
		want[i] = replayResult(t, i)
		r.put(key(i), want[i], t0.Add(time.Duration(i)*time.Second))
	}

	for i := range 3 {
		if got, ok := r.get(key(i), t0.Add(30*time.Second)); !ok || got != want[i] {
			t.Errorf("code %d: got %+v %v, want %+v", i, got, ok, want[i])
		}
	}
	if _, ok := r.get(newReplayKey("wx0000000000000002", "code-0"), t0); ok {
		t.Error("a code of another app was answered")
	}
	if _, ok := r.get(key(0), t0.Add(time.Minute+time.Nanosecond)); ok {
		t.Error("a code older than the ttl was answered")
	}

	// Full: the oldest leaves first, even before its time.
	want[3] = replayResult(t, 3)
	r.put(key(3), want[3], t0.Add(10*time.Second))
	if _, ok := r.get(key(0), t0.Add(10*time.Second)); ok {
		t.Error("past max entries, the oldest code is still answered")
	}
	for i := 1; i <= 3; i++ {
		if got, ok := r.get(key(i), t0.Add(10*time.Second)); !ok || got != want[i] {
			t.Errorf("code %d after an eviction: %+v %v", i, got, ok)
		}
	}

	// Expired entries leave on the next put.
	r.put(key(4), replayResult(t, 4), t0.Add(2*time.Minute))
	if len(r.byKey) != 1 {
		t.Errorf("%d entries after the others expired, want 1", len(r.byKey))
	}
}

func TestLoginReplayKeepsANewerAnswerWhenTheOldOneLeaves(t *testing.T) {
	r := &loginReplay{ttl: time.Minute, max: 10}
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	k := newReplayKey("wx0000000000000001", "again")
	r.put(k, replayResult(t, 1), t0)
	newer := replayResult(t, 2)
	r.put(k, newer, t0.Add(50*time.Second))
	r.put(newReplayKey("wx0000000000000001", "other"), replayResult(t, 3), t0.Add(70*time.Second))
	if got, ok := r.get(k, t0.Add(70*time.Second)); !ok || got != newer {
		t.Errorf("the newer answer left with the older one: %+v %v", got, ok)
	}
}

func TestLoginReplayDoesNotRememberWhatItCannotPack(t *testing.T) {
	r := &loginReplay{}
	now := time.Now()
	for name, res := range map[string]LoginResult{
		"short token":     {Token: "c2hvcnQ", UserID: "019fdbf5-9be9-7bd0-ae8f-000000000001"},
		"long token":      {Token: replayResult(t, 1).Token + "AAAA", UserID: "019fdbf5-9be9-7bd0-ae8f-000000000001"},
		"padded token":    {Token: replayResult(t, 1).Token + "=", UserID: "019fdbf5-9be9-7bd0-ae8f-000000000001"},
		"user id no uuid": {Token: replayResult(t, 1).Token, UserID: "user-1"},
		"user id braces":  {Token: replayResult(t, 1).Token, UserID: "{019fdbf5-9be9-7bd0-ae8f-000000000001}"},
	} {
		k := newReplayKey("wx0000000000000001", name)
		r.put(k, res, now)
		if got, ok := r.get(k, now); ok {
			t.Errorf("%s: answered %+v, which is not what was logged in", name, got)
		}
	}
}

// BenchmarkLoginReplayMemory reports the heap a remembered login costs.
func BenchmarkLoginReplayMemory(b *testing.B) {
	const n = replayMaxEntries
	results := make([]LoginResult, 1024)
	for i := range results {
		results[i] = replayResult(b, i)
	}
	var perEntry float64
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		r := &loginReplay{}
		now := time.Now()
		for i := range n {
			r.put(newReplayKey("wx0000000000000001", fmt.Sprint(i)), results[i%len(results)], now)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perEntry = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(r)
	}
	b.ReportMetric(perEntry, "heap-bytes/entry")
}
