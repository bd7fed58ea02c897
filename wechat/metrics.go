package wechat

import (
	"errors"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics are the Prometheus series of the WeChat client, the token broker
// and decryption. Every method is safe on a nil *Metrics, which records
// nothing, so tests and tools need not build one.
type Metrics struct {
	calls           *prometheus.CounterVec
	latency         *prometheus.HistogramVec
	retries         *prometheus.CounterVec
	refreshes       *prometheus.CounterVec
	waits           *prometheus.CounterVec
	invalidations   *prometheus.CounterVec
	decryptFailures *prometheus.CounterVec
	tokenExpiresAt  *prometheus.GaugeVec
	tokenFetchedAt  *prometheus.GaugeVec
}

// NewMetrics creates the series and registers them with reg (nil registers
// nothing). It panics if they are already registered, like promauto.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	f := promauto.With(reg)
	return &Metrics{
		calls: f.NewCounterVec(prometheus.CounterOpts{
			Name: "mpauth_wechat_calls_total",
			Help: "HTTP attempts against WeChat by endpoint and errcode (0 success, \"unavailable\" when WeChat gave no answer).",
		}, []string{"endpoint", "errcode"}),
		latency: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mpauth_wechat_call_duration_seconds",
			Help:    "Latency of HTTP attempts against WeChat.",
			Buckets: []float64{.025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"endpoint"}),
		retries: f.NewCounterVec(prometheus.CounterOpts{
			Name: "mpauth_wechat_retries_total",
			Help: "Attempts sent again after WeChat was busy (-1) or unreachable.",
		}, []string{"endpoint"}),
		refreshes: f.NewCounterVec(prometheus.CounterOpts{
			Name: "mpauth_wechat_token_refreshes_total",
			Help: "Access-token fetches from WeChat by this instance, by mode (stable, stable_force, classic) and result.",
		}, []string{"appid", "mode", "result"}),
		waits: f.NewCounterVec(prometheus.CounterOpts{
			Name: "mpauth_wechat_token_waits_total",
			Help: "Token requests that waited for a refresh run by another caller, or gave up waiting.",
		}, []string{"appid"}),
		invalidations: f.NewCounterVec(prometheus.CounterOpts{
			Name: "mpauth_wechat_token_invalidations_total",
			Help: "Access tokens WeChat rejected; expired says whether the stored token was the rejected one.",
		}, []string{"appid", "expired"}),
		decryptFailures: f.NewCounterVec(prometheus.CounterOpts{
			Name: "mpauth_wechat_decrypt_failures_total",
			Help: "Open-data decryption and watermark failures by reason.",
		}, []string{"reason"}),
		tokenExpiresAt: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "mpauth_wechat_token_expires_at_seconds",
			Help: "Unix time at which the access token this instance uses expires.",
		}, []string{"appid"}),
		tokenFetchedAt: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "mpauth_wechat_token_fetched_at_seconds",
			Help: "Unix time at which the access token this instance uses was fetched (age = time() - this).",
		}, []string{"appid"}),
	}
}

// ObserveDecrypt counts a failed DecryptOpenData, DecryptPhone or
// CheckWatermark by reason. A nil err records nothing.
func (m *Metrics) ObserveDecrypt(err error) {
	if m == nil || err == nil {
		return
	}
	reason := "other"
	var de *DecryptError
	switch {
	case errors.As(err, &de):
		reason = de.Reason
	case errors.Is(err, ErrWatermarkAppID):
		reason = "watermark_appid"
	case errors.Is(err, ErrWatermarkExpired):
		reason = "watermark_expired"
	case errors.Is(err, ErrWatermarkMissing):
		reason = "watermark_missing"
	}
	m.decryptFailures.WithLabelValues(reason).Inc()
}

func (m *Metrics) called(endpoint, errcode string, elapsed time.Duration) {
	if m == nil {
		return
	}
	m.calls.WithLabelValues(endpoint, errcode).Inc()
	m.latency.WithLabelValues(endpoint).Observe(elapsed.Seconds())
}

func (m *Metrics) retried(endpoint string) {
	if m == nil {
		return
	}
	m.retries.WithLabelValues(endpoint).Inc()
}

func (m *Metrics) refreshed(appID, mode string, err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = KindOf(err).String()
	}
	m.refreshes.WithLabelValues(appID, mode, result).Inc()
}

func (m *Metrics) waited(appID string) {
	if m == nil {
		return
	}
	m.waits.WithLabelValues(appID).Inc()
}

func (m *Metrics) invalidated(appID string, expired bool) {
	if m == nil {
		return
	}
	m.invalidations.WithLabelValues(appID, strconv.FormatBool(expired)).Inc()
}

func (m *Metrics) tokenInUse(t CachedToken) {
	if m == nil {
		return
	}
	m.tokenExpiresAt.WithLabelValues(t.AppID).Set(float64(t.ExpiresAt.Unix()))
	m.tokenFetchedAt.WithLabelValues(t.AppID).Set(float64(t.FetchedAt.Unix()))
}
