package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/mpauth/mpauth/dbtest"
	"github.com/mpauth/mpauth/handlers"
	"github.com/mpauth/mpauth/migrations"
)

func TestReadinessFollowsTheDatabase(t *testing.T) {
	store := dbtest.New(t)
	sqlDB, _ := store.SQLDB()
	h, err := handlers.NewServer(handlers.Deps{Ready: func(ctx context.Context) error {
		if err := store.Ping(ctx); err != nil {
			return err
		}
		return migrations.Current(ctx, sqlDB, string(store.Dialect()))
	}})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code
	}
	if get("/healthz") != http.StatusOK || get("/readyz") != http.StatusOK {
		t.Fatal("healthy instance is not ready")
	}
	sqlDB.Close() // the database goes away
	if code := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database down = %d, want 503", code)
	}
	if get("/healthz") != http.StatusOK {
		t.Fatal("liveness must not depend on the database")
	}
}

func TestMetricsAreExposed(t *testing.T) {
	h, _ := handlers.NewServer(handlers.Deps{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `mpauth_http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
		t.Fatalf("metrics: %d\n%s", rec.Code, rec.Body.String())
	}
}

// A client inventing request methods must not mint a metric series per
// method: series live as long as the process.
func TestMetricsFoldUnknownMethods(t *testing.T) {
	h, _ := handlers.NewServer(handlers.Deps{})
	for i := range 50 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(fmt.Sprintf("INVENTED%d", i), "/healthz", nil))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	if strings.Contains(body, "INVENTED") {
		t.Fatalf("an invented method became a label value:\n%s", body)
	}
	if !regexp.MustCompile(`mpauth_http_requests_total\{method="other",route="[^"]+",status="\d+"\} 50\n`).MatchString(body) {
		t.Fatalf("50 requests with invented methods are not counted as method=\"other\":\n%s", body)
	}
}
