package models

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// User statuses.
const (
	UserActive  = "active"
	UserBlocked = "blocked"
)

// User is one person, possibly with identities in several apps.
type User struct {
	ID            string `gorm:"primaryKey"`
	Nickname      string
	Status        string
	BlockedReason string
	BlockedAt     *time.Time
	CreatedAt     time.Time
	LastLoginAt   *time.Time
}

// NewUserID returns a UUIDv7: time-ordered, so inserts append to the index.
func NewUserID() string { return uuid.Must(uuid.NewV7()).String() }

// CreateUser inserts a new active user.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	if u.ID == "" {
		u.ID = NewUserID()
	}
	if u.Status == "" {
		u.Status = UserActive
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = s.Now()
	}
	return translate(s.conn(ctx).Create(u).Error)
}

// GetUser returns one user by id.
func (s *Store) GetUser(ctx context.Context, id string) (User, error) {
	var u User
	if _, err := uuid.Parse(id); err != nil {
		return u, ErrNotFound
	}
	err := s.conn(ctx).Where("id = ?", id).Take(&u).Error
	return u, translate(err)
}

// LoginState is what a login needs to know of its user.
type LoginState struct {
	Status     string
	PhoneBound bool
}

// TouchUserLogin records a login time and, in the same round trip, reads
// whether the user may log in and has a phone. ErrNotFound: no such user.
func (s *Store) TouchUserLogin(ctx context.Context, id string, at time.Time) (LoginState, error) {
	var rows []LoginState
	err := s.conn(ctx).Raw(`UPDATE users SET last_login_at = ? WHERE id = ?
RETURNING status, EXISTS (SELECT 1 FROM phone_bindings p WHERE p.user_id = users.id) AS phone_bound`,
		at, id).Scan(&rows).Error
	if err != nil {
		return LoginState{}, translate(err)
	}
	if len(rows) == 0 {
		return LoginState{}, ErrNotFound
	}
	return rows[0], nil
}

// SetUserStatus blocks or unblocks a user.
func (s *Store) SetUserStatus(ctx context.Context, id, status, reason string) error {
	upd := map[string]any{"status": status, "blocked_reason": reason, "blocked_at": nil}
	if status == UserBlocked {
		upd["blocked_at"] = s.Now()
	}
	res := s.conn(ctx).Model(&User{}).Where("id = ?", id).Updates(upd)
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}
