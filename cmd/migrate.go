package cmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mpauth/mpauth/config"
	"github.com/mpauth/mpauth/migrations"
)

const migrateUsage = "usage: mpauth migrate up|status\n  up      apply every pending migration (serve does this at start-up too)\n  status  list the migrations and whether each is applied"

func runMigrate(ctx context.Context, e env, args []string) error {
	if len(args) != 1 || (args[0] != "up" && args[0] != "status") {
		return errors.New(migrateUsage)
	}
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	store, closeStore, err := openStore(ctx, cfg, time.Now)
	if err != nil {
		return err
	}
	defer closeStore()
	if args[0] == "up" {
		n, err := migrateUp(ctx, store)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "applied %d migration(s) to %s\n", n, describeDatabase(cfg))
		return nil
	}
	sqlDB, err := store.SQLDB()
	if err != nil {
		return err
	}
	p, err := migrations.NewProvider(sqlDB, string(store.Dialect()))
	if err != nil {
		return err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return err
	}
	for _, s := range st {
		applied := "pending"
		if !s.AppliedAt.IsZero() {
			applied = "applied " + s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
		}
		fmt.Fprintf(e.stdout, "%05d  %-40s %s\n", s.Source.Version, s.Source.Path, applied)
	}
	return nil
}
