package seed_test

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mpauth/mpauth/dbtest"
	"github.com/mpauth/mpauth/seed"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

func TestSeedWritesARealisticPopulation(t *testing.T) {
	ctx := context.Background()
	store := dbtest.New(t)
	end := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	var progress bytes.Buffer
	res, err := seed.Run(ctx, store, seed.Options{Users: 200, Audit: 1000, Apps: 3, End: end, Seed: 7, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	count := func(t *testing.T, query string, args ...any) int {
		t.Helper()
		var n int
		if err := db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}

	t.Run("counts match the result and the request", func(t *testing.T) {
		for _, c := range []struct {
			table string
			want  int
		}{{"apps", 3}, {"users", 200}, {"login_audit", 1000}, {"wechat_identities", res.Identities}, {"phone_bindings", res.Phones}, {"phone_binding_events", res.PhoneEvents}} {
			if got := count(t, "SELECT count(*) FROM "+c.table); got != c.want {
				t.Errorf("%s: %d rows, want %d", c.table, got, c.want)
			}
		}
		if res.Users != 200 || res.Audit != 1000 || res.Identities < 200 {
			t.Errorf("result %+v", res)
		}
	})

	t.Run("every user has an identity in the main app with a WeChat-shaped openid", func(t *testing.T) {
		if got := count(t, "SELECT count(DISTINCT user_id) FROM wechat_identities WHERE app_id = $1", seed.AppID(0)); got != 200 {
			t.Errorf("%d users in the main app, want 200", got)
		}
		var openid string
		if err := db.QueryRowContext(ctx, "SELECT openid FROM wechat_identities WHERE user_id = (SELECT id FROM users ORDER BY created_at, id LIMIT 1) AND app_id = $1", seed.AppID(0)).Scan(&openid); err != nil {
			t.Fatal(err)
		}
		if openid != fakewechat.OpenID(seed.AppID(0), seed.DeviceUser(0)) {
			t.Errorf("user 0's openid %q is not the fake's for %s", openid, seed.DeviceUser(0))
		}
		if !regexp.MustCompile(`^o[A-Za-z0-9_-]{27}$`).MatchString(openid) {
			t.Errorf("openid %q is not o + 27 base64url characters", openid)
		}
		union := count(t, "SELECT count(*) FROM wechat_identities WHERE app_id = $1 AND unionid IS NOT NULL", seed.AppID(0))
		if union < 30 || union > 90 {
			t.Errorf("%d of 200 users have a unionid, want about 30%%", union)
		}
	})

	t.Run("about 60 percent bind unique mainland numbers", func(t *testing.T) {
		if res.Phones < 90 || res.Phones > 150 {
			t.Errorf("%d of 200 users have a phone, want about 60%%", res.Phones)
		}
		if got := count(t, "SELECT count(DISTINCT phone_e164) FROM phone_bindings"); got != res.Phones {
			t.Errorf("%d distinct numbers for %d bindings", got, res.Phones)
		}
		rows, err := db.QueryContext(ctx, "SELECT phone_e164, pure_number FROM phone_bindings")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		mainland := regexp.MustCompile(`^1[3-9][0-9]{9}$`)
		for rows.Next() {
			var e164, pure string
			if err := rows.Scan(&e164, &pure); err != nil {
				t.Fatal(err)
			}
			if !mainland.MatchString(pure) || e164 != "+86"+pure {
				t.Fatalf("phone %q / %q is not a mainland mobile in E.164", e164, pure)
			}
		}
	})

	t.Run("audit rows span the year, mostly successes, with WeChat's failure codes", func(t *testing.T) {
		if got := count(t, "SELECT count(*) FROM login_audit WHERE created_at < $1 OR created_at > $2", end.Add(-366*24*time.Hour), end); got != 0 {
			t.Errorf("%d audit rows outside the seeded year", got)
		}
		if got := count(t, "SELECT count(*) FROM login_audit WHERE created_at < $1", end.Add(-180*24*time.Hour)); got < 350 || got > 650 {
			t.Errorf("%d of 1000 audit rows in the first half year, want about half", got)
		}
		failures := count(t, "SELECT count(*) FROM login_audit WHERE result = 'failure'")
		if failures < 20 || failures > 200 {
			t.Errorf("%d of 1000 audit rows are failures, want a few percent", failures)
		}
		if got := count(t, "SELECT count(*) FROM login_audit WHERE error_code = 'invalid_code' AND wechat_errcode = 40029"); got == 0 {
			t.Error("no invalid_code/40029 failures")
		}
	})

	t.Run("progress names each table", func(t *testing.T) {
		for _, table := range []string{"users", "wechat_identities", "phone_bindings", "login_audit", "ANALYZE"} {
			if !strings.Contains(progress.String(), table) {
				t.Errorf("progress does not mention %s:\n%s", table, progress.String())
			}
		}
	})

	t.Run("a second seed is refused instead of colliding with the first", func(t *testing.T) {
		_, err := seed.Run(ctx, store, seed.Options{Users: 1})
		if !errors.Is(err, seed.ErrNotEmpty) {
			t.Errorf("second seed: %v, want ErrNotEmpty", err)
		}
	})
}

func TestPhoneNumbersNeverRepeatAndSpreadLikeRealOnes(t *testing.T) {
	seen := map[string]bool{}
	last4 := map[string]int{}
	mainland := regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	for i := range 20_000 {
		for v := range seed.Variants {
			n := seed.Phone(i, v)
			if seen[n] || !mainland.MatchString(n) {
				t.Fatalf("Phone(%d, %d) = %s repeats or is no mainland mobile", i, v, n)
			}
			seen[n] = true
			if v == 0 {
				last4[n[7:]]++
			}
		}
	}
	// 20 000 numbers over 10 000 endings: a search by the last four digits
	// finds about two users, as it would in a real population.
	if len(last4) < 8000 {
		t.Errorf("seeded numbers end in only %d different last-4 digits", len(last4))
	}
	for _, i := range []int{seed.MaxUsers - 1, 1_000_000} {
		for _, v := range []int{0, seed.Variants - 1} {
			if n := seed.Phone(i, v); !mainland.MatchString(n) {
				t.Errorf("Phone(%d, %d) = %s", i, v, n)
			}
		}
	}
}
