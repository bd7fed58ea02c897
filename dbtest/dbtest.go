// Package dbtest gives each test a fresh database, migrated by the same files
// production uses: PostgreSQL when TEST_DATABASE_URL is set, otherwise the
// embedded SQLite in the test's temp dir. When TEST_DATABASE_URL is set and
// the server cannot be reached the test fails; it is never silently skipped.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mpauth/mpauth/migrations"
	"github.com/mpauth/mpauth/models"
)

// Target is an empty database: a PostgreSQL URL or an SQLite file path.
type Target struct {
	PostgresURL string
	SQLitePath  string
}

// Dialect reports which database the target is.
func (t Target) Dialect() models.Dialect {
	if t.PostgresURL != "" {
		return models.Postgres
	}
	return models.SQLite
}

// Postgres reports whether tests run against PostgreSQL.
func Postgres() bool { return os.Getenv("TEST_DATABASE_URL") != "" }

// Fresh creates an empty database for t and drops it when t ends.
func Fresh(t testing.TB) Target {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		return Target{SQLitePath: filepath.Join(t.TempDir(), "mpauth.db")}
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	name := "mpauth_t_" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL is set but PostgreSQL is unreachable: %v", err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		admin.Close(ctx)
		t.Fatalf("create test database: %v", err)
	}
	admin.Close(ctx)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("drop test database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return Target{PostgresURL: u.String()}
}

// Open opens target and runs the migrations, returning a Store with a fresh
// random keyring and the given clock (nil: time.Now).
func Open(t testing.TB, target Target, now func() time.Time) *models.Store {
	t.Helper()
	ctx := context.Background()
	db, dialect, err := models.Open(ctx, models.OpenOptions{PostgresURL: target.PostgresURL, SQLitePath: target.SQLitePath, MaxOpenConns: 10})
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlDB.Close() })
	if _, err := migrations.Up(ctx, sqlDB, string(dialect)); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	keys, err := models.NewKeyring(RandomKey())
	if err != nil {
		t.Fatal(err)
	}
	return models.NewStore(db, dialect, keys, now)
}

// New is Fresh followed by Open: a migrated, empty database for one test.
func New(t testing.TB) *models.Store {
	t.Helper()
	return Open(t, Fresh(t), nil)
}

// RandomKey returns a 32-byte master key.
func RandomKey() []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

// Name is a short label for subtests ("postgres" or "sqlite").
func Name() string {
	if Postgres() {
		return "postgres"
	}
	return "sqlite"
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return strings.ToLower(hex.EncodeToString(b))
}
