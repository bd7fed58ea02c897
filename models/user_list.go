package models

import (
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// UserFilter narrows the admin users list; zero fields do not filter. At most
// one of the search fields (UserID, WeChatID, Phone) is expected.
type UserFilter struct {
	AppID       string // has an identity in this app
	PhoneBound  *bool
	Status      string
	CreatedFrom time.Time // inclusive
	CreatedTo   time.Time // exclusive

	UserID   string
	WeChatID string // an openid or a unionid, exact
	Phone    PhoneMatch
}

// ListUsers returns up to limit users after the key, newest first. Each
// filter is a condition the (created_at DESC, id DESC) index scan checks or
// an index lookup (openid, unionid) that yields a handful of ids.
func (s *Store) ListUsers(ctx context.Context, f UserFilter, after *TimeKey, limit int) ([]User, error) {
	if !f.Phone.empty() {
		return s.listUsersByPhone(ctx, f, after, limit)
	}
	q := s.filterUsers(ctx, f, after)
	var out []User
	err := q.Order("u.created_at DESC, u.id DESC").Limit(limit).Find(&out).Error
	return out, translate(err)
}

// listUsersByPhone reads the matching numbers first, through their index
// (at most MaxPhoneMatches+1), then those users by primary key, and orders
// them here. Given "ORDER BY created_at LIMIT 50" and a phone condition in
// one query, PostgreSQL guesses how many users match and, when the digits
// are rarer than it thinks, walks the whole users index testing each one.
func (s *Store) listUsersByPhone(ctx context.Context, f UserFilter, after *TimeKey, limit int) ([]User, error) {
	sub, args := s.phoneMatches(f.Phone, "pb.user_id")
	var ids []string
	if err := s.conn(ctx).Raw("SELECT pm.user_id FROM "+sub+" AS pm", args...).Scan(&ids).Error; err != nil {
		return nil, translate(err)
	}
	var out []User
	for chunk := range slices.Chunk(ids, 500) {
		var part []User
		if err := s.filterUsers(ctx, f, after).Where("u.id IN ?", chunk).Find(&part).Error; err != nil {
			return nil, translate(err)
		}
		out = append(out, part...)
	}
	slices.SortFunc(out, func(a, b User) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out[:min(limit, len(out))], nil
}

// filterUsers applies every filter but the phone search, and the key.
func (s *Store) filterUsers(ctx context.Context, f UserFilter, after *TimeKey) *gorm.DB {
	q := s.conn(ctx).Table("users AS u").Select("u.*")
	if f.UserID != "" {
		q = q.Where("u.id = ?", f.UserID)
	}
	if f.WeChatID != "" {
		q = q.Where("u.id IN (SELECT wi.user_id FROM wechat_identities wi WHERE wi.openid = ? OR wi.unionid = ?)", f.WeChatID, f.WeChatID)
	}
	if f.AppID != "" {
		q = q.Where("EXISTS (SELECT 1 FROM wechat_identities wa WHERE wa.user_id = u.id AND wa.app_id = ?)", f.AppID)
	}
	if f.PhoneBound != nil {
		if *f.PhoneBound {
			q = q.Where("EXISTS (SELECT 1 FROM phone_bindings pbb WHERE pbb.user_id = u.id)")
		} else {
			q = q.Where("NOT EXISTS (SELECT 1 FROM phone_bindings pbb WHERE pbb.user_id = u.id)")
		}
	}
	if f.Status != "" {
		q = q.Where("u.status = ?", f.Status)
	}
	if !f.CreatedFrom.IsZero() {
		q = q.Where("u.created_at >= ?", utc(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		q = q.Where("u.created_at < ?", utc(f.CreatedTo))
	}
	if after != nil {
		q = q.Where("(u.created_at, u.id) < (?, ?)", utc(after.At), after.ID)
	}
	return q
}

// IdentitiesOfUsers returns the identities of a page of users.
func (s *Store) IdentitiesOfUsers(ctx context.Context, userIDs []string) ([]WeChatIdentity, error) {
	var out []WeChatIdentity
	if len(userIDs) == 0 {
		return out, nil
	}
	err := s.conn(ctx).Where("user_id IN ?", userIDs).Order("user_id, id").Find(&out).Error
	return out, translate(err)
}

// PhonesOfUsers returns the current phones of a page of users.
func (s *Store) PhonesOfUsers(ctx context.Context, userIDs []string) ([]PhoneBinding, error) {
	var out []PhoneBinding
	if len(userIDs) == 0 {
		return out, nil
	}
	err := s.conn(ctx).Where("user_id IN ?", userIDs).Find(&out).Error
	return out, translate(err)
}
