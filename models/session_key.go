package models

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SessionKeyRow holds an identity's WeChat session_key sealed at rest, plus
// the one before it: wx.login in the phone button's callback rotates the key
// after the ciphertext was made, and the previous key still opens it.
type SessionKeyRow struct {
	IdentityID         int64 `gorm:"primaryKey"`
	CurrentCiphertext  []byte
	CurrentKeyID       int64
	CurrentIssuedAt    time.Time
	PreviousCiphertext []byte
	PreviousKeyID      *int64
	PreviousIssuedAt   *time.Time
	DecryptFailures    int
	UpdatedAt          time.Time
}

func (SessionKeyRow) TableName() string { return "session_keys" }

// SessionKeys is a decrypted pair. Previous is empty when there is none.
type SessionKeys struct {
	Current, Previous string
	CurrentIssuedAt   time.Time
	PreviousIssuedAt  time.Time
	DecryptFailures   int
}

func sessionKeyAAD(identityID int64) []byte {
	return []byte("session_keys:" + strconv.FormatInt(identityID, 10))
}

// StoreSessionKey makes key the identity's current session_key and keeps the
// old current as previous. The same key again (WeChat did not rotate) only
// refreshes the issue time, so previous stays useful.
func (s *Store) StoreSessionKey(ctx context.Context, identityID int64, key string) error {
	aad := sessionKeyAAD(identityID)
	now := s.Now()
	var row SessionKeyRow
	err := s.conn(ctx).Clauses(lockingClause(s.dialect)...).Where("identity_id = ?", identityID).Take(&row).Error
	if err != nil && err != gorm.ErrRecordNotFound {
		return translate(err)
	}
	ct, kid, serr := s.keys.Seal([]byte(key), aad)
	if serr != nil {
		return serr
	}
	if err == gorm.ErrRecordNotFound {
		return translate(s.conn(ctx).Create(&SessionKeyRow{
			IdentityID: identityID, CurrentCiphertext: ct, CurrentKeyID: kid, CurrentIssuedAt: now, UpdatedAt: now,
		}).Error)
	}
	if old, oerr := s.keys.Open(row.CurrentCiphertext, row.CurrentKeyID, aad); oerr == nil && string(old) == key {
		return translate(s.conn(ctx).Model(&SessionKeyRow{}).Where("identity_id = ?", identityID).
			Updates(map[string]any{"current_ciphertext": ct, "current_key_id": kid, "current_issued_at": now, "decrypt_failures": 0, "updated_at": now}).Error)
	}
	return translate(s.conn(ctx).Model(&SessionKeyRow{}).Where("identity_id = ?", identityID).Updates(map[string]any{
		"previous_ciphertext": row.CurrentCiphertext, "previous_key_id": row.CurrentKeyID, "previous_issued_at": row.CurrentIssuedAt,
		"current_ciphertext": ct, "current_key_id": kid, "current_issued_at": now,
		"decrypt_failures": 0, "updated_at": now,
	}).Error)
}

// LoadSessionKeys opens an identity's keys. ErrNotFound when the keys were
// discarded (too many failed decryptions) or never stored.
func (s *Store) LoadSessionKeys(ctx context.Context, identityID int64) (SessionKeys, error) {
	var row SessionKeyRow
	if err := s.conn(ctx).Where("identity_id = ?", identityID).Take(&row).Error; err != nil {
		return SessionKeys{}, translate(err)
	}
	aad := sessionKeyAAD(identityID)
	cur, err := s.keys.Open(row.CurrentCiphertext, row.CurrentKeyID, aad)
	if err != nil {
		return SessionKeys{}, err
	}
	out := SessionKeys{Current: string(cur), CurrentIssuedAt: row.CurrentIssuedAt, DecryptFailures: row.DecryptFailures}
	if row.PreviousCiphertext != nil && row.PreviousKeyID != nil {
		if prev, err := s.keys.Open(row.PreviousCiphertext, *row.PreviousKeyID, aad); err == nil {
			out.Previous = string(prev)
			if row.PreviousIssuedAt != nil {
				out.PreviousIssuedAt = *row.PreviousIssuedAt
			}
		}
	}
	return out, nil
}

// RecordDecryptFailure counts a failed decryption and discards the keys once
// the count reaches limit, so the ciphertext endpoint cannot serve as a
// padding oracle: the attacker gets `limit` guesses, then a re-login wall.
// It reports whether the keys were discarded.
func (s *Store) RecordDecryptFailure(ctx context.Context, identityID int64, limit int) (discarded bool, err error) {
	res := s.conn(ctx).Model(&SessionKeyRow{}).Where("identity_id = ?", identityID).
		Update("decrypt_failures", gorm.Expr("decrypt_failures + 1"))
	if res.Error != nil {
		return false, translate(res.Error)
	}
	res = s.conn(ctx).Where("identity_id = ? AND decrypt_failures >= ?", identityID, limit).Delete(&SessionKeyRow{})
	return res.RowsAffected > 0, translate(res.Error)
}

// ResetDecryptFailures clears the failure count after a good decryption.
func (s *Store) ResetDecryptFailures(ctx context.Context, identityID int64) error {
	return translate(s.conn(ctx).Model(&SessionKeyRow{}).Where("identity_id = ? AND decrypt_failures > 0", identityID).
		Update("decrypt_failures", 0).Error)
}

// lockingClause is SELECT ... FOR UPDATE on PostgreSQL; SQLite has no row
// locks and needs none, because _txlock=immediate serialises writers.
func lockingClause(d Dialect) []clause.Expression {
	if d == Postgres {
		return []clause.Expression{clause.Locking{Strength: "UPDATE"}}
	}
	return nil
}
