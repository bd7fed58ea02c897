package models

import (
	"context"
	"time"
)

// PhoneFilter narrows the admin phone bindings list; zero fields do not filter.
type PhoneFilter struct {
	AppID     string
	Source    string
	BoundFrom time.Time // inclusive
	BoundTo   time.Time // exclusive
	Phone     PhoneMatch
}

// ListPhoneBindings returns up to limit current bindings after the key,
// most recently bound first, through the (bound_at DESC, user_id DESC) index
// (or the last-4 index, which ends with the same key).
func (s *Store) ListPhoneBindings(ctx context.Context, f PhoneFilter, after *TimeKey, limit int) ([]PhoneBinding, error) {
	q := s.conn(ctx).Table("phone_bindings AS pb").Select("pb.*")
	if !f.Phone.empty() {
		sub, args := s.phoneMatches(f.Phone, "pb.*")
		q = s.conn(ctx).Table(sub+" AS pb", args...).Select("pb.*")
	}
	if f.AppID != "" {
		q = q.Where("pb.app_id = ?", f.AppID)
	}
	if f.Source != "" {
		q = q.Where("pb.source = ?", f.Source)
	}
	if !f.BoundFrom.IsZero() {
		q = q.Where("pb.bound_at >= ?", utc(f.BoundFrom))
	}
	if !f.BoundTo.IsZero() {
		q = q.Where("pb.bound_at < ?", utc(f.BoundTo))
	}
	if after != nil {
		q = q.Where("(pb.bound_at, pb.user_id) < (?, ?)", utc(after.At), after.ID)
	}
	var out []PhoneBinding
	err := q.Order("pb.bound_at DESC, pb.user_id DESC").Limit(limit).Find(&out).Error
	return out, translate(err)
}
