package models

import "context"

// RevokeSessionOfUser revokes one active session of a user; ErrNotFound if
// the user has no such active session (so an admin cannot revoke another
// user's session through this user's page).
func (s *Store) RevokeSessionOfUser(ctx context.Context, userID string, id int64, reason string) error {
	res := s.conn(ctx).Model(&LoginSession{}).Where("id = ? AND user_id = ? AND revoked_at IS NULL", id, userID).
		Updates(map[string]any{"revoked_at": s.Now(), "revoked_reason": reason})
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}
