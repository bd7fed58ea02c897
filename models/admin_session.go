package models

import (
	"context"
	"time"
)

// AdminSession is one dashboard sign-in, stored server-side so that signing
// out (or being signed out) really ends it. Only a hash of the session id is
// kept: the id itself lives in the browser's cookie alone.
type AdminSession struct {
	IDHash     []byte `gorm:"primaryKey;column:id_hash"`
	AdminID    *int64
	Data       []byte
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// CreateAdminSession inserts a session.
func (s *Store) CreateAdminSession(ctx context.Context, a *AdminSession) error {
	return translate(s.conn(ctx).Create(a).Error)
}

// AdminSessionByHash returns the session with this id hash, expired or not.
func (s *Store) AdminSessionByHash(ctx context.Context, hash []byte) (AdminSession, error) {
	var a AdminSession
	err := s.conn(ctx).Where("id_hash = ?", hash).Take(&a).Error
	return a, translate(err)
}

// UpdateAdminSession replaces a session's data and moves its expiry.
func (s *Store) UpdateAdminSession(ctx context.Context, hash, data []byte, seen, expires time.Time) error {
	upd := map[string]any{"last_seen_at": seen, "expires_at": expires}
	if data != nil {
		upd["data"] = data
	}
	res := s.conn(ctx).Model(&AdminSession{}).Where("id_hash = ?", hash).Updates(upd)
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteAdminSession removes one session; deleting a missing one is not an error.
func (s *Store) DeleteAdminSession(ctx context.Context, hash []byte) error {
	return translate(s.conn(ctx).Where("id_hash = ?", hash).Delete(&AdminSession{}).Error)
}

// DeleteAdminSessionsOf signs an account out everywhere.
func (s *Store) DeleteAdminSessionsOf(ctx context.Context, adminID int64) (int64, error) {
	res := s.conn(ctx).Where("admin_id = ?", adminID).Delete(&AdminSession{})
	return res.RowsAffected, translate(res.Error)
}

// DeleteExpiredAdminSessions removes sessions that ended before now.
func (s *Store) DeleteExpiredAdminSessions(ctx context.Context, now time.Time) (int64, error) {
	res := s.conn(ctx).Where("expires_at <= ?", now).Delete(&AdminSession{})
	return res.RowsAffected, translate(res.Error)
}
