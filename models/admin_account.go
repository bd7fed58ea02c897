package models

import (
	"context"
	"time"
)

// TouchAdminLogin records a successful sign-in.
func (s *Store) TouchAdminLogin(ctx context.Context, id int64, at time.Time) error {
	return translate(s.conn(ctx).Model(&AdminUser{}).Where("id = ?", id).Update("last_login_at", at).Error)
}
