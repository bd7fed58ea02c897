package models_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mpauth/mpauth/dbtest"
)

// A shared bucket gives out exactly its burst to requests racing on many
// connections (as instances do), then one token per interval.
func TestRateTokensAreExactUnderRaces(t *testing.T) {
	st := dbtest.New(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var taken atomic.Int64
	var wg sync.WaitGroup
	for range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, wait, err := st.TakeRateToken(ctx, "phone:user:u1", now, time.Minute, 5)
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				taken.Add(1)
			} else if wait <= 0 || wait > time.Minute {
				t.Errorf("a refused request should wait (0, 1m], got %v", wait)
			}
		}()
	}
	wg.Wait()
	if n := taken.Load(); n != 5 {
		t.Fatalf("24 racing requests took %d tokens from a bucket of 5", n)
	}
	for _, c := range []struct {
		after time.Duration
		want  bool
	}{{59 * time.Second, false}, {time.Minute, true}, {time.Minute, false}, {5 * time.Minute, true}} {
		ok, _, err := st.TakeRateToken(ctx, "phone:user:u1", now.Add(c.after), time.Minute, 5)
		if err != nil || ok != c.want {
			t.Fatalf("at +%v: ok=%v err=%v, want %v", c.after, ok, err, c.want)
		}
	}
	if ok, _, _ := st.TakeRateToken(ctx, "phone:user:u2", now, time.Minute, 5); !ok {
		t.Fatal("another key shares the bucket")
	}
	if n, err := st.DeleteFullRateLimits(ctx, now.Add(time.Hour)); err != nil || n != 2 {
		t.Fatalf("full buckets deleted: %d %v, want 2", n, err)
	}
}

// The legacy phone budget counts attempts before they are made, so racing
// requests cannot get more than the budget's failures; a success is given
// back; the budget belongs to the openid, not to the identity row.
func TestLegacyPhoneBudgetIsExactAndOutlivesTheIdentity(t *testing.T) {
	st := dbtest.New(t)
	ctx := context.Background()
	const app = "wx0000000000000001"
	if err := st.UpsertApp(ctx, app, "one", "s1"); err != nil {
		t.Fatal(err)
	}
	_, id := newUserWithIdentity(t, st, app, "oAttacker")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	since := now.Add(-24 * time.Hour)

	first, ok, _, err := st.TakeLegacyPhoneAttempt(ctx, id.ID, now, since, 5)
	if err != nil || !ok {
		t.Fatalf("first attempt: %v %v", ok, err)
	}
	if err := st.ForgiveLegacyPhoneAttempt(ctx, first); err != nil {
		t.Fatal(err)
	}
	var granted atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, ok, freeAt, err := st.TakeLegacyPhoneAttempt(ctx, id.ID, now, since, 5)
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				granted.Add(1)
			} else if !freeAt.Equal(now) {
				t.Errorf("freeAt = %v, want the oldest counted attempt (%v)", freeAt, now)
			}
		}()
	}
	wg.Wait()
	if n := granted.Load(); n != 5 {
		t.Fatalf("16 racing attempts were granted %d, want the budget of 5 (a forgiven success costs nothing)", n)
	}

	// Another identity row of the same openid (the user was erased and came
	// back) meets the same spent budget; another openid has its own.
	db, _ := st.SQLDB()
	if _, err := db.ExecContext(ctx, "DELETE FROM wechat_identities WHERE id = $1", id.ID); err != nil {
		t.Fatal(err)
	}
	_, again := newUserWithIdentity(t, st, app, "oAttacker")
	if _, ok, _, _ := st.TakeLegacyPhoneAttempt(ctx, again.ID, now.Add(time.Hour), since.Add(time.Hour), 5); ok {
		t.Fatal("a new identity row of the same openid got a fresh budget")
	}
	_, other := newUserWithIdentity(t, st, app, "oSomeoneElse")
	if _, ok, _, _ := st.TakeLegacyPhoneAttempt(ctx, other.ID, now, since, 5); !ok {
		t.Fatal("another openid shares the attacker's budget")
	}
	// A day later the budget is back.
	later := now.Add(24*time.Hour + time.Second)
	if _, ok, _, _ := st.TakeLegacyPhoneAttempt(ctx, again.ID, later, later.Add(-24*time.Hour), 5); !ok {
		t.Fatal("the budget did not come back after 24 hours")
	}
	if n, err := st.DeleteLegacyPhoneFailuresBefore(ctx, later.Add(-24*time.Hour)); err != nil || n != 6 {
		t.Fatalf("old failures deleted: %d %v, want the attacker's 5 and the other's 1", n, err)
	}
}
