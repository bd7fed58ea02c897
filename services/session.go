package services

import (
	"context"
	"errors"
	"time"

	"github.com/mpauth/mpauth/models"
)

// Principal is the authenticated caller of the mini-program API.
type Principal struct {
	UserID     string
	SessionID  int64
	IdentityID int64
	AppID      string
}

var errUnauthorized = &Error{Code: CodeUnauthorized, Message: "Log in again: the login token is missing, expired or revoked."}

// slideAfter: a session's expiry moves forward at most this often, so an
// active user does not cost a write on every request.
const slideAfter = time.Hour

// Authenticate resolves a bearer token to its session and user.
func (a *Auth) Authenticate(ctx context.Context, token string) (Principal, error) {
	if token == "" || len(token) > 256 {
		return Principal{}, errUnauthorized
	}
	now := a.now()
	ls, err := a.store.ActiveSessionByHash(ctx, HashToken(token), now)
	if errors.Is(err, models.ErrNotFound) {
		return Principal{}, errUnauthorized
	}
	if err != nil {
		return Principal{}, StoreError(err)
	}
	if ls.UserStatus == models.UserBlocked {
		return Principal{}, &Error{Code: CodeUserBlocked, Message: blockedMessage}
	}
	if now.Sub(ls.LastSeenAt) > slideAfter {
		if err := a.store.SlideSession(ctx, ls.ID, now, now.Add(a.tokenTTL)); err != nil {
			a.log.WarnContext(ctx, "slide session", "err", err.Error())
		}
	}
	return Principal{UserID: ls.UserID, SessionID: ls.ID, IdentityID: ls.IdentityID, AppID: ls.AppID}, nil
}

// Logout revokes the caller's token at once.
func (a *Auth) Logout(ctx context.Context, p Principal, m Meta) error {
	err := a.store.WithTx(ctx, func(tx *models.Store) error {
		if err := tx.RevokeSession(ctx, p.SessionID, "logout"); err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		return tx.AppendLoginAudit(ctx, auditRow(models.EventLogout, p.AppID, p.UserID, m, nil))
	})
	if err != nil {
		return StoreError(err)
	}
	return nil
}

// Profile is what the mini program may know about its user.
type Profile struct {
	UserID    string
	CreatedAt time.Time
	Phone     *MaskedPhone
}

// MaskedPhone is a phone number as clients and viewers see it.
type MaskedPhone struct {
	CountryCode string
	Masked      string
}

// Me returns the caller's profile with the phone masked.
func (a *Auth) Me(ctx context.Context, p Principal) (Profile, error) {
	user, err := a.store.GetUser(ctx, p.UserID)
	if err != nil {
		return Profile{}, StoreError(err)
	}
	prof := Profile{UserID: user.ID, CreatedAt: user.CreatedAt}
	pb, err := a.store.GetPhoneBinding(ctx, p.UserID)
	switch {
	case err == nil:
		prof.Phone = &MaskedPhone{CountryCode: pb.CountryCode, Masked: MaskPhone(pb.PureNumber)}
	case !errors.Is(err, models.ErrNotFound):
		return Profile{}, StoreError(err)
	}
	return prof, nil
}
