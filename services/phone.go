package services

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/wechat"
)

// Phones binds phone numbers to users, by the current code API or the legacy
// encryptedData. Its limits matter: WeChat bills each successful code
// exchange once the free quota is spent.
type Phones struct {
	Store     *models.Store
	WeChat    WeChat
	Logger    *slog.Logger
	Metrics   *wechat.Metrics
	Now       func() time.Time
	Watermark wechat.WatermarkWindow
	PerUser   *Limiter // paid calls per user
	PerOpenID *Limiter // paid calls per openid (identity)
	PerIP     *Limiter
	// MaxDecryptFailures discards a session key after this many failed
	// decryptions (default 5): the cap that makes a padding oracle useless.
	MaxDecryptFailures int
}

// errDecryptFailed is the one answer to every legacy decryption failure:
// base64, length, padding, JSON, watermark, stale or discarded key alike.
// Distinguishable answers would make the endpoint a CBC padding oracle.
var errDecryptFailed = &Error{
	Code:    CodeReloginRequired,
	Message: "The phone data could not be read with this login. Call wx.login, then ask for the phone number again.",
}

// BindByCode binds the number behind a getPhoneNumber code (base library 2.21.2+).
func (p *Phones) BindByCode(ctx context.Context, who Principal, code string, m Meta) (MaskedPhone, error) {
	fail := func(err error) (MaskedPhone, error) {
		writeFailureAudit(ctx, p.Store, p.logger(), auditRow(models.EventPhoneCode, who.AppID, who.UserID, m, err))
		return MaskedPhone{}, err
	}
	// A malformed request is not an attempt: it is answered, never stored.
	if err := validCode(code); err != nil {
		return MaskedPhone{}, err
	}
	if err := p.allow(who, m); err != nil {
		return fail(err)
	}
	info, err := p.WeChat.PhoneNumber(ctx, who.AppID, code)
	if err != nil {
		return fail(phoneCodeError(err))
	}
	now := p.now()
	// WeChat bills the exchange, whatever we decide next.
	if err := p.Store.CountPhoneVerification(context.WithoutCancel(ctx), who.AppID, now); err != nil {
		p.logger().ErrorContext(ctx, "count phone verification", "err", err.Error())
	}
	if err := wechat.CheckWatermark(info.Watermark, who.AppID, now, p.Watermark); err != nil {
		return fail(&Error{Code: CodeInvalidCode, Message: "The phone code was not issued for this mini program; tap the button again.", Cause: err})
	}
	return p.bind(ctx, who, info, models.PhoneSourceCode, models.EventPhoneCode, m)
}

// BindByEncryptedData binds the number in legacy encryptedData. It tries the
// current session key, then the previous one: a wx.login in the button's
// callback rotates the key after WeChat made the ciphertext (the rotation
// trap), and the previous key still opens it.
func (p *Phones) BindByEncryptedData(ctx context.Context, who Principal, encryptedData, iv string, m Meta) (MaskedPhone, error) {
	fail := func(err error) (MaskedPhone, error) {
		writeFailureAudit(ctx, p.Store, p.logger(), auditRow(models.EventPhoneEncrypted, who.AppID, who.UserID, m, err))
		return MaskedPhone{}, err
	}
	if len(encryptedData) > 8192 || len(iv) > 64 {
		return MaskedPhone{}, &Error{Code: CodeInvalidRequest, Message: "\"encryptedData\" or \"iv\" is too long to be WeChat open data."}
	}
	if err := p.allow(who, m); err != nil {
		return fail(err)
	}
	keys, err := p.Store.LoadSessionKeys(ctx, who.IdentityID)
	if errors.Is(err, models.ErrNotFound) {
		return fail(withCause(errDecryptFailed, errors.New("no session key: discarded after failures or never stored")))
	}
	if err != nil {
		return fail(storeError(err))
	}
	now := p.now()
	info, used, derr := p.decrypt(keys, encryptedData, iv, who.AppID, now)
	if derr != nil {
		discarded, err := p.Store.RecordDecryptFailure(context.WithoutCancel(ctx), who.IdentityID, p.maxFailures())
		if err != nil {
			p.logger().ErrorContext(ctx, "record decrypt failure", "err", err.Error())
		}
		if discarded {
			derr = fmt.Errorf("%w; session key discarded after %d failures", derr, p.maxFailures())
		}
		return fail(withCause(errDecryptFailed, derr))
	}
	if keys.DecryptFailures > 0 {
		if err := p.Store.ResetDecryptFailures(ctx, who.IdentityID); err != nil {
			p.logger().WarnContext(ctx, "reset decrypt failures", "err", err.Error())
		}
	}
	if used == "previous" {
		p.logger().InfoContext(ctx, "phone decrypted with the previous session key", "request_id", m.RequestID)
	}
	return p.bind(ctx, who, info, models.PhoneSourceEncrypted, models.EventPhoneEncrypted, m)
}

// decrypt tries each stored key and reports which one opened the data. The
// error describes the current key's failure (and the previous key's) for the
// audit log only.
func (p *Phones) decrypt(keys models.SessionKeys, data, iv, appID string, now time.Time) (wechat.PhoneInfo, string, error) {
	try := func(key string) (wechat.PhoneInfo, error) {
		info, err := wechat.DecryptPhone(wechat.SessionKey(key), data, iv)
		if err == nil {
			err = wechat.CheckWatermark(info.Watermark, appID, now, p.Watermark)
		}
		p.Metrics.ObserveDecrypt(err)
		return info, err
	}
	info, errCur := try(keys.Current)
	if errCur == nil {
		return info, "current", nil
	}
	if keys.Previous == "" {
		return wechat.PhoneInfo{}, "", fmt.Errorf("current key: %w", errCur)
	}
	info, errPrev := try(keys.Previous)
	if errPrev == nil {
		return info, "previous", nil
	}
	return wechat.PhoneInfo{}, "", fmt.Errorf("current key: %v; previous key: %w", errCur, errPrev)
}

// bind stores the number and its history in one transaction with the audit row.
func (p *Phones) bind(ctx context.Context, who Principal, info wechat.PhoneInfo, source, event string, m Meta) (MaskedPhone, error) {
	e164, cc, number, err := NormalizePhone(string(info.CountryCode), info.PurePhoneNumber)
	if err != nil {
		se := &Error{Code: CodeInvalidRequest, Message: "WeChat returned a phone number we cannot use.", Cause: err}
		writeFailureAudit(ctx, p.Store, p.logger(), auditRow(event, who.AppID, who.UserID, m, se))
		return MaskedPhone{}, se
	}
	_, err = p.Store.BindPhoneAudited(ctx, models.PhoneBinding{
		UserID: who.UserID, PhoneE164: e164, CountryCode: cc, PureNumber: number,
		Source: source, AppID: who.AppID, BoundAt: p.now(),
	}, *auditRow(event, who.AppID, who.UserID, m, nil))
	if errors.Is(err, models.ErrConflict) {
		se := &Error{Code: CodePhoneInUse, Message: "This phone number is already bound to another account.", Cause: errors.New("number bound to another user")}
		writeFailureAudit(ctx, p.Store, p.logger(), auditRow(event, who.AppID, who.UserID, m, se))
		return MaskedPhone{}, se
	}
	if err != nil {
		se := storeError(err)
		writeFailureAudit(ctx, p.Store, p.logger(), auditRow(event, who.AppID, who.UserID, m, se))
		return MaskedPhone{}, se
	}
	return MaskedPhone{CountryCode: cc, Masked: MaskPhone(number)}, nil
}

func (p *Phones) allow(who Principal, m Meta) error {
	now := p.now()
	for _, c := range []struct {
		l   *Limiter
		key string
	}{{p.PerUser, who.UserID}, {p.PerOpenID, strconv.FormatInt(who.IdentityID, 10)}, {p.PerIP, m.IP}} {
		if ok, wait := c.l.Allow(c.key, now); !ok {
			return &Error{Code: CodeRateLimited, Message: "Too many phone number requests; try again later.", RetryAfter: wait}
		}
	}
	return nil
}

// phoneCodeError maps a getuserphonenumber failure to what the client should do.
func phoneCodeError(err error) error {
	if isStoreFailure(err) {
		return storeError(err)
	}
	switch wechat.KindOf(err) {
	case wechat.KindInvalidCode, wechat.KindCodeUsed:
		return &Error{Code: CodeInvalidCode, Message: "The phone code is invalid or expired; ask the user to tap the button again.", Cause: err}
	case wechat.KindRiskBlocked:
		return &Error{Code: CodeRiskBlocked, Message: "WeChat flagged this request as high risk and blocked it.", Cause: err}
	case wechat.KindRateLimited:
		return &Error{Code: CodeRateLimited, Message: "WeChat is rate limiting phone number requests; try again in a minute.", RetryAfter: time.Minute, Cause: err}
	default:
		return &Error{Code: CodeWeChatUnavailable, Message: "WeChat is not answering right now; try again in a moment.", Cause: err}
	}
}

func withCause(e *Error, cause error) *Error {
	c := *e
	c.Cause = cause
	return &c
}

func (p *Phones) maxFailures() int {
	if p.MaxDecryptFailures > 0 {
		return p.MaxDecryptFailures
	}
	return 5
}

func (p *Phones) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}

func (p *Phones) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.New(slog.DiscardHandler)
}
