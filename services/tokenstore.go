package services

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/wechat"
)

// TokenStore keeps the WeChat access token in the database, so every
// instance shares one token; it implements wechat.TokenStore.
type TokenStore struct {
	Store   *models.Store
	MaxWait time.Duration // bound on waiting for another refresher (default 10s)

	mu    sync.Mutex
	local map[string]*sync.Mutex
}

var _ wechat.TokenStore = (*TokenStore)(nil)

func (t *TokenStore) LoadToken(ctx context.Context, appID string) (wechat.CachedToken, error) {
	tok, err := t.Store.LoadAccessToken(ctx, appID)
	if errors.Is(err, models.ErrNotFound) {
		return wechat.CachedToken{}, wechat.ErrNoCachedToken
	}
	if err != nil {
		return wechat.CachedToken{}, &storeFailure{err}
	}
	return wechat.CachedToken{AppID: appID, Value: wechat.Secret(tok.Value), FetchedAt: tok.FetchedAt, ExpiresAt: tok.ExpiresAt, Kind: tok.Kind}, nil
}

func (t *TokenStore) SaveToken(ctx context.Context, c wechat.CachedToken) error {
	return asStoreFailure(t.Store.SaveAccessToken(ctx, models.AccessToken{AppID: c.AppID, Kind: c.Kind, Value: c.Value.Reveal(), FetchedAt: c.FetchedAt, ExpiresAt: c.ExpiresAt}))
}

func (t *TokenStore) ExpireTokenIf(ctx context.Context, appID string, failed wechat.Secret) (bool, error) {
	expired, err := t.Store.ExpireAccessTokenIf(ctx, appID, failed.Reveal())
	return expired, asStoreFailure(err)
}

// WithRefreshLock holds an in-process lock (one refresher per process) and,
// on PostgreSQL, an advisory lock (one refresher per deployment).
func (t *TokenStore) WithRefreshLock(ctx context.Context, appID string, fn func(ctx context.Context) error) error {
	wait := t.MaxWait
	if wait <= 0 {
		wait = 10 * time.Second
	}
	m := t.localLock(appID)
	locked := make(chan struct{})
	go func() { m.Lock(); close(locked) }()
	select {
	case <-locked:
	case <-ctx.Done():
		go func() { <-locked; m.Unlock() }() // release once acquired; never leak the lock
		return ctx.Err()
	}
	defer m.Unlock()
	return t.Store.WithAdvisoryLock(ctx, "access_token:"+appID, wait, fn)
}

func (t *TokenStore) localLock(appID string) *sync.Mutex {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.local == nil {
		t.local = map[string]*sync.Mutex{}
	}
	m, ok := t.local[appID]
	if !ok {
		m = &sync.Mutex{}
		t.local[appID] = m
	}
	return m
}

// AppSecrets reads AppSecrets from the apps table, cached briefly: every
// login needs one, and they change only when an operator runs `mpauth app add`.
type AppSecrets struct {
	Store *models.Store
	TTL   time.Duration

	mu    sync.Mutex
	cache map[string]cachedSecret
}

type cachedSecret struct {
	secret wechat.Secret
	at     time.Time
}

var _ wechat.AppSecrets = (*AppSecrets)(nil)

func (a *AppSecrets) AppSecret(ctx context.Context, appID string) (wechat.Secret, error) {
	ttl := a.TTL
	if ttl <= 0 {
		ttl = time.Minute
	}
	a.mu.Lock()
	c, ok := a.cache[appID]
	a.mu.Unlock()
	if ok && time.Since(c.at) < ttl {
		return c.secret, nil
	}
	s, err := a.Store.AppSecret(ctx, appID)
	if errors.Is(err, models.ErrNotFound) {
		return "", err
	}
	if err != nil {
		return "", &storeFailure{err}
	}
	a.mu.Lock()
	if a.cache == nil {
		a.cache = map[string]cachedSecret{}
	}
	a.cache[appID] = cachedSecret{secret: wechat.Secret(s), at: time.Now()}
	a.mu.Unlock()
	return wechat.Secret(s), nil
}

// storeFailure marks a database failure met inside a WeChat call (reading
// the AppSecret or the shared token): the client must hear
// service_unavailable, not be told that WeChat is down.
type storeFailure struct{ err error }

func (e *storeFailure) Error() string { return "store: " + e.err.Error() }
func (e *storeFailure) Unwrap() error { return e.err }

func asStoreFailure(err error) error {
	if err == nil {
		return nil
	}
	return &storeFailure{err}
}

// isStoreFailure reports whether a WeChat call failed on our own database.
func isStoreFailure(err error) bool {
	var sf *storeFailure
	return errors.As(err, &sf)
}
