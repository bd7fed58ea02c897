package cmd

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Hostile input on the dashboard's public forms: the sign-in form and the
// searches answer with a page and a 4xx (or the empty result), never a 5xx,
// and never sign anyone in.
func TestHostileInputOnTheDashboardForms(t *testing.T) {
	r := launch(t, nil)
	password := regexp.MustCompile(`password (\S+)`).FindStringSubmatch(r.waitStdout(t, "password "))[1]
	hostile := map[string]string{
		"SQL injection":      "admin' OR '1'='1' --",
		"template injection": "{{.Secret}}${7*7}<script>alert(1)</script>",
		"invalid UTF-8":      "\xff\xfe\xfd",
		"NUL bytes":          "a\x00b",
		"very long":          strings.Repeat("9", 100_000),
		"huge":               strings.Repeat("x", 1<<20),
	}
	post := func(c *http.Client, path string, form url.Values) (int, string) {
		resp, err := c.PostForm(r.base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// Sign in first: the hostile sign-ins below trip this address's lock.
	jar, _ := cookiejar.New(nil)
	admin := &http.Client{Jar: jar}
	if status, _ := post(admin, "/admin/login", url.Values{"username": {"admin"}, "password": {password}}); status != 200 {
		t.Fatalf("demo admin sign-in: %d", status)
	}
	for name, v := range hostile {
		for _, path := range []string{"/admin/users", "/admin/phones"} {
			status, body := post(admin, path, url.Values{"q": {v}})
			if status >= 500 {
				t.Fatalf("search %s with %s: %d", path, name, status)
			}
			if strings.Contains(body, "<script>alert(1)") {
				t.Fatalf("search %s with %s echoed the script unescaped", path, name)
			}
		}
	}

	anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for name, v := range hostile {
		for _, form := range []url.Values{{"username": {v}, "password": {"x"}}, {"username": {"admin"}, "password": {v}}} {
			status, body := post(anon, "/admin/login", form)
			if status < 400 || status >= 500 {
				t.Fatalf("sign-in with %s: %d", name, status)
			}
			if strings.Contains(body, "<script>alert(1)") {
				t.Fatalf("sign-in with %s echoed the script unescaped", name)
			}
		}
	}

}
