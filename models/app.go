package models

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// App is a mini program this deployment serves. The AppSecret is sealed at
// rest; AppSecret() is the one way to read it back.
type App struct {
	AppID            string `gorm:"primaryKey"`
	Name             string
	SecretCiphertext []byte
	SecretKeyID      int64
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

func appSecretAAD(appID string) []byte { return []byte("apps.secret:" + appID) }

// UpsertApp registers an app or replaces its name and secret.
func (s *Store) UpsertApp(ctx context.Context, appID, name, secret string) error {
	ct, kid, err := s.keys.Seal([]byte(secret), appSecretAAD(appID))
	if err != nil {
		return err
	}
	now := s.Now()
	a := App{AppID: appID, Name: name, SecretCiphertext: ct, SecretKeyID: kid, CreatedAt: now, UpdatedAt: now}
	return translate(s.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "app_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"name", "secret_ciphertext", "secret_key_id", "updated_at"}),
	}).Create(&a).Error)
}

// GetApp returns one app.
func (s *Store) GetApp(ctx context.Context, appID string) (App, error) {
	var a App
	err := s.conn(ctx).Where("app_id = ?", appID).Take(&a).Error
	return a, translate(err)
}

// ListApps returns every app, by appid.
func (s *Store) ListApps(ctx context.Context) ([]App, error) {
	var apps []App
	err := s.conn(ctx).Order("app_id").Find(&apps).Error
	return apps, translate(err)
}

// DeleteApp removes an app that has no users yet; with users the foreign keys
// refuse, which is what an operator wants (ErrConflict-like error).
func (s *Store) DeleteApp(ctx context.Context, appID string) error {
	res := s.conn(ctx).Where("app_id = ?", appID).Delete(&App{})
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// AppSecret opens an app's sealed AppSecret.
func (s *Store) AppSecret(ctx context.Context, appID string) (string, error) {
	a, err := s.GetApp(ctx, appID)
	if err != nil {
		return "", err
	}
	pt, err := s.keys.Open(a.SecretCiphertext, a.SecretKeyID, appSecretAAD(appID))
	if err != nil {
		return "", err
	}
	return string(pt), nil
}
