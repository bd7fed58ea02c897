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
	CurrentFingerprint []byte
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
// refreshes the issue time, so previous stays useful. One statement: the
// fingerprints tell the database which case it is, and ON CONFLICT takes the
// row lock that keeps two logins of one identity from losing a key.
func (s *Store) StoreSessionKey(ctx context.Context, identityID int64, key string) error {
	aad := sessionKeyAAD(identityID)
	ct, kid, err := s.keys.Seal([]byte(key), aad)
	if err != nil {
		return err
	}
	fp := s.keys.Fingerprint([]byte(key), aad)
	now := s.Now()
	return translate(s.conn(ctx).Exec(`INSERT INTO session_keys
	(identity_id, current_ciphertext, current_key_id, current_issued_at, current_fingerprint, decrypt_failures, updated_at)
VALUES (?, ?, ?, ?, ?, 0, ?)
`+onSessionKeyConflict,
		identityID, ct, kid, now, fp, now).Error)
}

// onSessionKeyConflict ends an INSERT INTO session_keys of a new current
// key: on an existing row the old current becomes previous unless WeChat sent
// the key we hold (same fingerprint), and the failure count starts again.
// A row with no fingerprint (written before migration 00003) counts as
// rotated.
const onSessionKeyConflict = `ON CONFLICT (identity_id) DO UPDATE SET
	previous_ciphertext = CASE WHEN ` + sameKey + ` THEN session_keys.previous_ciphertext ELSE session_keys.current_ciphertext END,
	previous_key_id     = CASE WHEN ` + sameKey + ` THEN session_keys.previous_key_id ELSE session_keys.current_key_id END,
	previous_issued_at  = CASE WHEN ` + sameKey + ` THEN session_keys.previous_issued_at ELSE session_keys.current_issued_at END,
	current_ciphertext  = excluded.current_ciphertext,
	current_key_id      = excluded.current_key_id,
	current_issued_at   = excluded.current_issued_at,
	current_fingerprint = excluded.current_fingerprint,
	decrypt_failures    = 0,
	updated_at          = excluded.updated_at`

const sameKey = "session_keys.current_fingerprint = excluded.current_fingerprint"

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
