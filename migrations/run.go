package migrations

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Dialects, matching the folder names.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// NewProvider returns a goose provider for dialect over the embedded files.
// On PostgreSQL it takes a session advisory lock, so two instances starting
// at once apply each migration exactly once.
func NewProvider(db *sql.DB, dialect string) (*goose.Provider, error) {
	sub, err := fs.Sub(FS, dialect)
	if err != nil {
		return nil, err
	}
	var opts []goose.ProviderOption
	gooseDialect := goose.DialectSQLite3
	if dialect == Postgres {
		gooseDialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(gooseDialect, db, sub, opts...)
}

// Up applies every pending migration.
func Up(ctx context.Context, db *sql.DB, dialect string) ([]*goose.MigrationResult, error) {
	p, err := NewProvider(db, dialect)
	if err != nil {
		return nil, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return res, fmt.Errorf("migrate up: %w", err)
	}
	return res, nil
}

// Current reports an error when the schema is not at the newest version:
// readiness depends on it, so a half-upgraded instance takes no traffic.
func Current(ctx context.Context, db *sql.DB, dialect string) error {
	p, err := NewProvider(db, dialect)
	if err != nil {
		return err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("check migrations: %w", err)
	}
	if pending {
		return fmt.Errorf("migrations pending: run `mpauth migrate up`")
	}
	return nil
}
