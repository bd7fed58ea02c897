package models_test

import (
	"context"
	"sync"
	"testing"

	"github.com/mpauth/mpauth/dbtest"
	"github.com/mpauth/mpauth/migrations"
	"github.com/mpauth/mpauth/models"
)

func TestPhoneVerificationsCountEveryBindAcrossShards(t *testing.T) {
	st := dbtest.New(t)
	ctx := context.Background()
	const app, other = "wx0000000000000001", "wx0000000000000002"
	for _, a := range []string{app, other} {
		if err := st.UpsertApp(ctx, a, a, "s"); err != nil {
			t.Fatal(err)
		}
	}
	const day, next = "2026-11-24", "2026-11-25"

	// Concurrent binds, as under load: none may be lost to a race on a shard.
	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for range 40 {
		wg.Go(func() { errs <- st.CountPhoneVerification(ctx, app, day) })
	}
	for range 15 {
		wg.Go(func() { errs <- st.CountPhoneVerification(ctx, other, day) })
	}
	for range 5 {
		wg.Go(func() { errs <- st.CountPhoneVerification(ctx, app, next) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	d, n := day, next
	for _, c := range []struct {
		from, to string
		want     int64
	}{{d, d, 55}, {n, n, 5}, {d, n, 60}, {"2026-11-01", "2026-11-23", 0}} {
		if got, err := st.PhoneVerifications(ctx, c.from, c.to); err != nil || got != c.want {
			t.Errorf("verifications %s..%s = %d (%v), want %d", c.from, c.to, got, err, c.want)
		}
	}
	sqlDB, _ := st.SQLDB()
	var rows int
	if err := sqlDB.QueryRowContext(ctx, "SELECT count(*) FROM phone_verifications_daily WHERE app_id = '"+app+"' AND day = '"+d+"'").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows < 2 || rows > models.VerificationShards {
		t.Errorf("40 binds of a day went to %d rows, want them spread over 2..%d", rows, models.VerificationShards)
	}
}

// Counts written before the shards keep their total through the migration
// and back.
func TestPhoneVerificationShardsMigrationKeepsTheCounts(t *testing.T) {
	target := dbtest.Fresh(t)
	db, dialect, err := models.Open(context.Background(), models.OpenOptions{PostgresURL: target.PostgresURL, SQLitePath: target.SQLitePath})
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := db.DB()
	t.Cleanup(func() { sqlDB.Close() })
	ctx := context.Background()
	p, err := migrations.NewProvider(sqlDB, string(dialect))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 3); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"INSERT INTO apps (app_id, name, secret_ciphertext, secret_key_id, created_at, updated_at) VALUES ('wx0000000000000001', 'one', '', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
		"INSERT INTO phone_verifications_daily (app_id, day, count) VALUES ('wx0000000000000001', '2026-11-23', 7), ('wx0000000000000001', '2026-11-24', 3)",
	} {
		if _, err := sqlDB.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.UpTo(ctx, 4); err != nil {
		t.Fatal(err)
	}
	keys, _ := models.NewKeyring(dbtest.RandomKey())
	st := models.NewStore(db, dialect, keys, nil)
	for range 6 {
		if err := st.CountPhoneVerification(ctx, "wx0000000000000001", "2026-11-24"); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := st.PhoneVerifications(ctx, "2026-11-23", "2026-11-24"); err != nil || got != 16 {
		t.Fatalf("after the migration: %d (%v), want 7 + 3 + 6", got, err)
	}
	if _, err := p.DownTo(ctx, 3); err != nil {
		t.Fatal(err)
	}
	var day23, day24 int64
	if err := sqlDB.QueryRowContext(ctx, "SELECT (SELECT count FROM phone_verifications_daily WHERE day = '2026-11-23'), (SELECT count FROM phone_verifications_daily WHERE day = '2026-11-24')").Scan(&day23, &day24); err != nil {
		t.Fatal(err)
	}
	if day23 != 7 || day24 != 9 {
		t.Fatalf("after migrating down: %d and %d, want 7 and 9 (one row per day again)", day23, day24)
	}
}
