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
	var a ActiveSession
	found, err := s.queryRow(ctx, activeSessionSQL, []any{hash, now},
		&a.ID, &a.TokenHash, &a.UserID, &a.IdentityID, &a.AppID, &a.CreatedAt, &a.LastSeenAt, &a.ExpiresAt,
		&a.RevokedAt, &a.RevokedReason, &a.IP, &a.UserAgent, &a.UserStatus)
	if err != nil {
		return ActiveSession{}, translate(err)
	}
	if !found {
		return ActiveSession{}, ErrNotFound
	}
	return a, nil
}

// activeSessionSQL runs on every authenticated request. Its numbered
// placeholders suit both databases: SQLite binds $N to the Nth argument.
const activeSessionSQL = `SELECT s.id, s.token_hash, s.user_id, s.identity_id, s.app_id, s.created_at, s.last_seen_at,
	s.expires_at, s.revoked_at, s.revoked_reason, s.ip, s.user_agent, u.status
FROM login_sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2`

// SessionState is what a duplicate login learns of the session its code's
// first request made.
type SessionState struct {
	UserID     string
	Active     bool // neither revoked nor expired
	UserStatus string
	IsNew      bool // the login that made it also made the user
}

// SessionStateByHash reads the session of a token hash, live or not.
// ErrNotFound while there is none (yet).
func (s *Store) SessionStateByHash(ctx context.Context, hash []byte, now time.Time) (SessionState, error) {
	var st SessionState
	found, err := s.queryRow(ctx, sessionStateSQL, []any{hash, now}, &st.UserID, &st.Active, &st.UserStatus, &st.IsNew)
	if err != nil {
		return SessionState{}, translate(err)
	}
	if !found {
		return SessionState{}, ErrNotFound
	}
	return st, nil
}

// A first login gives its user and its session the same creation time.
const sessionStateSQL = `SELECT s.user_id, s.revoked_at IS NULL AND s.expires_at > $2, u.status, u.created_at = s.created_at
FROM login_sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = $1`

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
