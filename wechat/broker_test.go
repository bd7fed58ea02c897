package wechat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// memStore is a TokenStore in memory. Brokers sharing one play separate
// instances of a deployment; its refresh lock is a channel so that waiting
// for it honours ctx (and is durably blocking under synctest).
type memStore struct {
	mu     sync.Mutex
	tokens map[string]CachedToken
	saves  int
	lock   chan struct{}
}

func newMemStore() *memStore {
	return &memStore{tokens: map[string]CachedToken{}, lock: make(chan struct{}, 1)}
}

func (s *memStore) LoadToken(_ context.Context, appID string) (CachedToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[appID]
	if !ok {
		return CachedToken{}, ErrNoCachedToken
	}
	return t, nil
}

func (s *memStore) SaveToken(_ context.Context, t CachedToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[t.AppID] = t
	s.saves++
	return nil
}

func (s *memStore) ExpireTokenIf(_ context.Context, appID string, failed Secret) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[appID]
	if !ok || t.Value != failed || t.ExpiresAt.IsZero() {
		return false, nil
	}
	t.ExpiresAt = time.Time{}
	s.tokens[appID] = t
	return true, nil
}

func (s *memStore) WithRefreshLock(ctx context.Context, _ string, fn func(context.Context) error) error {
	select {
	case s.lock <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.lock }()
	return fn(ctx)
}

func (s *memStore) stored(appID string) CachedToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[appID]
}

// fakeFetcher issues tokens the way WeChat does: stable_token in normal mode
// returns the same token until its last 5 minutes, forced and classic
// fetches always issue a new one.
type fakeFetcher struct {
	mu      sync.Mutex
	now     func() time.Time
	current Token
	issued  int
	normal  int
	forced  int
	classic int
	err     error
	block   chan struct{} // when not nil, fetches wait until it is closed
}

func (f *fakeFetcher) FetchStableToken(ctx context.Context, _ string, force bool) (Token, error) {
	f.mu.Lock()
	if force {
		f.forced++
	} else {
		f.normal++
	}
	block := f.block
	f.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return Token{}, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return Token{}, f.err
	}
	if force || f.current.Value == "" || !f.now().Before(f.current.ExpiresAt.Add(-5*time.Minute)) {
		f.issue()
	}
	return f.current, nil
}

func (f *fakeFetcher) FetchToken(context.Context, string) (Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.classic++
	if f.err != nil {
		return Token{}, f.err
	}
	f.issue()
	return f.current, nil
}

// issue makes the next token current. Called with f.mu held.
func (f *fakeFetcher) issue() {
	f.issued++
	f.current = Token{Value: Secret(fmt.Sprintf("TOKEN-%d", f.issued)), ExpiresAt: f.now().Add(2 * time.Hour)}
}

func (f *fakeFetcher) counts() (normal, forced, classic int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.normal, f.forced, f.classic
}

func (f *fakeFetcher) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

// rotate plays someone else forcing a new stable token.
func (f *fakeFetcher) rotate() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.issue()
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock {
	return &testClock{t: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newTestBroker returns a broker on a fake clock with no jitter.
func newTestBroker(store TokenStore, clk *testClock) (*Broker, *fakeFetcher) {
	f := &fakeFetcher{now: clk.Now}
	return &Broker{
		Store:   store,
		Fetcher: f,
		Now:     clk.Now,
		Jitter:  func(time.Duration) time.Duration { return 0 },
	}, f
}

func mustToken(t *testing.T, b *Broker) Secret {
	t.Helper()
	tok, err := b.Token(t.Context(), testAppID)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestBrokerFetchesOnceStoresAndServesFromMemory(t *testing.T) {
	clk := newTestClock()
	store := newMemStore()
	b, f := newTestBroker(store, clk)

	first := mustToken(t, b)
	clk.Advance(time.Hour)
	second := mustToken(t, b)

	if first != "TOKEN-1" || second != "TOKEN-1" {
		t.Errorf("tokens = %q, %q", first.Reveal(), second.Reveal())
	}
	if normal, _, _ := f.counts(); normal != 1 {
		t.Errorf("stable fetches = %d, want 1", normal)
	}
	got := store.stored(testAppID)
	want := CachedToken{AppID: testAppID, Value: "TOKEN-1", FetchedAt: clk.Now().Add(-time.Hour),
		ExpiresAt: clk.Now().Add(time.Hour), Kind: TokenKindStable}
	if got != want {
		t.Errorf("stored %+v, want %+v", got, want)
	}
}

func TestBrokerUsesTokenStoredByAnotherInstance(t *testing.T) {
	clk := newTestClock()
	store := newMemStore()
	store.SaveToken(t.Context(), CachedToken{AppID: testAppID, Value: "FROM-OTHER", FetchedAt: clk.Now(),
		ExpiresAt: clk.Now().Add(2 * time.Hour), Kind: TokenKindStable})
	b, f := newTestBroker(store, clk)

	if tok := mustToken(t, b); tok != "FROM-OTHER" {
		t.Errorf("token = %q", tok.Reveal())
	}
	if normal, forced, classic := f.counts(); normal+forced+classic != 0 {
		t.Errorf("fetched %d times, want 0", normal+forced+classic)
	}
}

func TestBrokerConcurrentCallersAcrossInstancesShareOneFetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := newMemStore()
		f := &fakeFetcher{now: time.Now, block: make(chan struct{})}
		instances := []*Broker{{Store: store, Fetcher: f}, {Store: store, Fetcher: f}}

		var wg sync.WaitGroup
		got := make([]Secret, 50)
		errs := make([]error, 50)
		for i := range got {
			wg.Go(func() { got[i], errs[i] = instances[i%2].Token(t.Context(), testAppID) })
		}
		// Everyone is now blocked: one caller inside the fetch, the other
		// instance's leader on the refresh lock, the rest on singleflight.
		synctest.Wait()
		close(f.block)
		wg.Wait()

		for i := range got {
			if errs[i] != nil || got[i] != "TOKEN-1" {
				t.Fatalf("caller %d got %q, %v", i, got[i].Reveal(), errs[i])
			}
		}
		if normal, forced, _ := f.counts(); normal != 1 || forced != 0 {
			t.Errorf("fetches: %d normal, %d forced; want exactly 1 normal", normal, forced)
		}
		a, b := instances[0].State(testAppID), instances[1].State(testAppID)
		if a.Refreshes+b.Refreshes != 1 || a.Waits+b.Waits != 48 {
			t.Errorf("refreshes %d+%d, waits %d+%d; want 1 refresh and 48 waits", a.Refreshes, b.Refreshes, a.Waits, b.Waits)
		}
	})
}

func TestBrokerRefreshesEarly(t *testing.T) {
	clk := newTestClock()
	b, f := newTestBroker(newMemStore(), clk)
	b.UseClassic = true
	b.RefreshBefore = 10 * time.Minute

	mustToken(t, b) // TOKEN-1, expires in 2h
	clk.Advance(2*time.Hour - 11*time.Minute)
	if tok := mustToken(t, b); tok != "TOKEN-1" {
		t.Errorf("11 minutes before expiry: %q, want TOKEN-1 kept", tok.Reveal())
	}
	clk.Advance(2 * time.Minute)
	if tok := mustToken(t, b); tok != "TOKEN-2" {
		t.Errorf("9 minutes before expiry: %q, want TOKEN-2", tok.Reveal())
	}
	if _, _, classic := f.counts(); classic != 2 {
		t.Errorf("classic fetches = %d, want 2", classic)
	}
}

func TestBrokerJitterRefreshesBetweenRefreshBeforeAndHalfAgain(t *testing.T) {
	clk := newTestClock()
	b, f := newTestBroker(newMemStore(), clk)
	b.UseClassic = true
	var asked time.Duration
	b.Jitter = func(max time.Duration) time.Duration { asked = max; return max }

	mustToken(t, b)
	clk.Advance(2*time.Hour - 16*time.Minute)
	mustToken(t, b)
	clk.Advance(2 * time.Minute) // 14 minutes before expiry: inside 10m + 5m of jitter
	mustToken(t, b)
	if _, _, classic := f.counts(); classic != 2 || asked != 5*time.Minute {
		t.Errorf("classic fetches = %d, jitter range %v; want 2 and 5m", classic, asked)
	}
}

func TestBrokerStableTokenNotYetRotatedIsNotRefetchedOnEveryCall(t *testing.T) {
	// Until its last 5 minutes, normal mode returns the same token and the
	// same expiry; the broker must not ask again on every call.
	clk := newTestClock()
	b, f := newTestBroker(newMemStore(), clk)

	mustToken(t, b)
	clk.Advance(2*time.Hour - 9*time.Minute)
	for range 10 {
		if tok := mustToken(t, b); tok != "TOKEN-1" {
			t.Fatalf("token = %q", tok.Reveal())
		}
	}
	if normal, _, _ := f.counts(); normal != 2 {
		t.Errorf("normal fetches = %d, want 2", normal)
	}
	clk.Advance(5 * time.Minute) // 4 minutes left: WeChat hands out the next token
	if tok := mustToken(t, b); tok != "TOKEN-2" {
		t.Errorf("token = %q, want TOKEN-2", tok.Reveal())
	}
}

func TestBrokerFailedEarlyRefreshKeepsCurrentToken(t *testing.T) {
	clk := newTestClock()
	b, f := newTestBroker(newMemStore(), clk)
	b.UseClassic = true

	mustToken(t, b)
	f.fail(&Error{Endpoint: "token", ErrCode: -1, Kind: KindBusy})
	clk.Advance(2*time.Hour - 5*time.Minute)
	if tok := mustToken(t, b); tok != "TOKEN-1" {
		t.Errorf("token = %q, want the still valid TOKEN-1", tok.Reveal())
	}
	if st := b.State(testAppID); !strings.Contains(st.LastError, "busy") {
		t.Errorf("LastError = %q, want the refresh failure", st.LastError)
	}

	clk.Advance(5 * time.Minute)
	if _, err := b.Token(t.Context(), testAppID); KindOf(err) != KindBusy {
		t.Errorf("after expiry: %v, want the busy error", err)
	}
}

func TestBrokerInvalidateIsCompareAndExpire(t *testing.T) {
	clk := newTestClock()
	store := newMemStore()
	b, f := newTestBroker(store, clk)
	b.UseClassic = true
	mustToken(t, b) // TOKEN-1
	// Another instance refreshed meanwhile.
	newer := CachedToken{AppID: testAppID, Value: "TOKEN-NEWER", FetchedAt: clk.Now(), ExpiresAt: clk.Now().Add(2 * time.Hour), Kind: TokenKindClassic}
	store.SaveToken(t.Context(), newer)

	// A request that used TOKEN-1 comes back rejected.
	if err := b.Invalidate(t.Context(), testAppID, "TOKEN-1"); err != nil {
		t.Fatal(err)
	}
	if got := store.stored(testAppID); got != newer {
		t.Errorf("stale failure touched the newer token: %+v", got)
	}
	if tok := mustToken(t, b); tok != "TOKEN-NEWER" {
		t.Errorf("token = %q, want TOKEN-NEWER", tok.Reveal())
	}
	if _, _, classic := f.counts(); classic != 1 {
		t.Errorf("classic fetches = %d, want 1", classic)
	}

	// The newer token itself failing does expire it.
	if err := b.Invalidate(t.Context(), testAppID, "TOKEN-NEWER"); err != nil {
		t.Fatal(err)
	}
	if tok := mustToken(t, b); tok != "TOKEN-2" {
		t.Errorf("token = %q, want a freshly fetched TOKEN-2", tok.Reveal())
	}
}

func TestBrokerForcesOnlyWhenNormalModeReturnsTheRejectedToken(t *testing.T) {
	clk := newTestClock()
	b, f := newTestBroker(newMemStore(), clk)
	b.ForceInterval = time.Minute

	mustToken(t, b) // TOKEN-1
	f.rotate()      // someone forced TOKEN-2 elsewhere
	b.Invalidate(t.Context(), testAppID, "TOKEN-1")
	if tok := mustToken(t, b); tok != "TOKEN-2" {
		t.Fatalf("token = %q, want TOKEN-2", tok.Reveal())
	}
	if _, forced, _ := f.counts(); forced != 0 {
		t.Errorf("forced %d times, want 0: normal mode already had a new token", forced)
	}

	// Now WeChat rejects TOKEN-2 while normal mode keeps returning it.
	b.Invalidate(t.Context(), testAppID, "TOKEN-2")
	if tok := mustToken(t, b); tok != "TOKEN-3" {
		t.Fatalf("token = %q, want forced TOKEN-3", tok.Reveal())
	}
	// And TOKEN-3 at once: a second force so soon is refused.
	clk.Advance(10 * time.Second)
	b.Invalidate(t.Context(), testAppID, "TOKEN-3")
	if _, err := b.Token(t.Context(), testAppID); !errors.Is(err, ErrForceRefreshThrottled) {
		t.Errorf("err = %v, want ErrForceRefreshThrottled", err)
	}
	clk.Advance(time.Minute)
	if tok := mustToken(t, b); tok != "TOKEN-4" {
		t.Errorf("token = %q, want forced TOKEN-4 once the interval passed", tok.Reveal())
	}
	if _, forced, _ := f.counts(); forced != 2 {
		t.Errorf("forced %d times, want 2", forced)
	}
}

// lockedElsewhere is a store whose refresh lock another instance holds
// forever. given up is closed once the broker stops waiting for it.
type lockedElsewhere struct {
	*memStore
	givenUp chan struct{}
}

func (s lockedElsewhere) WithRefreshLock(ctx context.Context, _ string, _ func(context.Context) error) error {
	<-ctx.Done()
	close(s.givenUp)
	return ctx.Err()
}

func TestBrokerWaitIsBounded(t *testing.T) {
	tests := []struct {
		name     string
		deadline time.Duration // of the caller's ctx; 0 for none
		want     time.Duration
	}{
		{"MaxWait bounds a caller without deadline", 0, 3 * time.Second},
		{"the caller's own deadline comes first", time.Second, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				store := lockedElsewhere{newMemStore(), make(chan struct{})}
				b := &Broker{Store: store, Fetcher: &fakeFetcher{now: time.Now}, MaxWait: 3 * time.Second}
				ctx := t.Context()
				if tt.deadline > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.deadline)
					defer cancel()
				}
				start := time.Now()
				_, err := b.Token(ctx, testAppID)
				if !errors.Is(err, context.DeadlineExceeded) || KindOf(err) != KindUnavailable {
					t.Errorf("err = %v, want a deadline, kind unavailable", err)
				}
				if waited := time.Since(start); waited != tt.want {
					t.Errorf("caller waited %v, want %v", waited, tt.want)
				}
				// The shared refresh outlives an impatient caller, but not MaxWait.
				<-store.givenUp
				if waited := time.Since(start); waited != 3*time.Second {
					t.Errorf("refresh gave up after %v, want MaxWait", waited)
				}
			})
		})
	}
}

func TestBrokerState(t *testing.T) {
	clk := newTestClock()
	b, _ := newTestBroker(newMemStore(), clk)
	mustToken(t, b)
	fetched := clk.Now()
	clk.Advance(30 * time.Minute)

	got := b.State(testAppID)
	want := BrokerState{Kind: TokenKindStable, TokenAge: 30 * time.Minute, ExpiresAt: fetched.Add(2 * time.Hour),
		Refreshes: 1, LastRefresh: fetched}
	if got != want {
		t.Errorf("State = %+v, want %+v", got, want)
	}
	if got := b.State("wx-unknown"); got != (BrokerState{}) {
		t.Errorf("unknown app: %+v", got)
	}
}

func TestBrokerWithoutDependenciesIsConfiguration(t *testing.T) {
	var b Broker
	if _, err := b.Token(t.Context(), testAppID); KindOf(err) != KindConfig {
		t.Errorf("err = %v, want config", err)
	}
}
