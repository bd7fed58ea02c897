package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// AccessTokenRow is the shared WeChat access token of one app, sealed at rest.
type AccessTokenRow struct {
	AppID           string `gorm:"primaryKey"`
	Kind            string
	TokenCiphertext []byte
	TokenKeyID      int64
	FetchedAt       time.Time
	ExpiresAt       time.Time
	Refreshes       int64
}

func (AccessTokenRow) TableName() string { return "access_tokens" }

// AccessToken is an opened token row.
type AccessToken struct {
	AppID, Kind, Value   string
	FetchedAt, ExpiresAt time.Time
	Refreshes            int64
}

func accessTokenAAD(appID string) []byte { return []byte("access_tokens:" + appID) }

// LoadAccessToken opens an app's cached token.
func (s *Store) LoadAccessToken(ctx context.Context, appID string) (AccessToken, error) {
	var row AccessTokenRow
	if err := s.conn(ctx).Where("app_id = ?", appID).Take(&row).Error; err != nil {
		return AccessToken{}, translate(err)
	}
	pt, err := s.keys.Open(row.TokenCiphertext, row.TokenKeyID, accessTokenAAD(appID))
	if err != nil {
		return AccessToken{}, err
	}
	return AccessToken{AppID: appID, Kind: row.Kind, Value: string(pt), FetchedAt: row.FetchedAt, ExpiresAt: row.ExpiresAt, Refreshes: row.Refreshes}, nil
}

// SaveAccessToken stores an app's token, counting refreshes.
func (s *Store) SaveAccessToken(ctx context.Context, t AccessToken) error {
	ct, kid, err := s.keys.Seal([]byte(t.Value), accessTokenAAD(t.AppID))
	if err != nil {
		return err
	}
	row := AccessTokenRow{AppID: t.AppID, Kind: t.Kind, TokenCiphertext: ct, TokenKeyID: kid,
		FetchedAt: t.FetchedAt, ExpiresAt: t.ExpiresAt, Refreshes: 1}
	return translate(s.conn(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "app_id"}},
		DoUpdates: clause.Set{
			{Column: clause.Column{Name: "kind"}, Value: t.Kind},
			{Column: clause.Column{Name: "token_ciphertext"}, Value: ct},
			{Column: clause.Column{Name: "token_key_id"}, Value: kid},
			{Column: clause.Column{Name: "fetched_at"}, Value: t.FetchedAt},
			{Column: clause.Column{Name: "expires_at"}, Value: t.ExpiresAt},
			{Column: clause.Column{Name: "refreshes"}, Value: gorm.Expr("access_tokens.refreshes + 1")},
		},
	}).Create(&row).Error)
}

// ExpireAccessTokenIf expires the cached token only if it still holds failed,
// so a late failure report about an old token never throws away a new one.
// Tokens are sealed with a random nonce, so the comparison opens the row.
func (s *Store) ExpireAccessTokenIf(ctx context.Context, appID, failed string) (bool, error) {
	expired := false
	err := s.WithTx(ctx, func(tx *Store) error {
		var row AccessTokenRow
		if err := tx.conn(ctx).Clauses(lockingClause(tx.dialect)...).Where("app_id = ?", appID).Take(&row).Error; err != nil {
			return translate(err)
		}
		pt, err := tx.keys.Open(row.TokenCiphertext, row.TokenKeyID, accessTokenAAD(appID))
		if err != nil || string(pt) != failed {
			return nil
		}
		expired = true
		return translate(tx.conn(ctx).Model(&AccessTokenRow{}).Where("app_id = ?", appID).
			Update("expires_at", tx.Now().Add(-time.Second)).Error)
	})
	if isNotFound(err) {
		return false, nil
	}
	return expired, err
}
