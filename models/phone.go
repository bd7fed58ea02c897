package models

import (
	"context"
	"time"
)

// Phone sources.
const (
	PhoneSourceCode      = "code"
	PhoneSourceEncrypted = "encrypted"
)

// PhoneBinding is a user's current phone. PhoneE164 is unique across users.
type PhoneBinding struct {
	UserID      string `gorm:"primaryKey"`
	PhoneE164   string `gorm:"column:phone_e164"`
	CountryCode string
	PureNumber  string
	Source      string
	AppID       string
	BoundAt     time.Time
}

// PhoneBindingEvent is one line of a user's phone history.
type PhoneBindingEvent struct {
	ID           int64 `gorm:"primaryKey"`
	UserID       string
	Event        string // bind, replace, unbind
	PhoneE164    string `gorm:"column:phone_e164"`
	PreviousE164 string `gorm:"column:previous_e164"`
	Source       string
	Actor        string
	CreatedAt    time.Time
}

// GetPhoneBinding returns a user's current phone.
func (s *Store) GetPhoneBinding(ctx context.Context, userID string) (PhoneBinding, error) {
	var p PhoneBinding
	err := s.conn(ctx).Where("user_id = ?", userID).Take(&p).Error
	return p, translate(err)
}

// FindPhoneOwner returns the user a number is bound to.
func (s *Store) FindPhoneOwner(ctx context.Context, e164 string) (string, error) {
	var p PhoneBinding
	err := s.conn(ctx).Select("user_id").Where("phone_e164 = ?", e164).Take(&p).Error
	return p.UserID, translate(err)
}

// BindPhone makes p the user's current phone and records the history event.
// Binding a number another user holds fails with ErrConflict from the unique
// index, so two concurrent binds of one number cannot both win. It returns
// the event written ("bind", "replace", or "" when nothing changed).
func (s *Store) BindPhone(ctx context.Context, p PhoneBinding) (string, error) {
	if p.BoundAt.IsZero() {
		p.BoundAt = s.Now()
	}
	old, err := s.GetPhoneBinding(ctx, p.UserID)
	switch {
	case err == nil && old.PhoneE164 == p.PhoneE164:
		return "", nil
	case err == nil:
		res := s.conn(ctx).Model(&PhoneBinding{}).Where("user_id = ?", p.UserID).Updates(map[string]any{
			"phone_e164": p.PhoneE164, "country_code": p.CountryCode, "pure_number": p.PureNumber,
			"source": p.Source, "app_id": p.AppID, "bound_at": p.BoundAt,
		})
		if res.Error != nil {
			return "", translate(res.Error)
		}
		return "replace", s.addPhoneEvent(ctx, p, "replace", old.PhoneE164)
	case isNotFound(err):
		if err := translate(s.conn(ctx).Create(&p).Error); err != nil {
			return "", err
		}
		return "bind", s.addPhoneEvent(ctx, p, "bind", "")
	default:
		return "", err
	}
}

func (s *Store) addPhoneEvent(ctx context.Context, p PhoneBinding, event, previous string) error {
	return translate(s.conn(ctx).Create(&PhoneBindingEvent{
		UserID: p.UserID, Event: event, PhoneE164: p.PhoneE164, PreviousE164: previous,
		Source: p.Source, Actor: "user", CreatedAt: p.BoundAt,
	}).Error)
}

// PhoneHistory lists a user's phone events, newest first.
func (s *Store) PhoneHistory(ctx context.Context, userID string) ([]PhoneBindingEvent, error) {
	var ev []PhoneBindingEvent
	err := s.conn(ctx).Where("user_id = ?", userID).Order("created_at DESC, id DESC").Limit(200).Find(&ev).Error
	return ev, translate(err)
}
