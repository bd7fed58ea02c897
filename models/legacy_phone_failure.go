package models

import (
	"context"
	"time"
)

// LegacyPhoneFailure is one failed (or in-flight) decryption of legacy phone
// data for an app's user, named by Subject: a keyed hash of the openid.
type LegacyPhoneFailure struct {
	ID       int64 `gorm:"primaryKey"`
	AppID    string
	Subject  []byte
	FailedAt time.Time
}

// TakeLegacyPhoneAttempt counts an attempt of the identity's WeChat user
// against their budget before the attempt is made: at most max attempts may
// fall after since. It reports false (with when the oldest counted one ages
// out) when the budget is spent; otherwise the attempt counts as a failure
// until ForgiveLegacyPhoneAttempt says it succeeded. Counting first is what
// makes the budget exact: however many requests race, on however many
// instances, no more than max decryptions can fail.
//
// The budget belongs to (app, openid), whatever identity row or session key
// holds it now, under a keyed hash of the openid (rotating the first
// MPAUTH_SECRET_KEY starts new budgets).
func (s *Store) TakeLegacyPhoneAttempt(ctx context.Context, identityID int64, at, since time.Time, max int) (id int64, ok bool, freeAt time.Time, err error) {
	err = s.WithTx(ctx, func(tx *Store) error {
		// The identity's row lock queues racing attempts of one user on
		// PostgreSQL; SQLite's writers are serialised by the transaction.
		var ident WeChatIdentity
		if err := tx.conn(ctx).Clauses(lockingClause(tx.dialect)...).Where("id = ?", identityID).Take(&ident).Error; err != nil {
			return err
		}
		appID, subject := ident.AppID, s.keys.Fingerprint([]byte(ident.OpenID), []byte("legacy_phone_failures:"+ident.AppID))
		var recent []time.Time
		if err := tx.conn(ctx).Model(&LegacyPhoneFailure{}).
			Where("app_id = ? AND subject = ? AND failed_at > ?", appID, subject, utc(since)).
			Order("failed_at").Limit(max).Pluck("failed_at", &recent).Error; err != nil {
			return err
		}
		if len(recent) >= max {
			freeAt = recent[0].UTC()
			return nil
		}
		row := LegacyPhoneFailure{AppID: appID, Subject: subject, FailedAt: utc(at)}
		if err := tx.conn(ctx).Create(&row).Error; err != nil {
			return err
		}
		id, ok = row.ID, true
		return nil
	})
	return id, ok, freeAt, translate(err)
}

// ForgiveLegacyPhoneAttempt takes back an attempt that succeeded.
func (s *Store) ForgiveLegacyPhoneAttempt(ctx context.Context, id int64) error {
	return translate(s.conn(ctx).Where("id = ?", id).Delete(&LegacyPhoneFailure{}).Error)
}

// DeleteLegacyPhoneFailuresBefore forgets failures no budget counts any more.
func (s *Store) DeleteLegacyPhoneFailuresBefore(ctx context.Context, before time.Time) (int64, error) {
	res := s.conn(ctx).Where("failed_at < ?", utc(before)).Delete(&LegacyPhoneFailure{})
	return res.RowsAffected, translate(res.Error)
}
