package models

import (
	"context"
	"time"
)

// Admin audit actions.
const (
	ActionSignIn         = "sign_in"
	ActionSignInFailed   = "sign_in_failed"
	ActionSignInLocked   = "sign_in_locked"
	ActionSignOut        = "sign_out"
	ActionRevealPhone    = "reveal_phone"
	ActionExport         = "export"
	ActionPhoneSearch    = "phone_search"
	ActionBlockUser      = "block_user"
	ActionUnblockUser    = "unblock_user"
	ActionRevokeSession  = "revoke_session"
	ActionRevokeSessions = "revoke_all_sessions"
	ActionCreateAdmin    = "create_admin"
	ActionResetPassword  = "reset_password"
	ActionUnlock         = "unlock"
)

// Admin audit target types.
const (
	TargetAdmin = "admin" // target_id: the username
	TargetUser  = "user"  // target_id: the user id
	TargetList  = "list"  // target_id: the exported list
)

// LoginAuditFilter narrows the login audit log; zero fields do not filter.
type LoginAuditFilter struct {
	Event         string
	Result        string
	AppID         string
	WeChatErrCode *int
	ErrorCode     string
	IP            string
	UserID        string
	From          time.Time // inclusive
	To            time.Time // exclusive
}

// ListLoginAudit returns up to limit rows after the key, newest first. The
// time range is a half-open range on created_at itself, so the index that
// starts with the filtered column and ends with (created_at, id) serves it.
func (s *Store) ListLoginAudit(ctx context.Context, f LoginAuditFilter, after *SerialKey, limit int) ([]LoginAudit, error) {
	q := s.conn(ctx).Model(&LoginAudit{})
	if f.Event != "" {
		q = q.Where("event = ?", f.Event)
	}
	if f.Result != "" {
		q = q.Where("result = ?", f.Result)
	}
	if f.AppID != "" {
		q = q.Where("app_id = ?", f.AppID)
	}
	if f.WeChatErrCode != nil {
		q = q.Where("wechat_errcode = ?", *f.WeChatErrCode)
	}
	if f.ErrorCode != "" {
		q = q.Where("error_code = ?", f.ErrorCode)
	}
	if f.IP != "" {
		q = q.Where("ip = ?", f.IP)
	}
	if f.UserID != "" {
		q = q.Where("user_id = ?", f.UserID)
	}
	q = timeWindow(q, "created_at", f.From, f.To)
	if after != nil {
		q = q.Where("(created_at, id) < (?, ?)", utc(after.At), after.ID)
	}
	var out []LoginAudit
	err := q.Order("created_at DESC, id DESC").Limit(limit).Find(&out).Error
	return out, translate(err)
}

// AdminAuditFilter narrows the admin audit log; zero fields do not filter.
type AdminAuditFilter struct {
	AdminID    *int64
	Actions    []string
	TargetType string
	TargetID   string
	IP         string
	From       time.Time // inclusive
	To         time.Time // exclusive
}

// ListAdminAudit returns up to limit rows after the key, newest first.
func (s *Store) ListAdminAudit(ctx context.Context, f AdminAuditFilter, after *SerialKey, limit int) ([]AdminAudit, error) {
	q := s.conn(ctx).Model(&AdminAudit{})
	if f.AdminID != nil {
		q = q.Where("admin_id = ?", *f.AdminID)
	}
	switch len(f.Actions) {
	case 0:
	case 1:
		q = q.Where("action = ?", f.Actions[0])
	default:
		q = q.Where("action IN ?", f.Actions)
	}
	if f.TargetType != "" {
		q = q.Where("target_type = ?", f.TargetType)
	}
	if f.TargetID != "" {
		q = q.Where("target_id = ?", f.TargetID)
	}
	if f.IP != "" {
		q = q.Where("ip = ?", f.IP)
	}
	q = timeWindow(q, "created_at", f.From, f.To)
	if after != nil {
		q = q.Where("(created_at, id) < (?, ?)", utc(after.At), after.ID)
	}
	var out []AdminAudit
	err := q.Order("created_at DESC, id DESC").Limit(limit).Find(&out).Error
	return out, translate(err)
}

func timeWindow(q *gormDB, col string, from, to time.Time) *gormDB {
	if !from.IsZero() {
		q = q.Where(col+" >= ?", utc(from))
	}
	if !to.IsZero() {
		q = q.Where(col+" < ?", utc(to))
	}
	return q
}
