package wechat

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrWatermarkAppID: the open data was made for another mini program.
	ErrWatermarkAppID = errors.New("wechat: watermark appid is not ours")
	// ErrWatermarkExpired: the open data is older, or further in the future,
	// than WatermarkWindow allows; a replay, or a badly wrong clock.
	ErrWatermarkExpired = errors.New("wechat: watermark timestamp outside the accepted window")
	// ErrWatermarkMissing: the data carries no appid or no timestamp. WeChat
	// always sends both; data without them was not made by WeChat, and
	// data without a time could be replayed forever.
	ErrWatermarkMissing = errors.New("wechat: watermark without appid or timestamp")
)

// WatermarkWindow is how far a watermark's timestamp may lie from now. Zero
// fields take the defaults: 10 minutes in the past, 1 minute in the future
// (clock skew between WeChat and us).
type WatermarkWindow struct {
	Past   time.Duration
	Future time.Duration
}

// CheckWatermark checks that decrypted open data (or a getuserphonenumber
// phone_info) was made for appID and recently.
func CheckWatermark(w Watermark, appID string, now time.Time, win WatermarkWindow) error {
	if w.AppID == "" || w.Timestamp == 0 {
		return ErrWatermarkMissing
	}
	if w.AppID != appID {
		return fmt.Errorf("%w: made for %q", ErrWatermarkAppID, w.AppID)
	}
	past, future := win.Past, win.Future
	if past <= 0 {
		past = 10 * time.Minute
	}
	if future <= 0 {
		future = time.Minute
	}
	made := time.Unix(w.Timestamp, 0)
	if made.Before(now.Add(-past)) || made.After(now.Add(future)) {
		return fmt.Errorf("%w: made at %s, now %s", ErrWatermarkExpired,
			made.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}
