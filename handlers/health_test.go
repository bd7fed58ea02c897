package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

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

// Metrics are for operators: served by the operator handler on its own
// listener, never by the public router, whatever the request looks like.
func TestMetricsAreServedToOperatorsOnly(t *testing.T) {
	reg := prometheus.NewRegistry()
	h, _ := handlers.NewServer(handlers.Deps{Registry: reg})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	for _, path := range []string{"/metrics", "/metrics/", "/api/v1/../../metrics"} {
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "mpauth_") {
			t.Fatalf("the public router answered GET %s: %d\n%.300s", path, rec.Code, rec.Body.String())
		}
	}
	scrape := func(h http.Handler, auth string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		h.ServeHTTP(rec, req)
		return rec
	}
	rec = scrape(handlers.NewOperatorHandler(reg, ""), "")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `mpauth_http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
		t.Fatalf("operator metrics: %d\n%s", rec.Code, rec.Body.String())
	}
	withToken := handlers.NewOperatorHandler(reg, "0123456789abcdef")
	for _, auth := range []string{"", "Bearer wrong", "Basic MDEyMzQ1Njc4OWFiY2RlZg==", "Bearer 0123456789abcdefX"} {
		if rec := scrape(withToken, auth); rec.Code != http.StatusUnauthorized || strings.Contains(rec.Body.String(), "mpauth_") {
			t.Fatalf("scrape with %q: %d", auth, rec.Code)
		}
	}
	if rec := scrape(withToken, "Bearer 0123456789abcdef"); rec.Code != 200 {
		t.Fatalf("scrape with the token: %d", rec.Code)
	}
}

// A client inventing request methods must not mint a metric series per
// method: series live as long as the process.
func TestMetricsFoldUnknownMethods(t *testing.T) {
	reg := prometheus.NewRegistry()
	h, _ := handlers.NewServer(handlers.Deps{Registry: reg})
	for i := range 50 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(fmt.Sprintf("INVENTED%d", i), "/healthz", nil))
	}
	rec := httptest.NewRecorder()
	handlers.NewOperatorHandler(reg, "").ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	if strings.Contains(body, "INVENTED") {
		t.Fatalf("an invented method became a label value:\n%s", body)
	}
	if !regexp.MustCompile(`mpauth_http_requests_total\{method="other",route="[^"]+",status="\d+"\} 50\n`).MatchString(body) {
		t.Fatalf("50 requests with invented methods are not counted as method=\"other\":\n%s", body)
	}
}
