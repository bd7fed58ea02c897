package models

import (
	"context"
	"time"
)

// Audit events and results.
const (
	EventLogin          = "login"
	EventPhoneCode      = "phone_code"
	EventPhoneEncrypted = "phone_encrypted"
	EventLogout         = "logout"

	ResultSuccess = "success"
	ResultFailure = "failure"
)

// LoginAudit is one login or phone attempt. Append-only (a trigger refuses updates).
type LoginAudit struct {
	ID            int64 `gorm:"primaryKey"`
	CreatedAt     time.Time
	AppID         string
	UserID        *string
	Event         string
	Result        string
	WeChatErrCode *int `gorm:"column:wechat_errcode"`
	ErrorCode     string
	Reason        string
	IP            string `gorm:"column:ip"`
	UserAgent     string
	RequestID     string
}

func (LoginAudit) TableName() string { return "login_audit" }

// AppendLoginAudit writes one audit row.
func (s *Store) AppendLoginAudit(ctx context.Context, a *LoginAudit) error {
	if a.CreatedAt.IsZero() {
		a.CreatedAt = s.Now()
	}
	return translate(s.conn(ctx).Create(a).Error)
}

// UserAuditTimeline lists a user's audit rows newest first.
func (s *Store) UserAuditTimeline(ctx context.Context, userID string, limit int) ([]LoginAudit, error) {
	var out []LoginAudit
	err := s.conn(ctx).Where("user_id = ?", userID).Order("created_at DESC, id DESC").Limit(limit).Find(&out).Error
	return out, translate(err)
}
