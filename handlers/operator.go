package handlers

import (
	"crypto/subtle"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NewOperatorHandler serves what only operators may read, on a listener of
// its own and never on the API's: /metrics for Prometheus. Metrics count
// failures by kind, and a count an outsider could watch is a side channel
// (it told a padding failure from a JSON failure, a CBC padding oracle).
// With a token, a scrape must send it as "Authorization: Bearer TOKEN"
// (Prometheus' authorization.credentials).
func NewOperatorHandler(reg *prometheus.Registry, token string) http.Handler {
	mux := http.NewServeMux()
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if token != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mpauth metrics"`)
			http.Error(w, "send the metrics token as a bearer token (MPAUTH_METRICS_TOKEN)", http.StatusUnauthorized)
			return
		}
		metrics.ServeHTTP(w, r)
	})
	return mux
}
