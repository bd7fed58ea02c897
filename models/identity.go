package models

import (
	"context"
	"time"
)

// WeChatIdentity is a user's openid in one app; several identities of one
// user (in several apps) are joined by unionid.
type WeChatIdentity struct {
	ID          int64 `gorm:"primaryKey"`
	AppID       string
	OpenID      string  `gorm:"column:openid"`
	UnionID     *string `gorm:"column:unionid"`
	UserID      string
	CreatedAt   time.Time
	LastLoginAt time.Time
}

func (WeChatIdentity) TableName() string { return "wechat_identities" }

// FindIdentity returns the identity for (app, openid).
func (s *Store) FindIdentity(ctx context.Context, appID, openID string) (WeChatIdentity, error) {
	var id WeChatIdentity
	err := s.conn(ctx).Where("app_id = ? AND openid = ?", appID, openID).Take(&id).Error
	return id, translate(err)
}

// IdentityByID returns an identity by its id.
func (s *Store) IdentityByID(ctx context.Context, id int64) (WeChatIdentity, error) {
	var ident WeChatIdentity
	err := s.conn(ctx).Where("id = ?", id).Take(&ident).Error
	return ident, translate(err)
}

// FindUserByUnionID returns the user owning any identity with this unionid.
func (s *Store) FindUserByUnionID(ctx context.Context, unionID string) (string, error) {
	var id WeChatIdentity
	err := s.conn(ctx).Where("unionid = ?", unionID).Order("id").Take(&id).Error
	return id.UserID, translate(err)
}

// CreateIdentity inserts an identity; a second insert of the same (app,
// openid) fails with ErrConflict from the unique index.
func (s *Store) CreateIdentity(ctx context.Context, id *WeChatIdentity) error {
	now := s.Now()
	if id.CreatedAt.IsZero() {
		id.CreatedAt = now
	}
	if id.LastLoginAt.IsZero() {
		id.LastLoginAt = now
	}
	return translate(s.conn(ctx).Create(id).Error)
}

// TouchIdentity records a login of (app, openid), and a unionid that WeChat
// started sending (an app bound to an open-platform account after the user
// first came), in the one round trip that also finds the identity.
// ErrNotFound: a first login.
func (s *Store) TouchIdentity(ctx context.Context, appID, openID, unionID string, at time.Time) (WeChatIdentity, error) {
	var rows []WeChatIdentity
	err := s.conn(ctx).Raw(`UPDATE wechat_identities SET last_login_at = ?, unionid = COALESCE(?, unionid)
WHERE app_id = ? AND openid = ?
RETURNING id, app_id, openid, unionid, user_id, created_at, last_login_at`,
		at, nullIfEmpty(unionID), appID, openID).Scan(&rows).Error
	if err != nil {
		return WeChatIdentity{}, translate(err)
	}
	if len(rows) == 0 {
		return WeChatIdentity{}, ErrNotFound
	}
	return rows[0], nil
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// IdentitiesOfUser lists a user's identities, oldest first.
func (s *Store) IdentitiesOfUser(ctx context.Context, userID string) ([]WeChatIdentity, error) {
	var ids []WeChatIdentity
	err := s.conn(ctx).Where("user_id = ?", userID).Order("id").Find(&ids).Error
	return ids, translate(err)
}
