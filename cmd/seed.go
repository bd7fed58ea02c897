package cmd

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/mpauth/mpauth/seed"
)

// runSeed fills the configured database with a year of realistic data, for
// load tests and for trying the admin pages at scale.
func runSeed(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	users := fs.Int("users", 10_000, "users to create")
	audit := fs.Int("audit", 50_000, "login_audit rows to create")
	apps := fs.Int("apps", 1, "mini programs to create")
	randSeed := fs.Uint64("seed", 1, "random seed: the same seed gives the same data")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, store, closeStore, err := openMigrated(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore()
	fmt.Fprintf(e.stdout, "seed: %d users, %d audit rows, %d app(s) into %s\n", *users, *audit, *apps, describeDatabase(cfg))
	res, err := seed.Run(ctx, store, seed.Options{Users: *users, Audit: *audit, Apps: *apps, Seed: *randSeed, Progress: e.stdout})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "seed: done in %s: %d apps, %d users, %d identities, %d phones, %d phone events, %d audit rows; main app %s\n",
		res.Elapsed.Round(100*time.Millisecond), res.Apps, res.Users, res.Identities, res.Phones, res.PhoneEvents, res.Audit, seed.AppID(0))
	return nil
}
