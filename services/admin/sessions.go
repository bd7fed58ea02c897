package admin

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"github.com/mpauth/mpauth/services"
	"time"

	"github.com/mpauth/mpauth/models"
)

// Sessions keeps dashboard sessions server-side. A session ends at the
// idle timeout after its last request or at the absolute timeout after it
// began, whichever comes first; signing out deletes it at once.
type Sessions struct {
	store  *models.Store
	clock  func() time.Time
	idle   time.Duration
	maxAge time.Duration
}

// NewSessions builds the dashboard's session store: a session ends after
// idle without a request (default 30m) and maxAge after sign-in (12h).
func NewSessions(d services.Deps, idle, maxAge time.Duration) *Sessions {
	d = d.Filled()
	return &Sessions{store: d.Store, clock: d.Now, idle: cmp.Or(idle, 30*time.Minute), maxAge: cmp.Or(maxAge, 12*time.Hour)}
}

// ErrNoSession: the id names no live session (unknown, ended or timed out).
var ErrNoSession = errors.New("no such admin session")

// SessionData is a live session's content.
type SessionData struct {
	AdminID int64 // 0 when nobody is signed in with it
	Data    []byte
}

// touchEvery: a session's last-seen time moves at most this often, so that a
// page with many requests costs one write, not one per request. The idle
// timeout is therefore exact to within this.
const touchEvery = time.Minute

// Load returns the session with this id and marks it seen.
func (s *Sessions) Load(ctx context.Context, id string) (SessionData, error) {
	if id == "" || len(id) > 128 {
		return SessionData{}, ErrNoSession
	}
	hash := hashSessionID(id)
	row, err := s.store.AdminSessionByHash(ctx, hash)
	if errors.Is(err, models.ErrNotFound) {
		return SessionData{}, ErrNoSession
	}
	if err != nil {
		return SessionData{}, services.StoreError(err)
	}
	now := s.now()
	if !now.Before(row.ExpiresAt) {
		if err := s.store.DeleteAdminSession(ctx, hash); err != nil {
			return SessionData{}, services.StoreError(err)
		}
		return SessionData{}, ErrNoSession
	}
	if now.Sub(row.LastSeenAt) >= touchEvery {
		if err := s.store.UpdateAdminSession(ctx, hash, nil, now, s.expiry(row.CreatedAt, now)); err != nil && !errors.Is(err, models.ErrNotFound) {
			return SessionData{}, services.StoreError(err)
		}
	}
	out := SessionData{Data: row.Data}
	if row.AdminID != nil {
		out.AdminID = *row.AdminID
	}
	return out, nil
}

// Create starts a session under a new random id, which it returns.
func (s *Sessions) Create(ctx context.Context, d SessionData) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	id := base64.RawURLEncoding.EncodeToString(b)
	now := s.now()
	row := models.AdminSession{IDHash: hashSessionID(id), Data: d.Data, CreatedAt: now, LastSeenAt: now, ExpiresAt: s.expiry(now, now)}
	if d.AdminID != 0 {
		adminID := d.AdminID
		row.AdminID = &adminID
	}
	if row.Data == nil {
		row.Data = []byte{}
	}
	if err := s.store.CreateAdminSession(ctx, &row); err != nil {
		return "", services.StoreError(err)
	}
	return id, nil
}

// Save replaces a live session's data; ErrNoSession if it ended meanwhile.
func (s *Sessions) Save(ctx context.Context, id string, data []byte) error {
	hash := hashSessionID(id)
	row, err := s.store.AdminSessionByHash(ctx, hash)
	if errors.Is(err, models.ErrNotFound) {
		return ErrNoSession
	}
	if err != nil {
		return services.StoreError(err)
	}
	now := s.now()
	if data == nil {
		data = []byte{}
	}
	err = s.store.UpdateAdminSession(ctx, hash, data, now, s.expiry(row.CreatedAt, now))
	if errors.Is(err, models.ErrNotFound) {
		return ErrNoSession
	}
	if err != nil {
		return services.StoreError(err)
	}
	return nil
}

// Delete ends a session.
func (s *Sessions) Delete(ctx context.Context, id string) error {
	if err := s.store.DeleteAdminSession(ctx, hashSessionID(id)); err != nil {
		return services.StoreError(err)
	}
	return nil
}

// Lifetime is the absolute timeout, for the cookie's own expiry.
func (s *Sessions) Lifetime() time.Duration { return s.maxAge }

func (s *Sessions) expiry(created, seen time.Time) time.Time {
	abs := created.Add(s.maxAge)
	if end := seen.Add(s.idle); end.Before(abs) {
		return end
	}
	return abs
}

// hashSessionID: the table stores only the SHA-256 of an id, so a copy of
// the database signs nobody in.
func hashSessionID(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

func (s *Sessions) now() time.Time { return s.clock().UTC() }
