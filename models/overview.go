package models

import (
	"context"
	"fmt"
	"time"
)

// Tables whose size the overview shows.
const (
	TableUsers         = "users"
	TablePhoneBindings = "phone_bindings"
)

// CountRowsUpTo counts a table's rows but stops at limit: exact for small
// tables, bounded work for big ones (where EstimateRows takes over).
func (s *Store) CountRowsUpTo(ctx context.Context, table string, limit int64) (int64, error) {
	if table != TableUsers && table != TablePhoneBindings {
		return 0, fmt.Errorf("count rows: unknown table %q", table)
	}
	var n int64
	err := s.conn(ctx).Raw("SELECT count(*) FROM (SELECT 1 FROM "+table+" LIMIT ?) AS t", limit).Scan(&n).Error
	return n, translate(err)
}

// EstimateRows reads a table's size from statistics instead of counting it:
// pg_class.reltuples on PostgreSQL (kept by autovacuum's ANALYZE), the
// largest rowid on SQLite (rows are never deleted from these tables).
func (s *Store) EstimateRows(ctx context.Context, table string) (int64, error) {
	if table != TableUsers && table != TablePhoneBindings {
		return 0, fmt.Errorf("estimate rows: unknown table %q", table)
	}
	var n float64
	var err error
	if s.dialect == Postgres {
		err = s.conn(ctx).Raw("SELECT reltuples FROM pg_class WHERE oid = to_regclass(?)", table).Scan(&n).Error
	} else {
		err = s.conn(ctx).Raw("SELECT COALESCE(MAX(rowid), 0) FROM " + table).Scan(&n).Error
	}
	if n < 0 { // PostgreSQL: never analyzed
		n = 0
	}
	return int64(n), translate(err)
}

// LoginCounts are the login attempts of a time range.
type LoginCounts struct {
	Success int64
	Failure int64
}

// CountLogins counts login attempts in [from, to) from the (event,
// created_at) index, which carries result.
func (s *Store) CountLogins(ctx context.Context, from, to time.Time) (LoginCounts, error) {
	var rows []struct {
		Result string
		N      int64
	}
	err := s.conn(ctx).Model(&LoginAudit{}).Select("result, count(*) AS n").
		Where("event = ? AND created_at >= ? AND created_at < ?", EventLogin, utc(from), utc(to)).
		Group("result").Scan(&rows).Error
	var c LoginCounts
	for _, r := range rows {
		switch r.Result {
		case ResultSuccess:
			c.Success = r.N
		case ResultFailure:
			c.Failure = r.N
		}
	}
	return c, translate(err)
}

// DayCount is a count for one day, YYYY-MM-DD in the zone the caller asked
// for, split by login result where there is one.
type DayCount struct {
	Day    string
	Result string
	N      int64
}

// dayOf is the SQL for the day of created_at at a fixed UTC offset.
func (s *Store) dayOf(offset time.Duration) (string, any) {
	if s.dialect == Postgres {
		return "to_char((created_at AT TIME ZONE 'UTC') + make_interval(secs => ?), 'YYYY-MM-DD')", offset.Seconds()
	}
	return "strftime('%Y-%m-%d', created_at, ?)", fmt.Sprintf("%+d seconds", int64(offset.Seconds()))
}

// LoginsPerDay counts login attempts in [from, to) per day (at the UTC
// offset) and result: one pass over the (event, created_at) index, which
// carries result, so no table row is read.
func (s *Store) LoginsPerDay(ctx context.Context, from, to time.Time, offset time.Duration) ([]DayCount, error) {
	day, arg := s.dayOf(offset)
	var out []DayCount
	err := s.conn(ctx).Model(&LoginAudit{}).Select(day+" AS day, result, count(*) AS n", arg).
		Where("event = ? AND created_at >= ? AND created_at < ?", EventLogin, utc(from), utc(to)).
		Group("day, result").Scan(&out).Error
	return out, translate(err)
}

// PhoneBindsPerDay counts numbers bound or replaced in [from, to) per day,
// from the (created_at) index, which carries event.
func (s *Store) PhoneBindsPerDay(ctx context.Context, from, to time.Time, offset time.Duration) ([]DayCount, error) {
	day, arg := s.dayOf(offset)
	var out []DayCount
	err := s.conn(ctx).Model(&PhoneBindingEvent{}).Select(day+" AS day, count(*) AS n", arg).
		Where("created_at >= ? AND created_at < ? AND event IN ?", utc(from), utc(to), []string{"bind", "replace"}).
		Group("day").Scan(&out).Error
	return out, translate(err)
}

// ErrCodeCount is how often WeChat answered with one errcode.
type ErrCodeCount struct {
	ErrCode int `gorm:"column:wechat_errcode"`
	N       int64
}

// TopWeChatErrCodes lists the most frequent WeChat errcodes since a time,
// from the failures' partial index, which carries the errcode (only
// failures have one).
func (s *Store) TopWeChatErrCodes(ctx context.Context, since time.Time, n int) ([]ErrCodeCount, error) {
	var out []ErrCodeCount
	err := s.conn(ctx).Model(&LoginAudit{}).Select("wechat_errcode, count(*) AS n").
		Where("result = ? AND wechat_errcode IS NOT NULL AND created_at >= ?", ResultFailure, utc(since)).
		Group("wechat_errcode").Order("n DESC, wechat_errcode").Limit(n).Scan(&out).Error
	return out, translate(err)
}
