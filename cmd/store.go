package cmd

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/mpauth/mpauth/config"
	"github.com/mpauth/mpauth/migrations"
	"github.com/mpauth/mpauth/models"
)

// openStore opens the configured database with the configured keys, on a
// clock. It does not migrate: serve and `migrate up` decide that.
func openStore(ctx context.Context, cfg config.Config, clock func() time.Time) (*models.Store, func(), error) {
	keys := cfg.SecretKeys
	if len(keys) == 0 {
		var err error
		if keys, err = config.DevSecretKey(cfg.DataDir); err != nil {
			return nil, nil, fmt.Errorf("development secret key: %w", err)
		}
	}
	raw := make([][]byte, len(keys))
	for i, k := range keys {
		raw[i] = []byte(k.Reveal())
	}
	keyring, err := models.NewKeyring(raw...)
	if err != nil {
		return nil, nil, err
	}
	db, dialect, err := models.Open(ctx, models.OpenOptions{
		PostgresURL:    cfg.DatabaseURL.Reveal(),
		SQLitePath:     sqlitePath(cfg),
		CreateDatabase: !cfg.Production(),
		MaxOpenConns:   cfg.DBMaxConns,
	})
	if err != nil {
		return nil, nil, err
	}
	store := models.NewStore(db, dialect, keyring, clock)
	closeFn := func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	}
	return store, closeFn, nil
}

func sqlitePath(cfg config.Config) string { return filepath.Join(cfg.DataDir, "mpauth.db") }

func migrateUp(ctx context.Context, store *models.Store) (int, error) {
	sqlDB, err := store.SQLDB()
	if err != nil {
		return 0, err
	}
	res, err := migrations.Up(ctx, sqlDB, string(store.Dialect()))
	return len(res), err
}

func describeDatabase(cfg config.Config) string {
	if cfg.UsesSQLite() {
		return "SQLite " + sqlitePath(cfg) + " (embedded; set DATABASE_URL for PostgreSQL)"
	}
	return "PostgreSQL " + redactURL(cfg.DatabaseURL.Reveal())
}

// openMigrated is the preamble of the commands that work on the data: read
// the configuration, open the database and bring its schema up to date.
func openMigrated(ctx context.Context, e env) (config.Config, *models.Store, func(), error) {
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return cfg, nil, nil, fmt.Errorf("configuration:\n%w", err)
	}
	store, closeStore, err := openStore(ctx, cfg, time.Now)
	if err != nil {
		return cfg, nil, nil, err
	}
	if _, err := migrateUp(ctx, store); err != nil {
		closeStore()
		return cfg, nil, nil, err
	}
	return cfg, store, closeStore, nil
}

// redactURL makes a URL fit to print: no password, whether in its user
// info or in a query parameter (libpq takes ?password=, ?sslpassword=).
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	q := u.Query()
	for k := range q {
		if strings.Contains(strings.ToLower(k), "password") || strings.EqualFold(k, "secret") {
			q.Set(k, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.Redacted()
}
