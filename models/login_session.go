package models

import (
	"context"
	"time"
)

// LoginSession is one of our login tokens, stored only as its SHA-256.
type LoginSession struct {
	ID            int64 `gorm:"primaryKey"`
	TokenHash     []byte
	UserID        string
	IdentityID    int64
	AppID         string
	CreatedAt     time.Time
	LastSeenAt    time.Time
	ExpiresAt     time.Time
	RevokedAt     *time.Time
	RevokedReason string
	IP            string `gorm:"column:ip"`
	UserAgent     string
}

// CreateLoginSession inserts a session.
func (s *Store) CreateLoginSession(ctx context.Context, ls *LoginSession) error {
	return translate(s.conn(ctx).Create(ls).Error)
}

// ActiveSession is a live login session and its user's status.
type ActiveSession struct {
	LoginSession
	UserStatus string
}

// ActiveSessionByHash returns the session for a token hash if it is neither
// revoked nor expired at now, with its user's status: every authenticated
// request needs both, in one round trip.
func (s *Store) ActiveSessionByHash(ctx context.Context, hash []byte, now time.Time) (ActiveSession, error) {
	var rows []ActiveSession
	err := s.conn(ctx).Raw(`SELECT s.*, u.status AS user_status FROM login_sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ?`, hash, now).Scan(&rows).Error
	if err != nil {
		return ActiveSession{}, translate(err)
	}
	if len(rows) == 0 {
		return ActiveSession{}, ErrNotFound
	}
	return rows[0], nil
}

// SlideSession extends a session's expiry (sliding expiration).
func (s *Store) SlideSession(ctx context.Context, id int64, seen, expires time.Time) error {
	return translate(s.conn(ctx).Model(&LoginSession{}).Where("id = ? AND revoked_at IS NULL", id).
		Updates(map[string]any{"last_seen_at": seen, "expires_at": expires}).Error)
}

// RevokeSession revokes one session; ErrNotFound if it was not active.
func (s *Store) RevokeSession(ctx context.Context, id int64, reason string) error {
	res := s.conn(ctx).Model(&LoginSession{}).Where("id = ? AND revoked_at IS NULL", id).
		Updates(map[string]any{"revoked_at": s.Now(), "revoked_reason": reason})
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// RevokeUserSessions revokes every active session of a user.
func (s *Store) RevokeUserSessions(ctx context.Context, userID, reason string) (int64, error) {
	res := s.conn(ctx).Model(&LoginSession{}).Where("user_id = ? AND revoked_at IS NULL", userID).
		Updates(map[string]any{"revoked_at": s.Now(), "revoked_reason": reason})
	return res.RowsAffected, translate(res.Error)
}

// ActiveSessionsOfUser lists a user's unrevoked, unexpired sessions.
func (s *Store) ActiveSessionsOfUser(ctx context.Context, userID string) ([]LoginSession, error) {
	var out []LoginSession
	err := s.conn(ctx).Where("user_id = ? AND revoked_at IS NULL AND expires_at > ?", userID, s.Now()).
		Order("created_at DESC").Limit(100).Find(&out).Error
	return out, translate(err)
}
