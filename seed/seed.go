// Package seed fills a database with a population that looks like a year of
// a real deployment: apps, users, their WeChat identities, phone bindings
// and the login audit trail. It exists so that benchmarks and admin pages
// are measured at the size they will meet (a million users, millions of
// audit rows), not on an empty database.
//
// Seeded user i is the fake WeChat's user DeviceUser(i): its openid in an
// app is fakewechat.OpenID(appid, DeviceUser(i)), so a load test that plays
// that user through the fake logs in as the seeded user, not as a new one.
package seed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/mpauth/mpauth/models"
)

// Options say how much to seed.
type Options struct {
	Users int // users, each with an identity in the first app
	Audit int // login_audit rows
	Apps  int // apps; 0 means 1
	// End is the end of the seeded year; zero means the store's clock.
	End time.Time
	// Seed makes the data reproducible: the same Seed gives the same rows.
	Seed uint64
	// Progress gets a line per table and about one a second while a large
	// table is written; nil discards them.
	Progress io.Writer
}

// Result counts what was written.
type Result struct {
	Apps, Users, Identities, Phones, PhoneEvents, Audit int
	Elapsed                                             time.Duration
}

// ErrNotEmpty: the database already has users. Seeded users are named
// DeviceUser(0..N-1), so a second seed would collide with the first.
var ErrNotEmpty = errors.New("the database already has users: seed a fresh database")

// AppID is the appid of the i-th seeded app (from 0); the first one is the
// app every seeded user has an identity in.
func AppID(i int) string { return fmt.Sprintf("wx5eed%012d", i+1) }

// DeviceUser is the fake WeChat's name for seeded user i.
func DeviceUser(i int) string { return "u" + strconv.Itoa(i) }

// Phone returns a mainland mobile number (11 digits, 1[3-9]...) that belongs
// to user i alone: variant 0 is the number the seed binds, other variants
// are more numbers of the same user (a load test binds them without ever
// meeting another user's number). variant must be below Variants and i below
// MaxUsers.
func Phone(i, variant int) string {
	// x numbers the pair; y = x·A + B modulo 7·10⁹ is a bijection (A is
	// prime to 2, 5 and 7) onto the 7·10⁹ numbers 13x..19x, which spreads
	// consecutive users over the prefixes and the last four digits evenly.
	const span = 7_000_000_000
	x := uint64(variant)*MaxUsers + uint64(i)
	y := (x*1_000_003 + 123_456_789) % span
	return fmt.Sprintf("1%d%09d", 3+y/1_000_000_000, y%1_000_000_000)
}

// Variants is the number of distinct phone numbers Phone gives one user.
const Variants = 16

// MaxUsers bounds the users Phone can number: 7·10⁹ mainland numbers shared
// by Variants numbers each.
const MaxUsers = 7_000_000_000 / Variants

// Run writes the population into store's database, which must have no users
// yet, and runs ANALYZE so that the planner knows the new sizes.
func Run(ctx context.Context, store *models.Store, o Options) (Result, error) {
	start := time.Now()
	if o.Users < 0 || o.Audit < 0 || o.Apps < 0 {
		return Result{}, errors.New("seed: counts must not be negative")
	}
	if o.Users > MaxUsers {
		return Result{}, fmt.Errorf("seed: at most %d users", MaxUsers)
	}
	if o.Apps == 0 {
		o.Apps = 1
	}
	if o.End.IsZero() {
		o.End = store.Now()
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	sqlDB, err := store.SQLDB()
	if err != nil {
		return Result{}, err
	}
	var hasUsers bool
	if err := sqlDB.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM users)").Scan(&hasUsers); err != nil {
		return Result{}, fmt.Errorf("seed: %w", err)
	}
	if hasUsers {
		return Result{}, ErrNotEmpty
	}

	p := newPopulation(o)
	res := Result{Apps: o.Apps}
	for i := range o.Apps {
		// Through the store, so the AppSecret is sealed like any other.
		if err := store.UpsertApp(ctx, AppID(i), fmt.Sprintf("Seed mini program %d", i+1), p.appSecret(i)); err != nil {
			return Result{}, fmt.Errorf("seed app %s: %w", AppID(i), err)
		}
	}
	fmt.Fprintf(o.Progress, "seed: %d app(s)\n", o.Apps)

	w := writer{progress: &lockedWriter{w: o.Progress}}
	switch store.Dialect() {
	case models.Postgres:
		err = w.copyPostgres(ctx, sqlDB, p, &res)
	default:
		err = w.insertSQLite(ctx, sqlDB, p, &res)
	}
	if err != nil {
		return res, err
	}
	fmt.Fprintln(o.Progress, "seed: ANALYZE")
	if _, err := sqlDB.ExecContext(ctx, "ANALYZE"); err != nil {
		return res, fmt.Errorf("seed: analyze: %w", err)
	}
	res.Elapsed = time.Since(start)
	return res, nil
}
