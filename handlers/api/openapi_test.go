package api

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// The OpenAPI file is the contract mini-program teams code against: every
// API route must be in it, and it must promise no route we do not serve.
func TestOpenAPIMatchesTheRoutes(t *testing.T) {
	spec, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	var path string
	pathLine := regexp.MustCompile(`^  (/[^:]+):\s*$`)
	methodLine := regexp.MustCompile(`^    (get|post|put|patch|delete):\s*$`)
	for _, line := range strings.Split(string(spec), "\n") {
		if m := pathLine.FindStringSubmatch(line); m != nil {
			path = m[1]
		} else if m := methodLine.FindStringSubmatch(line); m != nil && path != "" {
			documented[strings.ToUpper(m[1])+" "+path] = true
		}
	}
	r := gin.New()
	New(Deps{}).Routes(r)
	served := map[string]bool{}
	for _, r := range r.Routes() {
		if strings.HasPrefix(r.Path, "/api/v1/") {
			served[r.Method+" "+r.Path] = true
		}
	}
	if len(documented) == 0 {
		t.Fatal("parsed no operations from openapi.yaml")
	}
	var missing, extra []string
	for op := range served {
		if !documented[op] {
			missing = append(missing, op)
		}
	}
	for op := range documented {
		if !served[op] {
			extra = append(extra, op)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra) > 0 {
		t.Fatalf("served but undocumented: %v; documented but not served: %v", missing, extra)
	}
}
