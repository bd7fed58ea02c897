package cmd

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/mpauth/mpauth/dbtest"
	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

// The whole product under a session of traffic, logs at debug level: no
// AppSecret, access token, session key, login or phone code, login token or
// full phone number in any log line, API response or admin page.
func TestNoSecretInLogsResponsesOrAdminPages(t *testing.T) {
	masterKey := dbtest.RandomKey()
	r := launch(t, map[string]string{"MPAUTH_LOG_LEVEL": "debug", "MPAUTH_SECRET_KEY": base64.StdEncoding.EncodeToString(masterKey)})
	notice := r.waitStdout(t, "password ")
	password := regexp.MustCompile(`password (\S+)`).FindStringSubmatch(notice)[1]
	app := fakewechat.DemoAppID
	var seen strings.Builder // every body our API and dashboard sent

	_, dev := postJSON(t, r.base+"/_fakewechat/_device/login", "", map[string]string{"appid": app, "user": "leaky"})
	loginCode := dev["code"].(string)
	_, login := postJSON(t, r.base+"/api/v1/login", "", map[string]string{"code": loginCode})
	token := login["token"].(string)
	_, ev := postJSON(t, r.base+"/_fakewechat/_device/phone", "", map[string]string{"appid": app, "user": "leaky", "phone": "+8613812345678"})
	phoneCode := ev["code"].(string)
	for _, body := range []map[string]string{
		{"code": phoneCode},
		{"encryptedData": ev["encryptedData"].(string), "iv": ev["iv"].(string)},
		{"encryptedData": "garbage", "iv": "garbage"},
	} {
		_, out := postJSON(t, r.base+"/api/v1/phone", token, body)
		seen.WriteString(jsonString(out))
	}
	userID := login["user"].(map[string]any)["id"].(string)

	jar, _ := cookiejar.New(nil)
	admin := &http.Client{Jar: jar}
	resp, err := admin.PostForm(r.base+"/admin/login", url.Values{"username": {"admin"}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "/admin/users") {
		t.Fatalf("demo admin could not sign in: %d", resp.StatusCode)
	}
	for _, path := range []string{"/admin/", "/admin/users", "/admin/users/" + userID, "/admin/phones", "/admin/audit/logins", "/admin/audit/admin"} {
		resp, err := admin.Get(r.base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		seen.Write(body)
	}
	if !strings.Contains(seen.String(), "138****5678") {
		t.Fatal("the pages never showed the masked number: the check would prove nothing")
	}

	// The values themselves, read back through the store with the server's key.
	store := openStoreForTest(t, r, masterKey)
	ctx := context.Background()
	ident, err := store.FindIdentity(ctx, app, fakewechat.OpenID(app, "leaky"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := store.LoadSessionKeys(ctx, ident.ID)
	if err != nil {
		t.Fatal(err)
	}
	access, err := store.LoadAccessToken(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{
		"AppSecret": fakewechat.DemoAppSecret, "access_token": access.Value, "session_key": keys.Current,
		"login code": loginCode, "phone code": phoneCode, "login token": token, "full phone number": "13812345678",
	}
	logs := r.logs.String()
	if !strings.Contains(logs, "/api/v1/phone") {
		t.Fatal("no request was logged: the check would prove nothing")
	}
	for what, v := range secrets {
		if strings.Contains(logs, v) {
			t.Errorf("a log line contains the %s", what)
		}
		if strings.Contains(seen.String(), v) {
			t.Errorf("an API response or admin page contains the %s", what)
		}
	}
}

func jsonString(v map[string]any) string {
	var b strings.Builder
	for k, x := range v {
		b.WriteString(k)
		if m, ok := x.(map[string]any); ok {
			b.WriteString(jsonString(m))
		} else if s, ok := x.(string); ok {
			b.WriteString(s)
		}
	}
	return b.String()
}

// openStoreForTest opens the database a launched server uses, with its key.
func openStoreForTest(t *testing.T, r *running, masterKey []byte) *models.Store {
	t.Helper()
	db, dialect, err := models.Open(context.Background(), models.OpenOptions{PostgresURL: r.dbURL, SQLitePath: r.sqlitePath})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := db.DB(); err == nil {
			s.Close()
		}
	})
	keys, err := models.NewKeyring(masterKey)
	if err != nil {
		t.Fatal(err)
	}
	return models.NewStore(db, dialect, keys, nil)
}
