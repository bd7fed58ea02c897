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

// BindPhoneAudited is BindPhone and the audit row of the request, written
// together or not at all. On PostgreSQL that is one statement, admitted like
// a transaction (1 round trip instead of 6); on SQLite, a transaction.
func (s *Store) BindPhoneAudited(ctx context.Context, p PhoneBinding, a LoginAudit) (string, error) {
	if p.BoundAt.IsZero() {
		p.BoundAt = s.Now()
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = p.BoundAt
	}
	if !s.WritesInOneStatement() {
		var event string
		err := s.WithTx(ctx, func(tx *Store) error {
			var err error
			if event, err = tx.BindPhone(ctx, p); err != nil {
				return err
			}
			return tx.AppendLoginAudit(ctx, &a)
		})
		return event, err
	}
	var event string
	var found bool
	err := s.WithConn(ctx, func(c *Store) (err error) {
		found, err = c.queryRow(ctx, bindPhoneAuditedSQL, []any{
			p.UserID, p.PhoneE164, p.CountryCode, p.PureNumber, p.Source, p.AppID, p.BoundAt,
			a.CreatedAt, a.AppID, a.UserID, a.Event, a.Result, a.WeChatErrCode, a.ErrorCode, a.Reason, a.IP, a.UserAgent, a.RequestID,
		}, &event)
		return err
	})
	if err != nil {
		return "", translate(err)
	}
	if !found {
		return "", nil // the same number again
	}
	return event, nil
}

// bindPhoneAuditedSQL is BindPhoneAudited on PostgreSQL. old is the
// statement's snapshot: the number being replaced. (FOR UPDATE would not do:
// it skips a row this statement has updated.) The upsert locks the row; the
// unique index on phone_e164 refuses another user's number, failing the
// whole statement. Parameters: $1 user id, $2 number (E.164), $3 country
// code, $4 pure number, $5 source, $6 appid, $7 bound at; the audit row's
// $8 time, $9 appid, $10 user id, $11 event, $12 result, $13 WeChat errcode,
// $14 error code, $15 reason, $16 IP, $17 user agent, $18 request id.
const bindPhoneAuditedSQL = `WITH old AS (
	SELECT phone_e164 FROM phone_bindings WHERE user_id = $1::uuid
), up AS (
	INSERT INTO phone_bindings (user_id, phone_e164, country_code, pure_number, source, app_id, bound_at)
	SELECT $1::uuid, $2::text, $3::text, $4::text, $5::text, $6::text, $7::timestamptz
	ON CONFLICT (user_id) DO UPDATE SET
		phone_e164 = excluded.phone_e164, country_code = excluded.country_code, pure_number = excluded.pure_number,
		source = excluded.source, app_id = excluded.app_id, bound_at = excluded.bound_at
	WHERE phone_bindings.phone_e164 <> excluded.phone_e164
	RETURNING user_id, CASE WHEN EXISTS (SELECT 1 FROM old) THEN 'replace' ELSE 'bind' END AS event
), ev AS (
	INSERT INTO phone_binding_events (user_id, event, phone_e164, previous_e164, source, actor, created_at)
	SELECT user_id, event, $2::text, COALESCE((SELECT phone_e164 FROM old), ''), $5::text, 'user', $7::timestamptz FROM up
), audit AS (
	INSERT INTO login_audit
		(created_at, app_id, user_id, event, result, wechat_errcode, error_code, reason, ip, user_agent, request_id)
	SELECT $8::timestamptz, $9::text, $10::uuid, $11::text, $12::text, $13::int, $14::text, $15::text, $16::text, $17::text, $18::text
)
SELECT event FROM up`

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
