package models

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"
)

// ErrLockTimeout: another holder kept the lock past the wait bound.
var ErrLockTimeout = errors.New("lock wait timed out")

// WithAdvisoryLock runs fn while holding a PostgreSQL transaction-scoped
// advisory lock named name, waiting at most wait. The lock is deployment-wide:
// every instance on the database queues on it. fn runs outside the locking
// transaction's connection, so it may use the Store freely. On SQLite it
// just runs fn; callers pair it with an in-process lock.
func (s *Store) WithAdvisoryLock(ctx context.Context, name string, wait time.Duration, fn func(ctx context.Context) error) error {
	if s.dialect != Postgres {
		return fn(ctx)
	}
	h := fnv.New64a()
	h.Write([]byte("mpauth:" + name))
	key := int64(h.Sum64())
	return s.db.WithContext(ctx).Transaction(func(tx *gormDB) error {
		if err := tx.Exec(fmt.Sprintf("SET LOCAL lock_timeout = '%dms'", wait.Milliseconds())).Error; err != nil {
			return err
		}
		if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", key).Error; err != nil {
			if isLockTimeout(err) {
				return ErrLockTimeout
			}
			return err
		}
		return fn(ctx)
	})
}
