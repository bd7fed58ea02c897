package models

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

type gormDB = gorm.DB

// isLockTimeout recognises PostgreSQL's lock_not_available (55P03).
func isLockTimeout(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "55P03"
}

// isUniqueViolation recognises PostgreSQL's unique_violation (23505) from a
// raw statement, which GORM's error translation does not see.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}
