package services

import (
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit is a token-bucket limit: Burst events at once, refilled at Every.
// A zero Limit does not limit.
type Limit struct {
	Burst int
	Every time.Duration // one token per Every
}

// Limiter keeps one token bucket per key (an IP, an openid, a user), in
// memory: each instance limits its own share of traffic, which bounds abuse
// without a round trip to a shared store on every request.
type Limiter struct {
	limit Limit
	mu    sync.Mutex
	keys  map[string]*bucket
	swept time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewLimiter returns a keyed limiter.
func NewLimiter(l Limit) *Limiter {
	return &Limiter{limit: l, keys: map[string]*bucket{}}
}

// Allow takes one token for key at now, or reports how long to wait.
func (l *Limiter) Allow(key string, now time.Time) (ok bool, retryAfter time.Duration) {
	if l == nil || l.limit.Burst <= 0 || l.limit.Every <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b, found := l.keys[key]
	if !found {
		b = &bucket{lim: rate.NewLimiter(rate.Every(l.limit.Every), l.limit.Burst)}
		l.keys[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep forgets buckets idle long enough to be full again, so memory stays
// bounded by the number of recently active keys.
func (l *Limiter) sweep(now time.Time) {
	idle := l.limit.Every * time.Duration(l.limit.Burst)
	if now.Sub(l.swept) < idle && len(l.keys) < 100_000 {
		return
	}
	l.swept = now
	for k, b := range l.keys {
		if now.Sub(b.seen) > idle {
			delete(l.keys, k)
		}
	}
}

// IPBucket is the key a per-address limit counts a client under: an IPv4
// address as it is (an IPv4-mapped IPv6 address too), an IPv6 address by
// its /64, which one subscriber usually holds whole; spelling variants and
// a port do not make a new bucket.
func IPBucket(ip string) string {
	if ap, err := netip.ParseAddrPort(ip); err == nil {
		ip = ap.Addr().String()
	}
	a, err := netip.ParseAddr(strings.Trim(ip, "[]"))
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.WithZone("").Prefix(64)
		return p.String()
	}
	return a.String()
}
