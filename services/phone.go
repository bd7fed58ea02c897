package services

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/wechat"
)

// Phones binds phone numbers to users, by the current code API or the legacy
// encryptedData. Its limits matter: WeChat bills each successful code
// exchange once the free quota is spent.
type Phones struct {
	store          *models.Store
	wechat         WeChat
	log            *slog.Logger
	clock          func() time.Time
	metrics        *wechat.Metrics
	watermark      wechat.WatermarkWindow
	perUser        *SharedLimiter
	perIP          *Limiter
	legacyDisabled bool

	codes exchangeOnce // one WeChat exchange per phone code, for the deployment
}

// PhonesConfig are the phone binding's settings.
type PhonesConfig struct {
	Metrics   *wechat.Metrics // nil: none
	Watermark wechat.WatermarkWindow
	// PerUser limits paid calls (and legacy decryptions) per user, for the
	// whole deployment: WeChat bills each.
	PerUser *SharedLimiter
	PerIP   *Limiter // per instance: a flood guard, see README
	// LegacyDisabled refuses legacy encryptedData (MPAUTH_LEGACY_PHONE=off).
	LegacyDisabled bool
}

// NewPhones builds the phone binding.
func NewPhones(d Deps, c PhonesConfig) *Phones {
	d = d.Filled()
	return &Phones{
		store: d.Store, wechat: d.WeChat, log: d.Logger, clock: d.Now,
		metrics: c.Metrics, watermark: c.Watermark, perUser: c.PerUser, perIP: c.PerIP, legacyDisabled: c.LegacyDisabled,
	}
}

// The legacy flow's failure budget per (app, openid): whatever the cause,
// at most legacyMaxFailures decryptions fail in any legacyWindow. A padding
// oracle needs thousands of queries; this gives five a day, counted in the
// database across instances, re-logins, key rotations and successes.
const (
	legacyMaxFailures = 5
	legacyWindow      = 24 * time.Hour
)

// errDecryptFailed is the one answer to every legacy decryption failure:
// base64, length, padding, JSON, watermark, stale or missing key alike.
// Distinguishable answers would make the endpoint a CBC padding oracle.
var errDecryptFailed = &Error{
	Code:    CodeReloginRequired,
	Message: "The phone data could not be read with this login. Call wx.login, then ask for the phone number again.",
}

var errLegacyDisabled = &Error{
	Code:    CodeNotSupported,
	Message: "This server does not accept encryptedData for phone numbers: send the getPhoneNumber \"code\" (base library 2.21.2+).",
}

// BindByCode binds the number behind a getPhoneNumber code (base library
// 2.21.2+). The same code sent again by its user (a double tap, a retry, on
// any instance) is exchanged once, WeChat answering a second exchange with
// 40029, and gets the same answer; anyone else holding the code gets
// nothing from it: WeChat checks the openid we send.
func (p *Phones) BindByCode(ctx context.Context, who Principal, code string, m Meta) (MaskedPhone, error) {
	// A malformed request is not an attempt: it is answered, never stored.
	if err := validCode(code); err != nil {
		return MaskedPhone{}, err
	}
	if ok, wait := p.perIP.Allow(IPBucket(m.IP), p.now()); !ok {
		err := &Error{Code: CodeRateLimited, Message: "Too many phone number requests; try again later.", RetryAfter: wait}
		writeFailureAudit(ctx, p.store, p.log, auditRow(models.EventPhoneCode, who.AppID, who.UserID, m, err))
		return MaskedPhone{}, err
	}
	// The claim is the user's: WeChat refuses a code issued to someone else
	// (we send the openid), and such an attempt must not spoil the code for
	// the user it was issued to.
	claim := codeHash("phone", who.AppID+"\x00"+who.UserID, code)
	c, err := p.codes.do(ctx, p.store, p.log, claim, p.now, codeExchange{run: func(ctx context.Context) (string, []byte, error) {
		mp, err := p.exchangeAndBind(ctx, who, code, m)
		if err != nil {
			return "", nil, err
		}
		b, err := json.Marshal(mp)
		return who.UserID, b, err
	}})
	if err != nil {
		return MaskedPhone{}, err
	}
	var mp MaskedPhone
	used := func(why string) (MaskedPhone, error) {
		err := &Error{Code: CodeInvalidCode, Message: "The phone code is invalid or expired; ask the user to tap the button again.", Cause: errors.New(why)}
		writeFailureAudit(ctx, p.store, p.log, auditRow(models.EventPhoneCode, who.AppID, who.UserID, m, err))
		return MaskedPhone{}, err
	}
	if c.userID != who.UserID || json.Unmarshal(c.result, &mp) != nil {
		return used("phone code already used by another user")
	}
	if c.duplicate {
		// Another request's binding, perhaps minutes ago: it answers only
		// while it is still the user's number.
		pb, err := p.store.GetPhoneBinding(ctx, who.UserID)
		if errors.Is(err, models.ErrNotFound) {
			return used("phone code's binding has ended since")
		}
		if err != nil {
			return MaskedPhone{}, StoreError(err)
		}
		if pb.CountryCode != mp.CountryCode || MaskPhone(pb.PureNumber) != mp.Masked {
			return used("phone code's number is no longer the user's")
		}
	}
	return mp, nil
}

// exchangeAndBind is the one exchange of a phone code: the user's paid-call
// limit, WeChat, the billing count, the watermark and the binding.
func (p *Phones) exchangeAndBind(ctx context.Context, who Principal, code string, m Meta) (MaskedPhone, error) {
	fail := func(err error) (MaskedPhone, error) {
		writeFailureAudit(ctx, p.store, p.log, auditRow(models.EventPhoneCode, who.AppID, who.UserID, m, err))
		return MaskedPhone{}, err
	}
	if err := p.allowPaid(ctx, who); err != nil {
		return fail(err)
	}
	// WeChat checks that the code was issued to this user.
	ident, err := p.store.IdentityByID(ctx, who.IdentityID)
	if err != nil {
		return fail(StoreError(err))
	}
	info, err := p.wechat.PhoneNumber(ctx, who.AppID, code, ident.OpenID)
	if err != nil {
		return fail(phoneCodeError(err))
	}
	now := p.now()
	// WeChat bills the exchange, whatever we decide next.
	if err := p.store.CountPhoneVerification(ctx, who.AppID, wechat.BillingDay(now)); err != nil {
		p.log.ErrorContext(ctx, "count phone verification", "err", err.Error())
	}
	if err := wechat.CheckWatermark(info.Watermark, who.AppID, now, p.watermark); err != nil {
		return fail(&Error{Code: CodeInvalidCode, Message: "The phone code was not issued for this mini program; tap the button again.", Cause: err})
	}
	return p.bind(ctx, who, info, models.PhoneSourceCode, models.EventPhoneCode, m)
}

// BindByEncryptedData binds the number in legacy encryptedData. It tries the
// current session key, then the previous one: a wx.login in the button's
// callback rotates the key after WeChat made the ciphertext (the rotation
// trap), and the previous key still opens it.
//
// Each attempt is counted against the user's failure budget before it is
// made and given back if it succeeds, so that no number of racing requests
// gets more than the budget's failed decryptions.
func (p *Phones) BindByEncryptedData(ctx context.Context, who Principal, encryptedData, iv string, m Meta) (MaskedPhone, error) {
	fail := func(err error) (MaskedPhone, error) {
		writeFailureAudit(ctx, p.store, p.log, auditRow(models.EventPhoneEncrypted, who.AppID, who.UserID, m, err))
		return MaskedPhone{}, err
	}
	if p.legacyDisabled {
		return MaskedPhone{}, errLegacyDisabled
	}
	if len(encryptedData) > 8192 || len(iv) > 64 {
		return MaskedPhone{}, &Error{Code: CodeInvalidRequest, Message: "\"encryptedData\" or \"iv\" is too long to be WeChat open data."}
	}
	if ok, wait := p.perIP.Allow(IPBucket(m.IP), p.now()); !ok {
		return fail(&Error{Code: CodeRateLimited, Message: "Too many phone number requests; try again later.", RetryAfter: wait})
	}
	if err := p.allowPaid(ctx, who); err != nil {
		return fail(err)
	}
	now := p.now()
	attempt, ok, oldest, err := p.store.TakeLegacyPhoneAttempt(context.WithoutCancel(ctx), who.IdentityID, now, now.Add(-legacyWindow), legacyMaxFailures)
	if errors.Is(err, models.ErrNotFound) {
		return fail(errUnauthorized)
	}
	if err != nil {
		return fail(StoreError(err))
	}
	if !ok {
		return fail(&Error{
			Code:       CodeRateLimited,
			Message:    "Encrypted phone data failed to decrypt too often for this WeChat user, so it is refused for now. Send the getPhoneNumber \"code\" instead (base library 2.21.2+), or ask again after Retry-After.",
			RetryAfter: oldest.Add(legacyWindow).Sub(now),
			Cause:      fmt.Errorf("legacy decryption budget spent: %d failures in %s", legacyMaxFailures, legacyWindow),
		})
	}
	keys, err := p.store.LoadSessionKeys(ctx, who.IdentityID)
	if errors.Is(err, models.ErrNotFound) {
		return fail(withCause(errDecryptFailed, errors.New("no session key stored for this identity")))
	}
	if err != nil {
		return fail(StoreError(err))
	}
	info, used, derr := p.decrypt(keys, encryptedData, iv, who.AppID, now)
	if derr != nil {
		return fail(withCause(errDecryptFailed, derr))
	}
	if err := p.store.ForgiveLegacyPhoneAttempt(context.WithoutCancel(ctx), attempt); err != nil {
		p.log.WarnContext(ctx, "forgive a successful legacy phone attempt", "err", err.Error())
	}
	if used == "previous" {
		p.log.InfoContext(ctx, "phone decrypted with the previous session key", "request_id", m.RequestID)
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
			err = wechat.CheckWatermark(info.Watermark, appID, now, p.watermark)
		}
		p.metrics.ObserveDecrypt(err)
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
		writeFailureAudit(ctx, p.store, p.log, auditRow(event, who.AppID, who.UserID, m, se))
		return MaskedPhone{}, se
	}
	_, err = p.store.BindPhoneAudited(ctx, models.PhoneBinding{
		UserID: who.UserID, PhoneE164: e164, CountryCode: cc, PureNumber: number,
		Source: source, AppID: who.AppID, BoundAt: p.now(),
	}, *auditRow(event, who.AppID, who.UserID, m, nil))
	if errors.Is(err, models.ErrConflict) {
		se := &Error{Code: CodePhoneInUse, Message: "This phone number is already bound to another account.", Cause: errors.New("number bound to another user")}
		writeFailureAudit(ctx, p.store, p.log, auditRow(event, who.AppID, who.UserID, m, se))
		return MaskedPhone{}, se
	}
	if err != nil {
		se := StoreError(err)
		writeFailureAudit(ctx, p.store, p.log, auditRow(event, who.AppID, who.UserID, m, se))
		return MaskedPhone{}, se
	}
	return MaskedPhone{CountryCode: cc, Masked: MaskPhone(number)}, nil
}

// allowPaid takes one of the user's paid calls, counted for the whole
// deployment.
func (p *Phones) allowPaid(ctx context.Context, who Principal) error {
	ok, wait, err := p.perUser.Allow(ctx, who.UserID, p.now())
	if err != nil {
		return err
	}
	if !ok {
		return &Error{Code: CodeRateLimited, Message: "Too many phone number requests; try again later.", RetryAfter: wait}
	}
	return nil
}

// phoneCodeError maps a getuserphonenumber failure to what the client should do.
func phoneCodeError(err error) error {
	if isStoreFailure(err) {
		return StoreError(err)
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

func (p *Phones) now() time.Time { return p.clock().UTC() }
