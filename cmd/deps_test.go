package cmd

import (
	"os/exec"
	"strings"
	"testing"
)

// The layout's rules, checked on the import graph. Imports point one way:
// main → cmd → handlers → services → models, wechat; right-hand packages
// never depend on left-hand ones. The two faces stay apart, handlers reach
// the data layer only through services, and nothing the server is built
// from pulls in the benchmark or the seeder.
func TestPackagesImportOnlyDownward(t *testing.T) {
	const mod = "github.com/mpauth/mpauth/"
	server := []string{"handlers", "handlers/api", "handlers/dashboard", "handlers/httpx", "services", "services/admin",
		"models", "wechat", "wechat/fakewechat", "config", "migrations", "logging"}
	// Not even through another package.
	neverDepends := map[string][]string{
		"models":             {"handlers", "services", "wechat", "config", "migrations"},
		"wechat":             {"handlers", "services", "models", "config", "migrations", "dbtest"},
		"wechat/fakewechat":  {"handlers", "services", "models", "config"},
		"services":           {"handlers", "config", "services/admin"},
		"services/admin":     {"handlers", "config"},
		"config":             {"handlers", "services", "models", "wechat"},
		"migrations":         {"handlers", "services", "models", "wechat"},
		"handlers":           {"cmd"},
		"handlers/httpx":     {"handlers", "handlers/api", "handlers/dashboard", "services/admin"},
		"handlers/api":       {"handlers", "handlers/dashboard", "services/admin"},
		"handlers/dashboard": {"handlers", "handlers/api"},
	}
	for _, pkg := range server {
		neverDepends[pkg] = append(neverDepends[pkg], "bench", "seed", "dbtest")
	}
	// Not directly: the HTTP layer reaches the data only through services.
	neverImports := map[string][]string{}
	for _, pkg := range []string{"handlers", "handlers/api", "handlers/dashboard", "handlers/httpx"} {
		neverImports[pkg] = []string{"models"}
	}
	check := func(rules map[string][]string, format string) {
		for pkg, bad := range rules {
			out, err := exec.Command("go", "list", "-f", format, mod+pkg).CombinedOutput()
			if err != nil {
				t.Fatalf("go list %s: %v\n%s", pkg, err, out)
			}
			deps := strings.Fields(string(out))
			for _, b := range bad {
				for _, d := range deps {
					if d == mod+b {
						t.Errorf("%s imports %s", pkg, b)
					}
				}
			}
		}
	}
	check(neverDepends, `{{join .Deps "\n"}}`)
	check(neverImports, `{{join .Imports "\n"}}`)
	// Gin stays in the HTTP layer.
	for _, pkg := range []string{"services", "services/admin", "models", "wechat", "config"} {
		out, _ := exec.Command("go", "list", "-deps", mod+pkg).CombinedOutput()
		if strings.Contains(string(out), "github.com/gin-gonic/gin\n") {
			t.Errorf("%s imports gin", pkg)
		}
	}
}
