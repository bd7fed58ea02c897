package models

import (
	"context"
	"math/rand/v2"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// PhoneVerificationDay counts paid getuserphonenumber successes: one of an
// app's VerificationShards rows for the day.
type PhoneVerificationDay struct {
	AppID string `gorm:"primaryKey"`
	Day   string `gorm:"primaryKey"` // YYYY-MM-DD in China Standard Time, WeChat's billing day
	Shard int    `gorm:"primaryKey"`
	Count int64
}

// VerificationShards is how many rows an app's daily count is spread over.
// Every bind adds one to a row and holds its lock until commit; with one row
// per day, concurrent binds queued there. Sixteen make two binds meeting on
// a row rare at 64 in flight, and a month's total a sum of 480 rows.
const VerificationShards = 16

func (PhoneVerificationDay) TableName() string { return "phone_verifications_daily" }

// CountPhoneVerification adds one paid verification for app on a billing
// day (YYYY-MM-DD in Beijing, wechat.BillingDay).
func (s *Store) CountPhoneVerification(ctx context.Context, appID, day string) error {
	row := PhoneVerificationDay{AppID: appID, Day: day, Shard: rand.IntN(VerificationShards), Count: 1}
	return translate(s.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "app_id"}, {Name: "day"}, {Name: "shard"}},
		DoUpdates: clause.Set{{Column: clause.Column{Name: "count"}, Value: gorm.Expr("phone_verifications_daily.count + 1")}},
	}).Create(&row).Error)
}

// PhoneVerifications sums verifications over [fromDay, toDay] for all apps.
func (s *Store) PhoneVerifications(ctx context.Context, fromDay, toDay string) (int64, error) {
	var n int64
	err := s.conn(ctx).Model(&PhoneVerificationDay{}).Where("day >= ? AND day <= ?", fromDay, toDay).
		Select("COALESCE(SUM(count), 0)").Scan(&n).Error
	return n, translate(err)
}
