package services_test

import (
	"context"
	"gorm.io/gorm"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/mpauth/mpauth/dbtest"
	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/services"
	"github.com/mpauth/mpauth/wechat"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

// instance is one server's WeChat stack: its own pool, broker and client, as
// a separate process would have, sharing only the database and WeChat.
type instance struct {
	client *wechat.Client
	broker *wechat.Broker
}

func newInstance(t *testing.T, store *models.Store, ts *services.TokenStore, fakeURL string) instance {
	c := &wechat.Client{BaseURL: fakeURL, Secrets: &services.AppSecrets{Store: store}}
	b := &wechat.Broker{Store: ts, Fetcher: c}
	c.Tokens = b
	return instance{client: c, broker: b}
}

func TestThreeInstancesShareOneAccessToken(t *testing.T) {
	ctx := context.Background()
	fake := fakewechat.New(fakewechat.Options{})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	target := dbtest.Fresh(t)
	first := dbtest.Open(t, target, nil)
	if err := first.UpsertApp(ctx, fakewechat.DemoAppID, "demo", fakewechat.DemoAppSecret); err != nil {
		t.Fatal(err)
	}

	var instances []instance
	if dbtest.Postgres() {
		// Three pools on one database: the advisory lock is all they share.
		for range 3 {
			st := models.NewStore(mustReopen(t, target, first), first.Dialect(), first.Keys(), nil)
			instances = append(instances, newInstance(t, st, &services.TokenStore{Store: st}, srv.URL))
		}
	} else {
		// SQLite serves one process: three brokers share its in-process lock.
		ts := &services.TokenStore{Store: first}
		for range 3 {
			instances = append(instances, newInstance(t, first, ts, srv.URL))
		}
	}

	// A user needs to have logged in for phone codes to exist.
	if _, err := fake.DeviceLogin(fakewechat.DemoAppID, "u", false); err != nil {
		t.Fatal(err)
	}
	phoneCalls := func(n int) {
		codes := make([]string, n)
		for i := range codes {
			ev, err := fake.DevicePhone(fakewechat.DemoAppID, "u", "+8613800138000")
			if err != nil {
				t.Fatal(err)
			}
			codes[i] = ev.Code
		}
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i, code := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := instances[i%3].client.PhoneNumber(ctx, fakewechat.DemoAppID, code, ""); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("phone call failed: %v", err)
		}
	}

	phoneCalls(200)
	if s := fake.Stats(); s.StableToken+s.Token != 1 {
		t.Fatalf("200 concurrent calls on 3 instances fetched %d tokens, want 1", s.StableToken+s.Token)
	}

	fake.InvalidateAccessToken(fakewechat.DemoAppID)
	phoneCalls(200)
	s := fake.Stats()
	if s.StableToken+s.Token != 2 {
		t.Fatalf("after one invalidation: %d token fetches in total, want 2 (one refresh)", s.StableToken+s.Token)
	}
	if s.PhoneCodesExchanged != 400 {
		t.Fatalf("phone codes exchanged = %d, want 400", s.PhoneCodesExchanged)
	}
}

func mustReopen(t *testing.T, target dbtest.Target, like *models.Store) *gorm.DB {
	t.Helper()
	db, _, err := models.Open(context.Background(), models.OpenOptions{PostgresURL: target.PostgresURL, SQLitePath: target.SQLitePath, MaxOpenConns: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := db.DB(); err == nil {
			s.Close()
		}
	})
	return db
}
