package wechat

import "time"

// beijing is China Standard Time (UTC+8, no daylight saving): the day WeChat
// bills and counts quotas by, and the time the dashboard shows.
var beijing = time.FixedZone("UTC+8", 8*3600)

// Beijing returns China Standard Time.
func Beijing() *time.Location { return beijing }

// BillingDay is the WeChat billing day of t, as YYYY-MM-DD in Beijing.
func BillingDay(t time.Time) string { return t.In(beijing).Format(time.DateOnly) }
