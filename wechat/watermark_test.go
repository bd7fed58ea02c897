package wechat

import (
	"errors"
	"testing"
	"time"
)

func TestCheckWatermark(t *testing.T) {
	now := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	at := func(d time.Duration) int64 { return now.Add(d).Unix() }
	tests := []struct {
		name string
		w    Watermark
		win  WatermarkWindow
		want error
	}{
		{"made just now for us", Watermark{AppID: testAppID, Timestamp: at(0)}, WatermarkWindow{}, nil},
		{"made for another app", Watermark{AppID: "wx-other", Timestamp: at(0)}, WatermarkWindow{}, ErrWatermarkAppID},
		{"missing appid", Watermark{Timestamp: at(0)}, WatermarkWindow{}, ErrWatermarkMissing},
		{"no timestamp could be replayed forever", Watermark{AppID: testAppID}, WatermarkWindow{}, ErrWatermarkMissing},
		{"no watermark at all", Watermark{}, WatermarkWindow{}, ErrWatermarkMissing},
		{"9 minutes old is within the default 10", Watermark{AppID: testAppID, Timestamp: at(-9 * time.Minute)}, WatermarkWindow{}, nil},
		{"11 minutes old is expired", Watermark{AppID: testAppID, Timestamp: at(-11 * time.Minute)}, WatermarkWindow{}, ErrWatermarkExpired},
		{"30s ahead is clock skew", Watermark{AppID: testAppID, Timestamp: at(30 * time.Second)}, WatermarkWindow{}, nil},
		{"2 minutes ahead is rejected", Watermark{AppID: testAppID, Timestamp: at(2 * time.Minute)}, WatermarkWindow{}, ErrWatermarkExpired},
		{"a wider window accepts older data", Watermark{AppID: testAppID, Timestamp: at(-time.Hour)}, WatermarkWindow{Past: 2 * time.Hour}, nil},
		{"a narrower window rejects sooner", Watermark{AppID: testAppID, Timestamp: at(-2 * time.Minute)}, WatermarkWindow{Past: time.Minute}, ErrWatermarkExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckWatermark(tt.w, testAppID, now, tt.win)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("CheckWatermark = %v, want %v", err, tt.want)
			}
		})
	}
	if errors.Is(ErrWatermarkAppID, ErrWatermarkExpired) || errors.Is(ErrWatermarkMissing, ErrWatermarkAppID) || errors.Is(ErrWatermarkMissing, ErrWatermarkExpired) {
		t.Error("the watermark errors must be distinct")
	}
}

// WeChat's day, the billing day and the dashboard's, starts at midnight in
// Beijing (UTC+8), whatever the server's zone.
func TestBillingDayIsBeijingsDay(t *testing.T) {
	for utc, want := range map[string]string{
		"2026-11-24T15:59:59Z": "2026-11-24",
		"2026-11-24T16:00:00Z": "2026-11-25",
	} {
		at, _ := time.Parse(time.RFC3339, utc)
		if got := BillingDay(at); got != want {
			t.Errorf("BillingDay(%s) = %s, want %s", utc, got, want)
		}
	}
}
