package services_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/mpauth/mpauth/dbtest"
	"github.com/mpauth/mpauth/services"
	"github.com/mpauth/mpauth/wechat"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

// BenchmarkLogin measures Auth.Login without our HTTP layer: the code2Session
// call to the fake WeChat over loopback HTTP, and the login transaction on a
// real database (PostgreSQL with TEST_DATABASE_URL, else SQLite). wx.login on
// the fake is outside the timer's reach only in the sense that it is an
// in-process call; it is a small share of an operation.
//
//	go test ./services -run '^$' -bench Login -cpuprofile cpu.out
func BenchmarkLogin(b *testing.B) {
	for _, c := range []struct {
		name      string
		returning bool
	}{{"returning user", true}, {"new user", false}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			fake := fakewechat.New(fakewechat.Options{})
			srv := httptest.NewServer(fake)
			defer srv.Close()
			store := dbtest.New(b)
			if err := store.UpsertApp(ctx, fakewechat.DemoAppID, "demo", fakewechat.DemoAppSecret); err != nil {
				b.Fatal(err)
			}
			client := &wechat.Client{
				BaseURL: srv.URL,
				HTTP:    &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}},
				Secrets: &services.AppSecrets{Store: store},
			}
			auth := services.NewAuth(services.Deps{Store: store, WeChat: client}, services.AuthConfig{DefaultAppID: fakewechat.DemoAppID})

			// Returning users: a pool of users who logged in once before the timer.
			const pool = 1000
			if c.returning {
				for i := range pool {
					login(b, fake, auth, "user"+strconv.Itoa(i))
				}
			}
			var next atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					n := next.Add(1)
					user := "new" + strconv.FormatInt(n, 10)
					if c.returning {
						user = "user" + strconv.FormatInt(n%pool, 10)
					}
					login(b, fake, auth, user)
				}
			})
		})
	}
}

func login(b *testing.B, fake *fakewechat.Server, auth *services.Auth, user string) {
	code, err := fake.DeviceLogin(fakewechat.DemoAppID, user, false)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := auth.Login(context.Background(), services.LoginInput{Code: code, Meta: services.Meta{IP: "127.0.0.1", UserAgent: "bench"}}); err != nil {
		b.Fatal(err)
	}
}
