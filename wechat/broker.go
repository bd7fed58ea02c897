package wechat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Token kinds as stored in CachedToken.Kind. Stable and classic tokens are
// separate at WeChat: fetching one never invalidates the other.
const (
	TokenKindStable  = "stable"
	TokenKindClassic = "classic"
)

// CachedToken is an access token as the deployment shares it.
type CachedToken struct {
	AppID     string
	Value     Secret
	FetchedAt time.Time
	ExpiresAt time.Time
	Kind      string // TokenKindStable or TokenKindClassic
}

// ErrNoCachedToken is what TokenStore.LoadToken returns when it holds no
// token for the app.
var ErrNoCachedToken = errors.New("wechat: no cached access token")

// ErrForceRefreshThrottled: WeChat rejected the stable token, normal mode
// hands back that same token, and this instance forced a refresh less than
// Broker.ForceInterval ago. WeChat allows 20 forced refreshes a day.
var ErrForceRefreshThrottled = errors.New("wechat: stable token still rejected and a forced refresh ran too recently")

// TokenStore is where all instances of a deployment share their access
// tokens (models implements it on the database). Without it, instances
// fetching classic tokens on their own invalidate each other.
type TokenStore interface {
	// LoadToken returns the cached token, or ErrNoCachedToken when none.
	LoadToken(ctx context.Context, appID string) (CachedToken, error)
	SaveToken(ctx context.Context, t CachedToken) error
	// ExpireTokenIf expires the cached token only if it is still `failed`
	// (compare-and-expire); reports whether it did. An expired token is then
	// either gone (ErrNoCachedToken) or has an ExpiresAt not in the future.
	ExpireTokenIf(ctx context.Context, appID string, failed Secret) (bool, error)
	// WithRefreshLock runs fn holding the deployment-wide refresh lock for
	// appID (Postgres advisory lock; in-process lock on SQLite), waiting at
	// most until ctx is done.
	WithRefreshLock(ctx context.Context, appID string, fn func(ctx context.Context) error) error
}

// TokenFetcher gets tokens from WeChat. *Client implements it.
type TokenFetcher interface {
	FetchStableToken(ctx context.Context, appID string, force bool) (Token, error)
	FetchToken(ctx context.Context, appID string) (Token, error)
}

// minRefreshGap is the least time between two refreshes of one token. In
// normal mode stable_token returns the same token until its last 5 minutes,
// so a refresh that starts earlier gets the old expiry back; without this
// floor every call would refresh again.
const minRefreshGap = time.Minute

// Broker hands out access tokens so that exactly one caller in the whole
// deployment fetches a new one: callers in this process share one refresh
// (singleflight per appid), and that refresh runs under the store's
// deployment-wide lock, re-reading the store first because another instance
// may have refreshed already. Tokens are refreshed RefreshBefore their
// expiry, plus jitter so that instances do not all try at the same moment.
//
// The zero value needs Store and Fetcher; use it by pointer.
type Broker struct {
	Store         TokenStore
	Fetcher       TokenFetcher
	UseClassic    bool          // fetch classic /cgi-bin/token instead of stable_token
	RefreshBefore time.Duration // default 10m; jitter adds up to half of it
	MaxWait       time.Duration // longest a caller waits for a refresh, default 10s
	ForceInterval time.Duration // least time between forced stable refreshes, default 1m (WeChat: 30s)
	Now           func() time.Time
	Jitter        func(max time.Duration) time.Duration // default uniform in [0, max)
	Metrics       *Metrics
	Logger        *slog.Logger

	group singleflight.Group
	mu    sync.Mutex
	apps  map[string]*appTokenState
}

// appTokenState is what this instance knows about one app's token.
type appTokenState struct {
	token       CachedToken // the token in use; Value is empty when none
	refreshAt   time.Time
	failed      Secret // the last token WeChat rejected
	lastForce   time.Time
	refreshes   int64
	waits       int64
	lastError   string
	lastRefresh time.Time
}

// BrokerState is a snapshot of one app's token for dashboards.
type BrokerState struct {
	Kind        string
	TokenAge    time.Duration
	ExpiresAt   time.Time
	Refreshes   int64     // tokens this instance fetched from WeChat
	Waits       int64     // callers that waited on someone else's refresh
	LastError   string    // redacted
	LastRefresh time.Time // when this instance last fetched
}

// Token returns a valid access token for appID, refreshing it if it is
// missing, rejected, or due. While a due token is still valid a failed
// refresh falls back to it.
func (b *Broker) Token(ctx context.Context, appID string) (Secret, error) {
	if b.Store == nil || b.Fetcher == nil {
		return "", &Error{Endpoint: "broker", Kind: KindConfig, cause: errors.New("broker needs a Store and a Fetcher")}
	}
	if t, ok := b.cached(appID, b.now()); ok {
		return t, nil
	}
	ran := false
	ch := b.group.DoChan(appID, func() (any, error) {
		ran = true
		// The refresh is shared: one impatient caller must not cancel it for
		// the others, but it is bounded all the same.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.maxWait())
		defer cancel()
		return b.refresh(rctx, appID)
	})
	timer := time.NewTimer(b.maxWait())
	defer timer.Stop()
	select {
	case res := <-ch:
		if !ran {
			b.countWait(appID)
		}
		if res.Err != nil {
			return b.fallback(ctx, appID, res.Err)
		}
		return res.Val.(Secret), nil
	case <-ctx.Done():
		b.countWait(appID)
		return b.fallback(ctx, appID, ctx.Err())
	case <-timer.C:
		b.countWait(appID)
		return b.fallback(ctx, appID, fmt.Errorf("waited %s for a token refresh: %w", b.maxWait(), context.DeadlineExceeded))
	}
}

// Invalidate tells the broker that WeChat rejected failed. The stored token
// is expired only if it is still failed: a caller holding an old token must
// not expire the new one another caller just fetched.
func (b *Broker) Invalidate(ctx context.Context, appID string, failed Secret) error {
	b.mu.Lock()
	st := b.app(appID)
	st.failed = failed
	if st.token.Value == failed {
		st.token, st.refreshAt = CachedToken{}, time.Time{}
	}
	b.mu.Unlock()

	if b.Store == nil {
		return nil
	}
	expired, err := b.Store.ExpireTokenIf(ctx, appID, failed)
	b.Metrics.invalidated(appID, expired)
	if err != nil {
		return fmt.Errorf("wechat: expire the rejected token of %s: %w", appID, err)
	}
	return nil
}

// State reports what this instance knows of appID's token.
func (b *Broker) State(appID string) BrokerState {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.app(appID)
	s := BrokerState{
		Kind:        st.token.Kind,
		ExpiresAt:   st.token.ExpiresAt,
		Refreshes:   st.refreshes,
		Waits:       st.waits,
		LastError:   st.lastError,
		LastRefresh: st.lastRefresh,
	}
	if st.token.Value != "" && !st.token.FetchedAt.IsZero() {
		s.TokenAge = now.Sub(st.token.FetchedAt)
	}
	return s
}

// cached is the fast path: the token in memory, if it is not yet due.
func (b *Broker) cached(appID string, now time.Time) (Secret, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.app(appID)
	if st.token.Value == "" || !now.Before(st.refreshAt) || !now.Before(st.token.ExpiresAt) {
		return "", false
	}
	return st.token.Value, true
}

// refresh runs once per app at a time in this process.
func (b *Broker) refresh(ctx context.Context, appID string) (any, error) {
	// Usually another instance, or this one before a restart, has already
	// stored a good token: no lock needed to find out.
	if t, ok, err := b.loadUsable(ctx, appID); err != nil || ok {
		if err != nil {
			b.recordError(ctx, appID, err)
			return nil, err
		}
		return t.Value, nil
	}
	var out Secret
	err := b.Store.WithRefreshLock(ctx, appID, func(ctx context.Context) error {
		// Another instance may have refreshed while we waited for the lock.
		t, ok, err := b.loadUsable(ctx, appID)
		if err != nil {
			return err
		}
		if !ok {
			if t, err = b.fetch(ctx, appID); err != nil {
				return err
			}
			if err := b.Store.SaveToken(ctx, t); err != nil {
				// The token works; keep it. Other instances will fetch their
				// own, and the rejected-token path will sort it out.
				b.recordError(ctx, appID, fmt.Errorf("save refreshed token: %w", err))
			}
		}
		out = t.Value
		return nil
	})
	if err != nil {
		b.recordError(ctx, appID, err)
		return nil, err
	}
	return out, nil
}

// loadUsable reads the store and adopts its token if it is valid and not
// the one WeChat rejected. ok is false when a refresh is needed; a valid but
// due token is still kept in memory as the fallback should the refresh fail.
func (b *Broker) loadUsable(ctx context.Context, appID string) (CachedToken, bool, error) {
	t, err := b.Store.LoadToken(ctx, appID)
	if errors.Is(err, ErrNoCachedToken) {
		return CachedToken{}, false, nil
	}
	if err != nil {
		return CachedToken{}, false, fmt.Errorf("wechat: load cached token of %s: %w", appID, err)
	}
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.app(appID)
	if t.Value == "" || t.Value == st.failed || !now.Before(t.ExpiresAt) {
		return t, false, nil
	}
	st.token, st.refreshAt = t, b.refreshAt(t)
	b.Metrics.tokenInUse(t)
	return t, now.Before(st.refreshAt), nil
}

// fetch gets a new token from WeChat. With stable tokens it asks in normal
// mode first, which returns the current token if another instance already
// rotated it, and forces only when normal mode hands back the very token
// WeChat just rejected. It runs under the deployment-wide lock, after the
// store showed nobody else has fixed it, so forcing never happens from many
// instances at once.
func (b *Broker) fetch(ctx context.Context, appID string) (CachedToken, error) {
	b.mu.Lock()
	st := b.app(appID)
	failed, lastForce := st.failed, st.lastForce
	b.mu.Unlock()

	kind, mode := TokenKindStable, "stable"
	var (
		tok Token
		err error
	)
	if b.UseClassic {
		kind, mode = TokenKindClassic, "classic"
		tok, err = b.Fetcher.FetchToken(ctx, appID)
	} else {
		tok, err = b.Fetcher.FetchStableToken(ctx, appID, false)
		if err == nil && failed != "" && tok.Value == failed {
			b.Metrics.refreshed(appID, mode, nil)
			now := b.now()
			if !lastForce.IsZero() && now.Sub(lastForce) < b.forceInterval() {
				b.Metrics.refreshed(appID, "stable_force", ErrForceRefreshThrottled)
				return CachedToken{}, ErrForceRefreshThrottled
			}
			b.mu.Lock()
			st.lastForce = now
			b.mu.Unlock()
			mode = "stable_force"
			tok, err = b.Fetcher.FetchStableToken(ctx, appID, true)
		}
	}
	b.Metrics.refreshed(appID, mode, err)
	if err != nil {
		return CachedToken{}, err
	}

	now := b.now()
	t := CachedToken{AppID: appID, Value: tok.Value, FetchedAt: now, ExpiresAt: tok.ExpiresAt, Kind: kind}
	b.mu.Lock()
	st.token, st.refreshAt = t, b.refreshAt(t)
	st.refreshes++
	st.lastRefresh = now
	st.lastError = ""
	b.mu.Unlock()
	b.Metrics.tokenInUse(t)
	b.logger().LogAttrs(ctx, slog.LevelInfo, "wechat access token refreshed",
		slog.String("appid", appID), slog.String("mode", mode), slog.Time("expires_at", t.ExpiresAt))
	return t, nil
}

// fallback returns the token in memory when a refresh failed but that
// token is still valid, and the error otherwise.
func (b *Broker) fallback(ctx context.Context, appID string, err error) (Secret, error) {
	now := b.now()
	b.mu.Lock()
	st := b.app(appID)
	t := st.token
	b.mu.Unlock()
	if t.Value != "" && now.Before(t.ExpiresAt) {
		b.logger().LogAttrs(ctx, slog.LevelWarn, "wechat token refresh failed, using the current token until it expires",
			slog.String("appid", appID), slog.Time("expires_at", t.ExpiresAt), slog.String("error", redactText(err.Error())))
		return t.Value, nil
	}
	return "", fmt.Errorf("wechat: access token of %s: %w", appID, err)
}

// refreshAt is when t is due: RefreshBefore its expiry minus jitter, but
// not sooner than minRefreshGap after it was fetched, nor after it expires.
// Called with b.mu held.
func (b *Broker) refreshAt(t CachedToken) time.Time {
	before := b.refreshBefore()
	at := t.ExpiresAt.Add(-before - b.jitter(before/2))
	if floor := t.FetchedAt.Add(minRefreshGap); at.Before(floor) {
		at = floor
	}
	if at.After(t.ExpiresAt) {
		at = t.ExpiresAt
	}
	return at
}

func (b *Broker) recordError(ctx context.Context, appID string, err error) {
	msg := redactText(err.Error())
	b.mu.Lock()
	b.app(appID).lastError = msg
	b.mu.Unlock()
	b.logger().LogAttrs(ctx, slog.LevelWarn, "wechat token refresh failed",
		slog.String("appid", appID), slog.String("error", msg))
}

func (b *Broker) countWait(appID string) {
	b.mu.Lock()
	b.app(appID).waits++
	b.mu.Unlock()
	b.Metrics.waited(appID)
}

// app returns appID's state, creating it. Called with b.mu held.
func (b *Broker) app(appID string) *appTokenState {
	if b.apps == nil {
		b.apps = make(map[string]*appTokenState)
	}
	st, ok := b.apps[appID]
	if !ok {
		st = &appTokenState{}
		b.apps[appID] = st
	}
	return st
}

func (b *Broker) now() time.Time {
	if b.Now == nil {
		return time.Now()
	}
	return b.Now()
}

func (b *Broker) jitter(max time.Duration) time.Duration {
	if b.Jitter == nil {
		return randomDuration(max)
	}
	return b.Jitter(max)
}

func (b *Broker) refreshBefore() time.Duration {
	if b.RefreshBefore <= 0 {
		return 10 * time.Minute
	}
	return b.RefreshBefore
}

func (b *Broker) maxWait() time.Duration {
	if b.MaxWait <= 0 {
		return 10 * time.Second
	}
	return b.MaxWait
}

func (b *Broker) forceInterval() time.Duration {
	if b.ForceInterval <= 0 {
		return time.Minute
	}
	return b.ForceInterval
}

func (b *Broker) logger() *slog.Logger {
	if b.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return b.Logger
}
