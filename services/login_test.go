package services_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/mpauth/mpauth/dbtest"
	"github.com/mpauth/mpauth/services"
	"github.com/mpauth/mpauth/wechat"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

// A login whose AppSecret must come from an unreachable database is our
// outage, not WeChat's: the client is told service_unavailable. (Once seen in
// the PostgreSQL-restart test when the secret cache expired mid-outage.)
func TestLoginDuringDatabaseOutageIsServiceUnavailable(t *testing.T) {
	ctx := context.Background()
	fake := fakewechat.New(fakewechat.Options{})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	store := dbtest.New(t)
	if err := store.UpsertApp(ctx, fakewechat.DemoAppID, "demo", fakewechat.DemoAppSecret); err != nil {
		t.Fatal(err)
	}
	client := &wechat.Client{BaseURL: srv.URL, Secrets: &services.AppSecrets{Store: store}}
	auth := services.NewAuth(services.Deps{Store: store, WeChat: client}, services.AuthConfig{DefaultAppID: fakewechat.DemoAppID})

	code, err := fake.DeviceLogin(fakewechat.DemoAppID, "u1", false)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	_, err = auth.Login(ctx, services.LoginInput{Code: code})
	var se *services.Error
	if !errors.As(err, &se) || se.Code != services.CodeServiceUnavailable {
		t.Fatalf("login with the database down: %v, want %s", err, services.CodeServiceUnavailable)
	}
	if n := fake.Stats().CodesExchanged; n != 0 {
		t.Fatalf("WeChat exchanged %d codes although no AppSecret could be read", n)
	}
}
