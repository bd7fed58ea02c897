package services

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/wechat"
)

// WeChat is what the flows need from the WeChat client.
type WeChat interface {
	Code2Session(ctx context.Context, appID, jsCode string) (wechat.Session, error)
	PhoneNumber(ctx context.Context, appID, phoneCode string) (wechat.PhoneInfo, error)
}

// Auth runs login, logout and token checks.
type Auth struct {
	Store        *models.Store
	WeChat       WeChat
	Logger       *slog.Logger
	Now          func() time.Time
	TokenTTL     time.Duration // sliding; default 7 days
	DefaultAppID string        // used when a login names no appid
	LoginPerIP   *Limiter

	flight singleflight.Group
	replay loginReplay // answers by code, for double taps and retries
}

// LoginInput is a login request.
type LoginInput struct {
	Code  string
	AppID string
	Meta  Meta
}

// LoginResult is a successful login.
type LoginResult struct {
	Token      string
	ExpiresAt  time.Time
	UserID     string
	PhoneBound bool
	IsNew      bool
}

// Login exchanges a wx.login code for our own login token. The same code
// sent twice (double tap, retry, parallel requests) reaches WeChat once and
// gets the same result; WeChat would answer the second exchange with 40163.
func (a *Auth) Login(ctx context.Context, in LoginInput) (LoginResult, error) {
	appID, err := a.resolveApp(ctx, in.AppID)
	if err != nil {
		return LoginResult{}, err
	}
	if err := validCode(in.Code); err != nil {
		return LoginResult{}, err
	}
	if ok, wait := a.LoginPerIP.Allow(in.Meta.IP, a.now()); !ok {
		err := &Error{Code: CodeRateLimited, Message: "Too many login attempts; try again later.", RetryAfter: wait}
		writeFailureAudit(ctx, a.Store, a.logger(), auditRow(models.EventLogin, appID, "", in.Meta, err))
		return LoginResult{}, err
	}
	key := newReplayKey(appID, in.Code)
	if res, ok := a.replay.get(key, a.now()); ok {
		return res, nil
	}
	v, err, _ := a.flight.Do(string(key[:]), func() (any, error) {
		if res, ok := a.replay.get(key, a.now()); ok {
			return res, nil
		}
		// The exchange outlives a client that hung up: a second request with the
		// same code must find the result, because WeChat will not answer twice.
		res, err := a.login(context.WithoutCancel(ctx), appID, in)
		if err == nil {
			a.replay.put(key, res, a.now())
		}
		return res, err
	})
	if err != nil {
		return LoginResult{}, err
	}
	return v.(LoginResult), nil
}

func (a *Auth) login(ctx context.Context, appID string, in LoginInput) (LoginResult, error) {
	sess, err := a.WeChat.Code2Session(ctx, appID, in.Code)
	if err != nil {
		err = loginError(err)
		writeFailureAudit(ctx, a.Store, a.logger(), auditRow(models.EventLogin, appID, "", in.Meta, err))
		return LoginResult{}, err
	}
	res, done, err := a.returningLogin(ctx, appID, sess, in.Meta)
	if !done {
		// A first login racing another first login of the same openid loses
		// the unique index; the retry then finds the winner's identity.
		for attempt := 0; ; attempt++ {
			res, err = a.persistLogin(ctx, appID, sess, in.Meta)
			if !errors.Is(err, models.ErrConflict) || attempt == 1 {
				break
			}
		}
	}
	if err != nil {
		var se *Error
		if !errors.As(err, &se) {
			err = storeError(err)
		}
		writeFailureAudit(ctx, a.Store, a.logger(), auditRow(models.EventLogin, appID, userIDOf(err), in.Meta, err))
		return LoginResult{}, err
	}
	return res, nil
}

// returningLogin is the fast path of a returning user's login on
// PostgreSQL: one read, then every write in one atomic statement (2 round
// trips; the transaction below takes 7). done is false when the path does
// not apply (a first login, SQLite, or the user changed between the read and
// the write); nothing was written then.
func (a *Auth) returningLogin(ctx context.Context, appID string, sess wechat.Session, m Meta) (res LoginResult, done bool, err error) {
	if !a.Store.WritesInOneStatement() {
		return res, false, nil
	}
	err = a.Store.WithConn(ctx, func(c *models.Store) error {
		res, done, err = a.returningLoginOn(ctx, c, appID, sess, m)
		return err
	})
	return res, done || err != nil, err
}

func (a *Auth) returningLoginOn(ctx context.Context, st *models.Store, appID string, sess wechat.Session, m Meta) (res LoginResult, done bool, err error) {
	cand, err := st.FindLoginCandidate(ctx, appID, sess.OpenID)
	switch {
	case errors.Is(err, models.ErrNotFound):
		return res, false, nil
	case err != nil:
		return res, true, err
	case cand.Status == models.UserBlocked:
		return res, true, &Error{Code: CodeUserBlocked, Message: blockedMessage, Cause: &blockedError{userID: cand.UserID}}
	}
	now := a.now()
	token, hash := newLoginToken()
	l := models.ReturningLogin{
		Candidate: cand, UnionID: sess.UnionID, SessionKey: sess.SessionKey.Reveal(), At: now,
		Session: models.LoginSession{
			TokenHash: hash, AppID: appID, ExpiresAt: now.Add(a.tokenTTL()),
			IP: clip(m.IP, 64), UserAgent: clip(m.UserAgent, 512),
		},
		Audit: *auditRow(models.EventLogin, appID, cand.UserID, m, nil),
	}
	ok, err := st.RecordReturningLogin(ctx, l)
	if err != nil || !ok {
		return res, err != nil, err
	}
	return LoginResult{Token: token, ExpiresAt: l.Session.ExpiresAt, UserID: cand.UserID, PhoneBound: cand.PhoneBound}, true, nil
}

const blockedMessage = "This account has been blocked. Contact support if you think this is a mistake."

// persistLogin writes the whole login in one transaction: identity, user,
// session key, login session and audit row, or none of them. A returning
// user's login is 7 round trips (BEGIN, 5 statements, COMMIT): each write
// also reads what the login needs to know, by RETURNING.
func (a *Auth) persistLogin(ctx context.Context, appID string, sess wechat.Session, m Meta) (LoginResult, error) {
	now := a.now()
	var res LoginResult
	err := a.Store.WithTx(ctx, func(tx *models.Store) error {
		ident, err := tx.TouchIdentity(ctx, appID, sess.OpenID, sess.UnionID, now)
		if errors.Is(err, models.ErrNotFound) {
			ident, res.IsNew, err = a.newIdentity(ctx, tx, appID, sess, now)
		}
		if err != nil {
			return err
		}
		user, err := tx.TouchUserLogin(ctx, ident.UserID, now)
		if err != nil {
			return err
		}
		if user.Status == models.UserBlocked {
			return &blockedError{userID: ident.UserID}
		}
		if err := tx.StoreSessionKey(ctx, ident.ID, sess.SessionKey.Reveal()); err != nil {
			return err
		}
		token, hash := newLoginToken()
		ls := models.LoginSession{
			TokenHash: hash, UserID: ident.UserID, IdentityID: ident.ID, AppID: appID,
			CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(a.tokenTTL()),
			IP: clip(m.IP, 64), UserAgent: clip(m.UserAgent, 512),
		}
		if err := tx.CreateLoginSession(ctx, &ls); err != nil {
			return err
		}
		res.Token, res.ExpiresAt, res.UserID, res.PhoneBound = token, ls.ExpiresAt, ident.UserID, user.PhoneBound
		return tx.AppendLoginAudit(ctx, auditRow(models.EventLogin, appID, ident.UserID, m, nil))
	})
	var be *blockedError
	if errors.As(err, &be) {
		return LoginResult{}, &Error{Code: CodeUserBlocked, Message: blockedMessage, Cause: be}
	}
	return res, err
}

// newIdentity creates a first login's identity: for the user who already
// has this unionid in another of our apps, or for a new user.
func (a *Auth) newIdentity(ctx context.Context, tx *models.Store, appID string, sess wechat.Session, now time.Time) (models.WeChatIdentity, bool, error) {
	ident := models.WeChatIdentity{AppID: appID, OpenID: sess.OpenID, CreatedAt: now, LastLoginAt: now}
	if sess.UnionID != "" {
		u := sess.UnionID
		ident.UnionID = &u
		owner, err := tx.FindUserByUnionID(ctx, u)
		switch {
		case err == nil:
			ident.UserID = owner // the same person, met in another of our apps
		case !errors.Is(err, models.ErrNotFound):
			return ident, false, err
		}
	}
	isNew := ident.UserID == ""
	if isNew {
		u := models.User{CreatedAt: now}
		if err := tx.CreateUser(ctx, &u); err != nil {
			return ident, false, err
		}
		ident.UserID = u.ID
	}
	return ident, isNew, tx.CreateIdentity(ctx, &ident)
}

type blockedError struct{ userID string }

func (e *blockedError) Error() string { return "user " + e.userID + " is blocked" }

func userIDOf(err error) string {
	var be *blockedError
	if errors.As(err, &be) {
		return be.userID
	}
	return ""
}

// loginError maps a code2Session failure to what the client should do.
func loginError(err error) error {
	if isStoreFailure(err) {
		return storeError(err)
	}
	switch wechat.KindOf(err) {
	case wechat.KindInvalidCode, wechat.KindCodeUsed:
		return &Error{Code: CodeInvalidCode, Message: "The login code is invalid or expired; call wx.login again and retry with the new code.", Cause: err}
	case wechat.KindRiskBlocked:
		return &Error{Code: CodeRiskBlocked, Message: "WeChat flagged this login as high risk and blocked it.", Cause: err}
	case wechat.KindRateLimited:
		return &Error{Code: CodeRateLimited, Message: "Too many logins for this WeChat user; try again in a minute.", RetryAfter: time.Minute, Cause: err}
	default:
		return &Error{Code: CodeWeChatUnavailable, Message: "WeChat is not answering right now; try again in a moment.", Cause: err}
	}
}

// storeError turns a database failure into a clear, retryable answer.
func storeError(err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &Error{Code: CodeServiceUnavailable, Message: "The service is busy; try again in a moment.", Cause: err}
	}
	return &Error{Code: CodeServiceUnavailable, Message: "The service is temporarily unavailable; try again in a moment.", Cause: err}
}

func (a *Auth) resolveApp(ctx context.Context, appID string) (string, error) {
	if appID == "" {
		if a.DefaultAppID == "" {
			return "", &Error{Code: CodeInvalidRequest, Message: "This server serves several mini programs: send \"appid\" with the login."}
		}
		return a.DefaultAppID, nil
	}
	if len(appID) > 64 {
		return "", &Error{Code: CodeInvalidRequest, Message: "\"appid\" is not a mini program this server serves."}
	}
	if appID == a.DefaultAppID {
		return appID, nil
	}
	if _, err := a.Store.GetApp(ctx, appID); err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return "", &Error{Code: CodeInvalidRequest, Message: "\"appid\" is not a mini program this server serves."}
		}
		return "", storeError(err)
	}
	return appID, nil
}

func validCode(code string) error {
	if code == "" {
		return &Error{Code: CodeInvalidRequest, Message: "\"code\" is required: send the code from wx.login."}
	}
	if len(code) > 128 {
		return &Error{Code: CodeInvalidRequest, Message: "\"code\" is too long to be a WeChat code."}
	}
	// WeChat codes are URL-safe tokens; anything else is not worth a call
	// (and a quota unit) to WeChat.
	for _, r := range code {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_+/=.", r)) {
			return &Error{Code: CodeInvalidRequest, Message: "\"code\" contains characters a WeChat code never has."}
		}
	}
	return nil
}

func (a *Auth) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

func (a *Auth) tokenTTL() time.Duration {
	if a.TokenTTL > 0 {
		return a.TokenTTL
	}
	return 7 * 24 * time.Hour
}

func (a *Auth) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.New(slog.DiscardHandler)
}
