// Package models is the data layer: GORM structs, one file per table, and a
// Store whose methods never commit on their own; the service that owns a
// business operation opens the one transaction it runs in (Store.WithTx).
package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/semaphore"
	"gorm.io/gorm"
)

// Dialect names the database behind a Store.
type Dialect string

const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

var (
	// ErrNotFound: the row asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique constraint refused the write.
	ErrConflict = errors.New("conflict")
)

// Store is the data layer over one database. Inside WithTx the callback gets
// a Store bound to the transaction, so the same methods run in or out of it.
type Store struct {
	db      *gorm.DB
	dialect Dialect
	keys    *Keyring
	now     func() time.Time
	admit   *semaphore.Weighted // FIFO admission to the pool; nil inside WithTx and WithConn
}

// NewStore wraps an open GORM handle. keys seal secrets at rest; now is the
// clock (time.Now in production, a fake in tests).
func NewStore(db *gorm.DB, dialect Dialect, keys *Keyring, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	st := &Store{db: db, dialect: dialect, keys: keys, now: now}
	if sqlDB, err := db.DB(); err == nil {
		if n := sqlDB.Stats().MaxOpenConnections; n > 0 {
			st.admit = semaphore.NewWeighted(int64(n))
		}
	}
	return st
}

// Dialect reports which database this is.
func (s *Store) Dialect() Dialect { return s.dialect }

// Keys returns the keyring sealing secrets at rest.
func (s *Store) Keys() *Keyring { return s.keys }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now().UTC() }

// SQLDB exposes the pool for migrations, health checks and pool metrics.
func (s *Store) SQLDB() (*sql.DB, error) { return s.db.DB() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	db, err := s.db.DB()
	if err != nil {
		return err
	}
	return db.PingContext(ctx)
}

// WithTx runs fn in one transaction: committed if fn returns nil, rolled back
// otherwise (and on panic), so a business operation is written whole or not at all.
//
// Transactions queue first come, first served for one of the pool's
// connections. database/sql hands a freed connection to a random waiter,
// which under load leaves a few requests waiting many times the median.
func (s *Store) WithTx(ctx context.Context, fn func(tx *Store) error) error {
	release, err := s.admitted(ctx)
	if err != nil {
		return err
	}
	defer release()
	return s.db.WithContext(ctx).Transaction(func(gtx *gorm.DB) error { return fn(s.on(gtx)) })
}

// WithConn runs fn on one connection of the pool, admitted first come,
// first served like WithTx, for a flow of statements that needs no
// transaction (each is atomic on its own).
func (s *Store) WithConn(ctx context.Context, fn func(c *Store) error) error {
	release, err := s.admitted(ctx)
	if err != nil {
		return err
	}
	defer release()
	return s.db.WithContext(ctx).Connection(func(c *gorm.DB) error { return fn(s.on(c)) })
}

// admitted waits for this store's turn at the pool; release gives it back.
// A store bound to a transaction or connection already has its turn.
func (s *Store) admitted(ctx context.Context) (release func(), err error) {
	if s.admit == nil {
		return func() {}, nil
	}
	if err := s.admit.Acquire(ctx, 1); err != nil {
		return nil, err
	}
	return func() { s.admit.Release(1) }, nil
}

// on is this store bound to one transaction or connection (and not admitted
// again: its WithTx and WithConn run inside the turn they are in).
func (s *Store) on(db *gorm.DB) *Store {
	return &Store{db: db, dialect: s.dialect, keys: s.keys, now: s.now}
}

func (s *Store) conn(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// translate maps driver errors to the package's sentinels, keeping the cause.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	case errors.Is(err, gorm.ErrDuplicatedKey), isUniqueViolation(err):
		return fmt.Errorf("%w: %w", ErrConflict, err)
	}
	return err
}
