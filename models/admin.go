package models

import (
	"context"
	"strings"
	"time"
)

// Admin roles: a viewer sees masked data only.
const (
	RoleAdmin  = "admin"
	RoleViewer = "viewer"
)

// AdminUser is a dashboard account.
type AdminUser struct {
	ID           int64 `gorm:"primaryKey"`
	Username     string
	PasswordHash string
	Role         string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastLoginAt  *time.Time
	DisabledAt   *time.Time
}

// AdminAudit is one administrator action. Append-only.
type AdminAudit struct {
	ID         int64 `gorm:"primaryKey"`
	CreatedAt  time.Time
	AdminID    *int64
	AdminName  string
	Action     string
	TargetType string
	TargetID   string
	Reason     string
	IP         string `gorm:"column:ip"`
	Detail     string
	// Device names the known browser a sign-in came from (see the sign-in
	// policy); "" for any other.
	Device string
}

func (AdminAudit) TableName() string { return "admin_audit" }

// NormalizeUsername folds usernames so "Alice" and "alice" are one account.
func NormalizeUsername(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// CreateAdminUser inserts an account; ErrConflict if the name is taken.
func (s *Store) CreateAdminUser(ctx context.Context, a *AdminUser) error {
	a.Username = NormalizeUsername(a.Username)
	now := s.Now()
	a.CreatedAt, a.UpdatedAt = now, now
	return translate(s.conn(ctx).Create(a).Error)
}

// AdminByUsername finds an account by name.
func (s *Store) AdminByUsername(ctx context.Context, name string) (AdminUser, error) {
	var a AdminUser
	err := s.conn(ctx).Where("username = ?", NormalizeUsername(name)).Take(&a).Error
	return a, translate(err)
}

// AdminByID finds an account by id.
func (s *Store) AdminByID(ctx context.Context, id int64) (AdminUser, error) {
	var a AdminUser
	err := s.conn(ctx).Where("id = ?", id).Take(&a).Error
	return a, translate(err)
}

// ListAdmins lists every account by name.
func (s *Store) ListAdmins(ctx context.Context) ([]AdminUser, error) {
	var out []AdminUser
	err := s.conn(ctx).Order("username").Find(&out).Error
	return out, translate(err)
}

// CountAdmins reports how many accounts exist (a handful; COUNT is fine here).
func (s *Store) CountAdmins(ctx context.Context) (int64, error) {
	var n int64
	err := s.conn(ctx).Model(&AdminUser{}).Count(&n).Error
	return n, translate(err)
}

// SetAdminPassword replaces an account's password hash.
func (s *Store) SetAdminPassword(ctx context.Context, id int64, hash string) error {
	res := s.conn(ctx).Model(&AdminUser{}).Where("id = ?", id).
		Updates(map[string]any{"password_hash": hash, "updated_at": s.Now()})
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// AppendAdminAudit writes one admin audit row.
func (s *Store) AppendAdminAudit(ctx context.Context, a *AdminAudit) error {
	if a.CreatedAt.IsZero() {
		a.CreatedAt = s.Now()
	}
	return translate(s.conn(ctx).Create(a).Error)
}
