package api_test

import (
	"encoding/json"
	"testing"
)

// FuzzAPIBodies throws arbitrary bytes at the login and phone endpoints: the
// answer is always a documented error or success, never a 5xx or a panic.
func FuzzAPIBodies(f *testing.F) {
	for _, seed := range []string{
		`{"code":"abc"}`, `{"code":5}`, `{"encryptedData":"AAAA","iv":"BBBB"}`, `{"cloudID":"x"}`,
		`{"code":"\u0000"}`, "\xff\xfe{", `[]`, `null`, `{"code":"' OR 1=1 --"}`, `{"code":"{{.}}"}`,
		`{"encryptedData":"` + "AAAAAAAAAAAAAAAAAAAAAA==" + `","iv":"AAAAAAAAAAAAAAAAAAAAAA=="}`,
	} {
		f.Add([]byte(seed))
	}
	e := newAPIEnv(f, envOptions{})
	token, _ := e.login(appA, "fuzz")
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, c := range []struct{ path, token string }{{"/api/v1/login", ""}, {"/api/v1/phone", token}} {
			r := e.as(t).call("POST", c.path, c.token, body)
			if r.Status >= 500 && r.errorCode() != "wechat_unavailable" {
				t.Fatalf("%s answered %d %s to %q", c.path, r.Status, r.Raw, body)
			}
			if r.Status != 200 && r.errorCode() == "" {
				t.Fatalf("%s answered %d without an error code: %s", c.path, r.Status, r.Raw)
			}
			if !json.Valid(r.Raw) {
				t.Fatalf("%s answered invalid JSON: %q", c.path, r.Raw)
			}
		}
	})
}
