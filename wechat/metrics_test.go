package wechat

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// A client built without metrics (tests, tools) records nothing, and each
// recording method says so rather than crashing the call it is part of.
func TestNilMetricsRecordNothing(t *testing.T) {
	var m *Metrics
	for name, record := range map[string]func(){
		"called":         func() { m.called("jscode2session", "0", time.Second) },
		"retried":        func() { m.retried("jscode2session") },
		"refreshed":      func() { m.refreshed(testAppID, "stable", nil) },
		"waited":         func() { m.waited(testAppID) },
		"invalidated":    func() { m.invalidated(testAppID, true) },
		"tokenInUse":     func() { m.tokenInUse(CachedToken{AppID: testAppID}) },
		"ObserveDecrypt": func() { m.ObserveDecrypt(&DecryptError{Reason: ReasonPadding}) },
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s on nil *Metrics: %v", name, r)
				}
			}()
			record()
		}()
	}
}

func TestObserveDecryptCountsByReason(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := NewMetrics(reg)
	_, err := DecryptOpenData(testSessionKey, "AAAA", "AAAA")
	m.ObserveDecrypt(err)
	m.ObserveDecrypt(CheckWatermark(Watermark{AppID: "wx-other", Timestamp: time.Now().Unix()}, testAppID, time.Now(), WatermarkWindow{}))
	m.ObserveDecrypt(CheckWatermark(Watermark{AppID: testAppID}, testAppID, time.Now(), WatermarkWindow{}))
	m.ObserveDecrypt(errors.New("something else"))
	m.ObserveDecrypt(nil)

	for reason, want := range map[string]float64{ReasonIVLength: 1, "watermark_appid": 1, "watermark_missing": 1, "other": 1} {
		if got := counterValue(t, m.decryptFailures.WithLabelValues(reason)); got != want {
			t.Errorf("decrypt failures{reason=%s} = %v, want %v", reason, got, want)
		}
	}
	if _, err := reg.Gather(); err != nil {
		t.Errorf("gather: %v", err)
	}
}

func TestBrokerMetrics(t *testing.T) {
	clk := newTestClock()
	b, _ := newTestBroker(newMemStore(), clk)
	b.Metrics = NewMetrics(prometheus.NewPedanticRegistry())
	mustToken(t, b)
	b.Invalidate(t.Context(), testAppID, "TOKEN-1")
	mustToken(t, b)

	for _, tt := range []struct {
		c    prometheus.Counter
		want float64
	}{
		{b.Metrics.refreshes.WithLabelValues(testAppID, "stable", "ok"), 2},
		{b.Metrics.refreshes.WithLabelValues(testAppID, "stable_force", "ok"), 1},
		{b.Metrics.invalidations.WithLabelValues(testAppID, "true"), 1},
	} {
		if got := counterValue(t, tt.c); got != tt.want {
			t.Errorf("%v = %v, want %v", tt.c.Desc(), got, tt.want)
		}
	}
}
