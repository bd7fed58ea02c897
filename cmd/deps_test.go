package cmd

import (
	"os/exec"
	"strings"
	"testing"
)

// Imports point one way: main → handlers → services → models, wechat.
// Right-hand packages never depend on left-hand ones.
func TestPackagesImportOnlyDownward(t *testing.T) {
	const mod = "github.com/mpauth/mpauth/"
	forbidden := map[string][]string{
		"models":            {"handlers", "services", "wechat", "config", "migrations"},
		"wechat":            {"handlers", "services", "models", "config", "migrations", "dbtest"},
		"wechat/fakewechat": {"handlers", "services", "models", "config"},
		"services":          {"handlers", "config"},
		"config":            {"handlers", "services", "models", "wechat"},
		"migrations":        {"handlers", "services", "models", "wechat"},
	}
	for pkg, bad := range forbidden {
		out, err := exec.Command("go", "list", "-deps", mod+pkg).CombinedOutput()
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
	// Gin stays in the HTTP layer.
	for _, pkg := range []string{"services", "models", "wechat", "config"} {
		out, _ := exec.Command("go", "list", "-deps", mod+pkg).CombinedOutput()
		if strings.Contains(string(out), "github.com/gin-gonic/gin\n") {
			t.Errorf("%s imports gin", pkg)
		}
	}
}
