package models

import (
	"context"
	"time"
)

// RateLimit is one shared token bucket, kept as GCRA's theoretical arrival
// time: the bucket is full again at TAT, and a request at now conforms while
// TAT - now stays within the burst's tolerance.
type RateLimit struct {
	Name string `gorm:"primaryKey"`
	TAT  int64  `gorm:"column:tat"` // Unix nanoseconds
}

// takeRateTokenSQL takes one token in one statement: a new key conforms; an
// existing one conforms when max(tat, now) - now <= tolerance, and then
// moves tat one interval on. ON CONFLICT re-reads the row under its lock,
// so instances racing on one key never both take the last token.
// Parameters: name, now, interval, tolerance.
// CAST names the parameters' type for PostgreSQL, in a syntax SQLite reads.
const takeRateTokenSQL = `INSERT INTO rate_limits (name, tat) VALUES ($1, CAST($2 AS BIGINT) + CAST($3 AS BIGINT))
ON CONFLICT (name) DO UPDATE SET tat = (CASE WHEN rate_limits.tat > CAST($2 AS BIGINT) THEN rate_limits.tat ELSE CAST($2 AS BIGINT) END) + CAST($3 AS BIGINT)
WHERE (CASE WHEN rate_limits.tat > CAST($2 AS BIGINT) THEN rate_limits.tat ELSE CAST($2 AS BIGINT) END) - CAST($2 AS BIGINT) <= CAST($4 AS BIGINT)
RETURNING tat`

// TakeRateToken takes a token from the named bucket, which holds burst
// tokens and gains one every interval. When it is empty, ok is false and
// wait says when a token will be there.
func (s *Store) TakeRateToken(ctx context.Context, name string, now time.Time, interval time.Duration, burst int) (ok bool, wait time.Duration, err error) {
	at, tolerance := now.UnixNano(), int64(interval)*int64(max(burst-1, 0))
	var tat int64
	found, err := s.queryRow(ctx, takeRateTokenSQL, []any{name, at, int64(interval), tolerance}, &tat)
	if err != nil || found {
		return found, 0, translate(err)
	}
	if err := s.conn(ctx).Model(&RateLimit{}).Where("name = ?", name).Pluck("tat", &tat).Error; err != nil {
		return false, 0, translate(err)
	}
	return false, time.Duration(max(tat-tolerance-at, 1)), nil
}

// DeleteFullRateLimits forgets buckets that are full again at now: a key
// that comes back starts full, as if it had never been seen.
func (s *Store) DeleteFullRateLimits(ctx context.Context, now time.Time) (int64, error) {
	res := s.conn(ctx).Where("tat <= ?", now.UnixNano()).Delete(&RateLimit{})
	return res.RowsAffected, translate(res.Error)
}
