package services

import (
	"context"
	"time"

	"github.com/mpauth/mpauth/models"
)

// SharedLimiter is a keyed token-bucket limit kept in the database, so it
// holds for the whole deployment however many instances share the traffic.
// It is for the limits that protect money or secrets (paid phone
// verifications, a viewer's phone searches); one statement per check.
type SharedLimiter struct {
	Store *models.Store
	Name  string // prefixes each key in the rate_limits table
	Limit Limit
}

// Allow takes a token for key at now, or reports how long to wait. A nil
// limiter or a zero Limit allows everything.
func (l *SharedLimiter) Allow(ctx context.Context, key string, now time.Time) (ok bool, retryAfter time.Duration, err error) {
	if l == nil || l.Limit.Burst <= 0 || l.Limit.Every <= 0 {
		return true, 0, nil
	}
	ok, wait, err := l.Store.TakeRateToken(ctx, l.Name+":"+key, now, l.Limit.Every, l.Limit.Burst)
	if err != nil {
		return false, 0, StoreError(err)
	}
	return ok, wait, nil
}
