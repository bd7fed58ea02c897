package services

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/wechat"
)

// WeChat is what the flows need from the WeChat client.
type WeChat interface {
	Code2Session(ctx context.Context, appID, jsCode string) (wechat.Session, error)
	PhoneNumber(ctx context.Context, appID, phoneCode, openID string) (wechat.PhoneInfo, error)
}

// Auth runs login, logout and token checks.
type Auth struct {
	store      *models.Store
	wechat     WeChat
	log        *slog.Logger
	clock      func() time.Time
	tokenTTL   time.Duration // sliding
	defaultApp string        // used when a login names no appid
	loginPerIP *Limiter

	codes exchangeOnce // one WeChat exchange per code, for the deployment
}

// AuthConfig are the login's settings.
type AuthConfig struct {
	TokenTTL     time.Duration // sliding; default 7 days
	DefaultAppID string        // used when a login names no appid
	LoginPerIP   *Limiter      // nil: no limit
}

// NewAuth builds the login flow.
func NewAuth(d Deps, c AuthConfig) *Auth {
	d = d.Filled()
	return &Auth{
		store: d.Store, wechat: d.WeChat, log: d.Logger, clock: d.Now,
		tokenTTL: cmp.Or(c.TokenTTL, 7*24*time.Hour), defaultApp: c.DefaultAppID, loginPerIP: c.LoginPerIP,
	}
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
// sent again (double tap, retry, parallel requests, on any instance) reaches
// WeChat once and gets the same login; WeChat would answer a second exchange
// with 40163. A repeat whose login has ended since (logout, revocation) is
// refused with invalid_code, never answered with the dead token.
func (a *Auth) Login(ctx context.Context, in LoginInput) (LoginResult, error) {
	appID, err := a.resolveApp(ctx, in.AppID)
	if err != nil {
		return LoginResult{}, err
	}
	if err := validCode(in.Code); err != nil {
		return LoginResult{}, err
	}
	if ok, wait := a.loginPerIP.Allow(IPBucket(in.Meta.IP), a.now()); !ok {
		err := &Error{Code: CodeRateLimited, Message: "Too many login attempts; try again later.", RetryAfter: wait}
		writeFailureAudit(ctx, a.store, a.log, auditRow(models.EventLogin, appID, "", in.Meta, err))
		return LoginResult{}, err
	}
	// The token is made before the code is claimed, and stored (sealed) with
	// the claim: a duplicate on any instance finds the same login as soon as
	// its session exists, and the login itself writes nothing more for it.
	token, tokenHash := newLoginToken()
	expires := a.now().Add(a.tokenTTL)
	stored, err := json.Marshal(loginAnswer{Token: token, ExpiresAt: expires})
	if err != nil {
		return LoginResult{}, err
	}
	c, err := a.codes.do(ctx, a.store, a.log, codeHash("login", appID, in.Code), a.now, codeExchange{
		answer: stored,
		run: func(ctx context.Context) (string, []byte, error) {
			res, err := a.login(ctx, appID, in, token, tokenHash, expires)
			if err != nil {
				return "", nil, err
			}
			b, err := json.Marshal(loginAnswer{Token: res.Token, ExpiresAt: res.ExpiresAt, PhoneBound: res.PhoneBound, IsNew: res.IsNew})
			return res.UserID, b, err
		},
		settle: a.settleLogin,
	})
	if err != nil {
		return LoginResult{}, err
	}
	var ans loginAnswer
	if err := json.Unmarshal(c.result, &ans); err != nil {
		return LoginResult{}, &Error{Code: CodeInternal, Message: "Something went wrong on our side; try again later.", Cause: err}
	}
	return LoginResult{Token: ans.Token, ExpiresAt: ans.ExpiresAt.UTC(), UserID: c.userID, PhoneBound: ans.PhoneBound, IsNew: ans.IsNew}, nil
}

// loginAnswer is a login's answer: in its code's claim (token and expiry
// only), and to the requests that share it.
type loginAnswer struct {
	Token      string    `json:"token"`
	ExpiresAt  time.Time `json:"expiresAt"`
	PhoneBound bool      `json:"phoneBound,omitempty"`
	IsNew      bool      `json:"isNew,omitempty"`
}

// settleLogin answers a duplicate from another request's claim: done when
// the claimed token's session exists, as long as it still lives; whether a
// phone is bound is read as it is now.
func (a *Auth) settleLogin(ctx context.Context, cl models.CodeClaim) (claimed, bool, error) {
	var ans loginAnswer
	if cl.Result == nil {
		return claimed{}, false, nil // a claim made without its answer: it never comes
	}
	if err := json.Unmarshal(cl.Result, &ans); err != nil {
		return claimed{}, false, &Error{Code: CodeInternal, Message: "Something went wrong on our side; try again later.", Cause: err}
	}
	st, err := a.store.SessionStateByHash(ctx, HashToken(ans.Token), a.now())
	switch {
	case errors.Is(err, models.ErrNotFound):
		return claimed{}, false, nil // not written yet
	case err != nil:
		return claimed{}, false, StoreError(err)
	case !st.Active:
		return claimed{}, false, errCodeLoginEnded
	case st.UserStatus == models.UserBlocked:
		return claimed{}, false, &Error{Code: CodeUserBlocked, Message: blockedMessage}
	}
	_, err = a.store.GetPhoneBinding(ctx, st.UserID)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return claimed{}, false, StoreError(err)
	}
	ans.PhoneBound, ans.IsNew = err == nil, st.IsNew
	b, err := json.Marshal(ans)
	return claimed{userID: st.UserID, result: b}, true, err
}

var errCodeLoginEnded = &Error{
	Code:    CodeInvalidCode,
	Message: "This login code was already used, and that login has ended since; call wx.login again and log in with the new code.",
}

// login makes the one exchange of a claimed code and writes the login with
// the token made for it.
func (a *Auth) login(ctx context.Context, appID string, in LoginInput, token string, tokenHash []byte, expires time.Time) (LoginResult, error) {
	sess, err := a.wechat.Code2Session(ctx, appID, in.Code)
	if err != nil {
		err = loginError(err)
		writeFailureAudit(ctx, a.store, a.log, auditRow(models.EventLogin, appID, "", in.Meta, err))
		return LoginResult{}, err
	}
	tok := newToken{token, tokenHash, expires}
	res, done, err := a.returningLogin(ctx, appID, sess, in.Meta, tok)
	if !done {
		// A first login racing another first login of the same openid loses
		// the unique index; the retry then finds the winner's identity.
		for attempt := 0; ; attempt++ {
			res, err = a.persistLogin(ctx, appID, sess, in.Meta, tok)
			if !errors.Is(err, models.ErrConflict) || attempt == 1 {
				break
			}
		}
	}
	if err != nil {
		var se *Error
		if !errors.As(err, &se) {
			err = StoreError(err)
		}
		writeFailureAudit(ctx, a.store, a.log, auditRow(models.EventLogin, appID, userIDOf(err), in.Meta, err))
		return LoginResult{}, err
	}
	return res, nil
}

// newToken is the login token made for a login before its code is claimed.
type newToken struct {
	token   string
	hash    []byte
	expires time.Time
}

// returningLogin is the fast path of a returning user's login on
// PostgreSQL: every read and write in one atomic statement (1 round trip;
// the transaction below takes 8). done is false when the path does not
// apply (a first login, a blocked user, SQLite); nothing was written then.
func (a *Auth) returningLogin(ctx context.Context, appID string, sess wechat.Session, m Meta, tok newToken) (res LoginResult, done bool, err error) {
	if !a.store.WritesInOneStatement() {
		return res, false, nil
	}
	found, ok, err := a.store.RecordReturningLogin(ctx, models.ReturningLogin{
		AppID: appID, OpenID: sess.OpenID, UnionID: sess.UnionID, SessionKey: sess.SessionKey.Reveal(), At: a.now(),
		Session: models.LoginSession{
			TokenHash: tok.hash, ExpiresAt: tok.expires,
			IP: Clip(m.IP, 64), UserAgent: Clip(m.UserAgent, 512),
		},
		Audit: models.LoginAudit{Event: models.EventLogin, RequestID: Clip(m.RequestID, 64)},
	})
	if err != nil || !ok {
		return LoginResult{}, err != nil, err
	}
	return LoginResult{Token: tok.token, ExpiresAt: tok.expires, UserID: found.UserID, PhoneBound: found.PhoneBound}, true, nil
}

const blockedMessage = "This account has been blocked. Contact support if you think this is a mistake."

// persistLogin writes the whole login in one transaction: identity, user,
// session key, login session and audit row, or none of them. A returning
// user's login is 7 round trips (BEGIN, 5 statements, COMMIT): each write
// also reads what the login needs to know, by RETURNING.
func (a *Auth) persistLogin(ctx context.Context, appID string, sess wechat.Session, m Meta, tok newToken) (LoginResult, error) {
	now := a.now()
	var res LoginResult
	err := a.store.WithTx(ctx, func(tx *models.Store) error {
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
		if err := tx.StoreSessionKey(ctx, ident, sess.SessionKey.Reveal()); err != nil {
			return err
		}
		ls := models.LoginSession{
			TokenHash: tok.hash, UserID: ident.UserID, IdentityID: ident.ID, AppID: appID,
			CreatedAt: now, LastSeenAt: now, ExpiresAt: tok.expires,
			IP: Clip(m.IP, 64), UserAgent: Clip(m.UserAgent, 512),
		}
		if err := tx.CreateLoginSession(ctx, &ls); err != nil {
			return err
		}
		res.Token, res.ExpiresAt, res.UserID, res.PhoneBound = tok.token, ls.ExpiresAt, ident.UserID, user.PhoneBound
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
		return StoreError(err)
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

// StoreError turns a database failure into a clear, retryable answer.
func StoreError(err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &Error{Code: CodeServiceUnavailable, Message: "The service is busy; try again in a moment.", Cause: err}
	}
	return &Error{Code: CodeServiceUnavailable, Message: "The service is temporarily unavailable; try again in a moment.", Cause: err}
}

func (a *Auth) resolveApp(ctx context.Context, appID string) (string, error) {
	if appID == "" {
		if a.defaultApp == "" {
			return "", &Error{Code: CodeInvalidRequest, Message: "This server serves several mini programs: send \"appid\" with the login."}
		}
		return a.defaultApp, nil
	}
	if len(appID) > 64 {
		return "", &Error{Code: CodeInvalidRequest, Message: "\"appid\" is not a mini program this server serves."}
	}
	if appID == a.defaultApp {
		return appID, nil
	}
	if _, err := a.store.GetApp(ctx, appID); err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return "", &Error{Code: CodeInvalidRequest, Message: "\"appid\" is not a mini program this server serves."}
		}
		return "", StoreError(err)
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

func (a *Auth) now() time.Time { return a.clock().UTC() }
