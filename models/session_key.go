package models

import (
	"context"
	"strconv"
	"time"

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
	UpdatedAt          time.Time
}

func (SessionKeyRow) TableName() string { return "session_keys" }

// SessionKeys is a decrypted pair. Previous is empty when there is none.
type SessionKeys struct {
	Current, Previous string
	CurrentIssuedAt   time.Time
	PreviousIssuedAt  time.Time
}

// sessionKeyAAD binds a sealed session key to its WeChat user, (app,
// openid): copied into another identity's row it does not open. Known before
// the identity's row is read, it lets a returning login seal the key and
// write it in the same statement that finds the row.
func sessionKeyAAD(appID, openID string) []byte {
	return []byte("session_keys:" + appID + "\x00" + openID)
}

// legacySessionKeyAAD is how earlier releases bound a sealed key: to the
// row id. Such keys still open, until the user's next login replaces them.
func legacySessionKeyAAD(identityID int64) []byte {
	return []byte("session_keys:" + strconv.FormatInt(identityID, 10))
}

// StoreSessionKey makes key the identity's current session_key and keeps the
// old current as previous. The same key again (WeChat did not rotate) only
// refreshes the issue time, so previous stays useful. One statement: the
// fingerprints tell the database which case it is, and ON CONFLICT takes the
// row lock that keeps two logins of one identity from losing a key.
func (s *Store) StoreSessionKey(ctx context.Context, ident WeChatIdentity, key string) error {
	identityID, aad := ident.ID, sessionKeyAAD(ident.AppID, ident.OpenID)
	ct, kid, err := s.keys.Seal([]byte(key), aad)
	if err != nil {
		return err
	}
	fp := s.keys.Fingerprint([]byte(key), aad)
	now := s.Now()
	return translate(s.conn(ctx).Exec(`INSERT INTO session_keys
	(identity_id, current_ciphertext, current_key_id, current_issued_at, current_fingerprint, updated_at)
VALUES (?, ?, ?, ?, ?, ?)
`+onSessionKeyConflict,
		identityID, ct, kid, now, fp, now).Error)
}

// onSessionKeyConflict ends an INSERT INTO session_keys of a new current
// key: on an existing row the old current becomes previous unless WeChat sent
// the key we hold (same fingerprint).
// A row with no fingerprint (written before migration 00003), or sealed
// under the row-id binding of earlier releases, counts as rotated: previous
// then holds the key we had, never something lost.
const onSessionKeyConflict = `ON CONFLICT (identity_id) DO UPDATE SET
	previous_ciphertext = CASE WHEN ` + sameKey + ` THEN session_keys.previous_ciphertext ELSE session_keys.current_ciphertext END,
	previous_key_id     = CASE WHEN ` + sameKey + ` THEN session_keys.previous_key_id ELSE session_keys.current_key_id END,
	previous_issued_at  = CASE WHEN ` + sameKey + ` THEN session_keys.previous_issued_at ELSE session_keys.current_issued_at END,
	current_ciphertext  = excluded.current_ciphertext,
	current_key_id      = excluded.current_key_id,
	current_issued_at   = excluded.current_issued_at,
	current_fingerprint = excluded.current_fingerprint,
	updated_at          = excluded.updated_at`

const sameKey = "session_keys.current_fingerprint = excluded.current_fingerprint"

// LoadSessionKeys opens an identity's keys. ErrNotFound when none was stored.
func (s *Store) LoadSessionKeys(ctx context.Context, identityID int64) (SessionKeys, error) {
	var row struct {
		SessionKeyRow
		AppID  string
		OpenID string `gorm:"column:openid"`
	}
	err := s.conn(ctx).Table("session_keys AS sk").Select("sk.*, i.app_id, i.openid").
		Joins("JOIN wechat_identities i ON i.id = sk.identity_id").Where("sk.identity_id = ?", identityID).Take(&row).Error
	if err != nil {
		return SessionKeys{}, translate(err)
	}
	open := func(ct []byte, keyID int64) ([]byte, error) {
		plain, err := s.keys.Open(ct, keyID, sessionKeyAAD(row.AppID, row.OpenID))
		if err != nil {
			plain, err = s.keys.Open(ct, keyID, legacySessionKeyAAD(identityID))
		}
		return plain, err
	}
	cur, err := open(row.CurrentCiphertext, row.CurrentKeyID)
	if err != nil {
		return SessionKeys{}, err
	}
	out := SessionKeys{Current: string(cur), CurrentIssuedAt: row.CurrentIssuedAt}
	if row.PreviousCiphertext != nil && row.PreviousKeyID != nil {
		if prev, err := open(row.PreviousCiphertext, *row.PreviousKeyID); err == nil {
			out.Previous = string(prev)
			if row.PreviousIssuedAt != nil {
				out.PreviousIssuedAt = *row.PreviousIssuedAt
			}
		}
	}
	return out, nil
}

// lockingClause is SELECT ... FOR UPDATE on PostgreSQL; SQLite has no row
// locks and needs none, because _txlock=immediate serialises writers.
func lockingClause(d Dialect) []clause.Expression {
	if d == Postgres {
		return []clause.Expression{clause.Locking{Strength: "UPDATE"}}
	}
	return nil
}
