package models

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// OpenOptions says which database to open.
type OpenOptions struct {
	// PostgresURL selects PostgreSQL; empty selects SQLite at SQLitePath.
	PostgresURL string
	SQLitePath  string
	// CreateDatabase creates a missing PostgreSQL database (development only:
	// production databases are provisioned, not conjured).
	CreateDatabase bool
	MaxOpenConns   int
}

// Open connects to the database and checks that it answers.
func Open(ctx context.Context, o OpenOptions) (*gorm.DB, Dialect, error) {
	cfg := &gorm.Config{
		TranslateError: true,
		// Services open the transactions a business operation needs
		// (Store.WithTx); GORM's own BEGIN/COMMIT around each single write only
		// added two round trips to it.
		SkipDefaultTransaction: true,
		Logger:                 logger.Discard, // our request log is the log; GORM's would print SQL with values
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
	if o.PostgresURL == "" {
		db, err := openSQLite(o.SQLitePath, cfg)
		return db, SQLite, err
	}
	db, err := openPostgres(ctx, o, cfg)
	if err != nil && o.CreateDatabase && isMissingDatabase(err) {
		if cerr := createPostgresDatabase(ctx, o.PostgresURL); cerr != nil {
			return nil, "", fmt.Errorf("database does not exist and could not be created: %w", cerr)
		}
		db, err = openPostgres(ctx, o, cfg)
	}
	if err != nil {
		return nil, "", err
	}
	return db, Postgres, nil
}

func openPostgres(ctx context.Context, o OpenOptions, cfg *gorm.Config) (*gorm.DB, error) {
	db, err := gorm.Open(postgres.Open(o.PostgresURL), cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", redactDSNError(err, o.PostgresURL))
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	maxOpen := o.MaxOpenConns
	if maxOpen <= 0 {
		maxOpen = 20
	}
	sqlDB.SetMaxOpenConns(maxOpen)
	sqlDB.SetMaxIdleConns(maxOpen)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to postgres: %w", redactDSNError(err, o.PostgresURL))
	}
	return db, nil
}

func openSQLite(path string, cfg *gorm.Config) (*gorm.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	// WAL lets readers run beside the writer; busy_timeout makes writers queue
	// instead of failing; _txlock=immediate takes the write lock at BEGIN so two
	// transactions never deadlock upgrading from read to write.
	dsn := "file:" + filepath.ToSlash(path) +
		"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := gorm.Open(sqlite.Open(dsn), cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(4)
	if err := sqlDB.Ping(); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return db, nil
}

func isMissingDatabase(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "3D000"
}

func createPostgresDatabase(ctx context.Context, dsn string) error {
	u, err := url.Parse(dsn)
	if err != nil {
		return err
	}
	name := strings.TrimPrefix(u.Path, "/")
	admin := *u
	admin.Path = "/postgres"
	conn, err := pgx.Connect(ctx, admin.String())
	if err != nil {
		return redactDSNError(err, dsn)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // created by a concurrent start
		return nil
	}
	return err
}

// redactDSNError keeps a password in DATABASE_URL out of error messages.
func redactDSNError(err error, dsn string) error {
	u, perr := url.Parse(dsn)
	if perr != nil || u.User == nil {
		return err
	}
	if pw, ok := u.User.Password(); ok && pw != "" && strings.Contains(err.Error(), pw) {
		return errors.New(strings.ReplaceAll(err.Error(), pw, "***"))
	}
	return err
}
