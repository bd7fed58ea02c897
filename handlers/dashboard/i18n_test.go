package dashboard

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mpauth/mpauth/services/admin"
	"github.com/mpauth/mpauth/templates"
)

// Every message the dashboard shows has a Chinese translation. The messages
// are taken from where they are written: the templates' {{t "…"}}, and in
// the Go code of the dashboard and of its services every literal that goes
// to a page: T("…"), page titles, menu labels, error pages, flashes, error
// headings, and the messages of the services' errors. Values the pages
// translate (events, results, actions, roles…) come from their constants.
func TestEveryMessageOnThePagesHasAChineseTranslation(t *testing.T) {
	msgs := map[string]string{} // message → where it was found
	literal := regexp.MustCompile(`\{\{t "([^"]+)"`)
	err := fs.WalkDir(templates.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == "pages/demo.html" {
			return err // the demo page keeps its own messages (issue: the demo's language)
		}
		b, err := fs.ReadFile(templates.FS, p)
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			msgs[m[1]] = p
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{".", "../../services/admin"} {
		for m, where := range messagesInGo(t, dir) {
			msgs[m] = where
		}
	}
	for i := 1; i < len(searchKinds); i += 2 {
		msgs[searchKinds[i]] = "searchKinds"
	}
	for _, v := range append(slices.Clone(adminActions), admin.EventLogin, admin.EventLogout, admin.EventPhoneCode, admin.EventPhoneEncrypted,
		admin.ResultSuccess, admin.ResultFailure, admin.RoleAdmin, admin.RoleViewer, admin.PhoneSourceCode, admin.PhoneSourceEncrypted) {
		msgs[v] = "constant"
	}
	if len(msgs) < 100 {
		t.Fatalf("found only %d messages: the extraction is broken", len(msgs))
	}
	for m, where := range msgs {
		if _, ok := zhCatalog[m]; !ok {
			t.Errorf("no Chinese for %q (%s)", m, where)
		}
	}
}

// messagesInGo returns the literals of a package's Go files that reach a
// page: arguments of T, layout titles, option labels, errorPage and flash
// messages, map[int]string values, and Message fields and invalid(…)
// messages of errors.
func messagesInGo(t *testing.T, dir string) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	add := func(e ast.Expr) {
		if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if s, err := strconv.Unquote(lit.Value); err == nil && strings.TrimSpace(s) != "" {
				out[s] = fset.Position(lit.Pos()).String()
			}
		}
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				name := ""
				switch fn := n.Fun.(type) {
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				case *ast.Ident:
					name = fn.Name
				}
				switch {
				case name == "T" && len(n.Args) > 0, name == "invalid" && len(n.Args) > 0:
					add(n.Args[0])
				case name == "layout" && len(n.Args) > 1, name == "valueOptions" && len(n.Args) > 1:
					add(n.Args[1])
				case name == "errorPage" && len(n.Args) > 2, name == "flash" && len(n.Args) > 2:
					add(n.Args[2])
				case name == "options":
					for i := 2; i < len(n.Args); i += 2 {
						add(n.Args[i])
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && (k.Name == "Message" || k.Name == "Error") {
					add(n.Value)
				}
			case *ast.CompositeLit:
				if m, ok := n.Type.(*ast.MapType); ok {
					if k, ok := m.Key.(*ast.Ident); ok && k.Name == "int" {
						for _, e := range n.Elts {
							add(e.(*ast.KeyValueExpr).Value)
						}
					}
				}
			}
			return true
		})
	}
	return out
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
