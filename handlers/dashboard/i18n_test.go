package dashboard

import (
	"io/fs"
	"regexp"
	"testing"

	"github.com/mpauth/mpauth/templates"
)

// dashboardTemplates are the dashboard's own files (other pages share the
// layout and keep their own messages).
var dashboardTemplates = []string{
	"layout.html", "partials/*.html", "pages/login.html", "pages/error.html", "pages/overview.html", "pages/users.html",
	"pages/user.html", "pages/reveal.html", "pages/phones.html", "pages/logins.html", "pages/admin_audit.html",
}

func TestEveryMessageOnThePagesHasAChineseTranslation(t *testing.T) {
	literal := regexp.MustCompile(`\{\{t "([^"]+)"`)
	var msgs []string
	for _, pattern := range dashboardTemplates {
		files, err := fs.Glob(templates.FS, pattern)
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: %v", pattern, err)
		}
		for _, f := range files {
			b, err := fs.ReadFile(templates.FS, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
				msgs = append(msgs, m[1])
			}
		}
	}
	// Menu labels, titles and headings chosen in Go.
	for i := 1; i < len(searchKinds); i += 2 {
		msgs = append(msgs, searchKinds[i])
	}
	msgs = append(msgs, adminActions...)
	msgs = append(msgs, "Any", "All apps", "Anyone", "Bound", "Not bound", "Active", "Blocked",
		"Overview", "Users", "User", "Phone bindings", "Login audit", "Admin audit", "Sign in", "Reveal phone number",
		"Not allowed", "Page not found", "Something went wrong", "The request could not be used",
		"login", "logout", "phone_code", "phone_encrypted", "success", "failure", "code", "encrypted",
		"bind", "replace", "unbind", "user", "admin", "viewer", "active", "blocked")
	for _, m := range msgs {
		if _, ok := zhCatalog[m]; !ok {
			t.Errorf("no Chinese for %q", m)
		}
	}
}

func TestLanguageFromAcceptLanguage(t *testing.T) {
	for header, want := range map[string]lang{
		"":                         langZH,
		"en":                       langEN,
		"en-US,en;q=0.9":           langEN,
		"zh-CN,zh;q=0.9,en;q=0.8":  langZH,
		"fr-FR,en;q=0.5,zh;q=0.4":  langEN,
		"ja,de":                    langZH,
		"zh-TW;q=0.2, en-GB;q=0.8": langEN,
		"en;q=0":                   langZH,
		"garbage;;;,=,q=":          langZH,
	} {
		if got := fromAcceptLanguage(header); got != want {
			t.Errorf("Accept-Language %q: %s, want %s", header, got, want)
		}
	}
}

func TestCSVCellEscapesWhatASpreadsheetWouldRun(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1":           "'=1+1",
		"+8613800138000": "'+8613800138000",
		"-5":             "'-5",
		"@cmd":           "'@cmd",
		"\tx":            "'\tx",
		"\rx":            "'\rx",
		"a=1":            "a=1",
		"张三":             "张三",
		"":               "",
	} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLocalPathKeepsRedirectsInsideTheDashboard(t *testing.T) {
	for in, want := range map[string]string{
		"/admin/users":          "/admin/users",
		"/admin/users/x?y=1":    "/admin/users/x?y=1",
		"https://evil.example/": "/admin/",
		"//evil.example/admin/": "/admin/",
		"/admin/../api/v1/me":   "/admin/",
		"/admin/\\evil":         "/admin/",
		"/api/v1/me":            "/admin/",
		"":                      "/admin/",
	} {
		if got := localPath(in, "/admin/"); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestChartScaleIsFourRoundSteps(t *testing.T) {
	for n, want := range map[int64]int64{0: 4, 3: 4, 5: 8, 9: 20, 21: 40, 41: 80, 81: 200, 1999: 2000, 2001: 4000} {
		if got := niceCeiling(n); got != want {
			t.Errorf("niceCeiling(%d) = %d, want %d", n, got, want)
		}
	}
}
