package admin

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"github.com/mpauth/mpauth/services"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/mpauth/mpauth/models"
)

// SignInPolicy is the brute-force defence. Failed sign-ins are counted from
// the admin audit itself (so every instance and every restart sees the same
// count): after a few failures each further attempt must wait twice as long
// as the last, and past the lock threshold it waits LockFor. Attempts
// refused while waiting are not checked at all, so a locked account cannot
// be guessed into.
//
// Who is counted together follows OWASP's device cookies: a browser that
// signed in to the account before carries a signed cookie saying so, and
// only its own failures count against it. Everyone else, the attacker
// included, shares the account's count (and their address's). Guessing from
// anywhere thus locks out the guesser, never the admin's own browser. A
// success, an unlock (mpauth admin unlock) or a password reset starts the
// count again.
type SignInPolicy struct {
	Window      time.Duration // failures older than this are forgotten
	AccountFree int           // failures per account before delays start
	AccountLock int           // failures per account that lock it
	IPFree      int           // the same per IP: higher, offices share an address
	IPLock      int
	FirstDelay  time.Duration // the first delay; each further failure doubles it
	LockFor     time.Duration
}

// DefaultSignInPolicy is 3 free failures per account, then 1s, 2s, 4s … and a
// 15-minute lock at 10; per IP 10 free and a lock at 30; counted over an hour.
func DefaultSignInPolicy() SignInPolicy { return defaultSignInPolicy }

var defaultSignInPolicy = SignInPolicy{
	Window: time.Hour, AccountFree: 3, AccountLock: 10, IPFree: 10, IPLock: 30,
	FirstDelay: time.Second, LockFor: 15 * time.Minute,
}

// wait is how long after now the next attempt must wait, given the failures
// (newest first) counted against one account or IP.
func (p SignInPolicy) wait(failures []time.Time, free, lock int, now time.Time) time.Duration {
	n := len(failures)
	if n < free || n == 0 {
		return 0
	}
	d := p.LockFor
	if n < lock {
		d = p.FirstDelay << (n - free)
		d = min(d, p.LockFor)
	}
	return max(0, failures[0].Add(d).Sub(now))
}

var errSignInFailed = &services.Error{Code: services.CodeUnauthorized, Message: "The username or password is wrong."}

// SignInRequest is one attempt to sign in to the dashboard.
type SignInRequest struct {
	Username, Password string
	// Device is the browser's device cookie, if any: proof, signed by us,
	// that this browser signed in to an account before.
	Device string
	Meta   services.Meta
}

// SignedIn is a successful sign-in: the account, and the device cookie the
// browser keeps from now on.
type SignedIn struct {
	Principal
	Device string
}

// SignIn checks a username and password. Every answer is the same whether or
// not the account exists: the same message, the same throttle, and the same
// argon2 work (a dummy hash stands in for a missing account).
func (a *Accounts) SignIn(ctx context.Context, r SignInRequest) (SignedIn, error) {
	m := r.Meta
	name := services.Clip(models.NormalizeUsername(r.Username), 64)
	if name == "" || r.Password == "" {
		return SignedIn{}, &services.Error{Code: services.CodeInvalidRequest, Message: "Enter a username and a password."}
	}
	a.once.Do(a.makeDummy)
	// Attempts take their turn one at a time in one of two lanes: the
	// throttle's count is then exact on this instance, and a flood holds one
	// 19 MiB argon2 buffer, not hundreds. A browser known to the account has
	// a lane of its own, and the other lane turns attempts away rather than
	// queue more than a few: a flood of sign-ins from anywhere neither keeps
	// the admin out nor ties up the database.
	var (
		acct    models.AdminUser
		lookErr error
	)
	lane, looked := a.unknown, false
	if id, ok := a.deviceAccount(r.Device); ok {
		acct, lookErr = a.store.AdminByUsername(ctx, name)
		looked = true
		if lookErr == nil && acct.ID == id {
			lane = a.known
		}
	}
	leave, err := lane.enter(ctx)
	if err != nil {
		return SignedIn{}, err
	}
	defer leave()
	if !looked {
		acct, lookErr = a.store.AdminByUsername(ctx, name)
	}
	exists := lookErr == nil
	if lookErr != nil && !errors.Is(lookErr, models.ErrNotFound) {
		return SignedIn{}, services.StoreError(lookErr)
	}
	target := name
	if !exists {
		// A username that is no account is often a password typed in the
		// wrong box: the audit keeps only its hash.
		sum := sha256.Sum256([]byte(name))
		target = "?" + hex.EncodeToString(sum[:8])
	}
	device := ""
	if exists {
		device = a.knownDevice(r.Device, acct.ID)
	}

	now := a.now()
	p := a.policy
	acctFails, ipFails, err := a.recentFailures(ctx, target, m.IP, device, now.Add(-p.Window))
	if err != nil {
		return SignedIn{}, err
	}
	wait := max(p.wait(acctFails, p.AccountFree, p.AccountLock, now), p.wait(ipFails, p.IPFree, p.IPLock, now))
	if wait > 0 {
		a.log.WarnContext(ctx, "admin sign-in refused while throttled", "ip", m.IP, "known_browser", device != "", "wait", wait.String())
		return SignedIn{}, &services.Error{Code: services.CodeRateLimited, Message: "Too many failed sign-in attempts; wait before trying again.", RetryAfter: wait}
	}

	ok := false
	detail := "unknown account"
	switch {
	case !exists:
		VerifyPassword(a.dummy, r.Password)
	case acct.DisabledAt != nil:
		VerifyPassword(acct.PasswordHash, r.Password)
		detail = "account disabled"
	default:
		ok = VerifyPassword(acct.PasswordHash, r.Password)
		detail = "wrong password"
	}
	if !ok {
		if device != "" {
			detail += " from a known browser"
		}
		a.audit(ctx, withDevice(auditRow(now, nil, models.ActionSignInFailed, models.TargetAdmin, target, "", detail, m), device))
		switch {
		case len(acctFails)+1 == p.AccountLock && device != "":
			a.audit(ctx, withDevice(auditRow(now, nil, models.ActionSignInLocked, models.TargetAdmin, target, "", "known browser locked after repeated failures", m), device))
		case len(acctFails)+1 == p.AccountLock:
			a.audit(ctx, auditRow(now, nil, models.ActionSignInLocked, models.TargetAdmin, target, "", "account locked for unknown browsers after repeated failures", m))
		case len(ipFails)+1 == p.IPLock:
			a.audit(ctx, auditRow(now, nil, models.ActionSignInLocked, models.TargetAdmin, target, "", "IP locked after repeated failures", m))
		}
		return SignedIn{}, errSignInFailed
	}

	who := Principal{ID: acct.ID, Username: acct.Username, Role: acct.Role}
	token, device := a.deviceToken(r.Device, acct.ID)
	err = a.store.WithTx(ctx, func(tx *models.Store) error {
		if err := tx.TouchAdminLogin(ctx, acct.ID, now); err != nil {
			return err
		}
		return tx.AppendAdminAudit(ctx, withDevice(auditRow(now, &who, models.ActionSignIn, models.TargetAdmin, acct.Username, "", "", m), device))
	})
	if err != nil {
		return SignedIn{}, services.StoreError(err)
	}
	// Sign-ins are rare: a good moment to drop sessions that timed out.
	if _, err := a.store.DeleteExpiredAdminSessions(ctx, now); err != nil {
		a.log.WarnContext(ctx, "delete expired admin sessions", "err", err.Error())
	}
	return SignedIn{Principal: who, Device: token}, nil
}

// Unlock lifts a lock on an account: failures before it no longer count.
// For the operator, when the real admin must sign in from a new browser
// while someone keeps guessing.
func (a *Accounts) Unlock(ctx context.Context, username, actor string) error {
	acct, err := a.store.AdminByUsername(ctx, username)
	if errors.Is(err, models.ErrNotFound) {
		return &services.Error{Code: services.CodeNotFound, Message: "no account is named " + models.NormalizeUsername(username), Cause: err}
	}
	if err != nil {
		return services.StoreError(err)
	}
	row := &models.AdminAudit{CreatedAt: a.now(), AdminName: actor, Action: models.ActionUnlock, TargetType: models.TargetAdmin, TargetID: acct.Username}
	if err := a.store.AppendAdminAudit(ctx, row); err != nil {
		return services.StoreError(err)
	}
	return nil
}

func withDevice(row *models.AdminAudit, device string) *models.AdminAudit {
	row.Device = device
	return row
}

// recentFailures returns the failed sign-ins counted against an attempt
// since a time, newest first. From a known browser (device), its own
// failures on the account; from anywhere else, the account's failures from
// unknown browsers, and the address's. The account's count starts again
// after its last success, unlock or password reset.
func (a *Accounts) recentFailures(ctx context.Context, target, ip, device string, since time.Time) (acct, byIP []time.Time, err error) {
	rows, err := a.store.ListAdminAudit(ctx, models.AdminAuditFilter{
		TargetType: models.TargetAdmin, TargetID: target, From: since,
		Actions: []string{models.ActionSignIn, models.ActionSignInFailed, models.ActionUnlock, models.ActionResetPassword},
	}, nil, failureRowsRead)
	if err != nil {
		return nil, nil, services.StoreError(err)
	}
	for _, r := range rows {
		if r.Action != models.ActionSignInFailed {
			break
		}
		if r.Device == device {
			acct = append(acct, r.CreatedAt)
		}
	}
	if device != "" || ip == "" {
		return acct, nil, nil
	}
	rows, err = a.store.ListAdminAudit(ctx, models.AdminAuditFilter{
		IP: ip, From: since, Actions: []string{models.ActionSignInFailed},
	}, nil, failureRowsRead)
	if err != nil {
		return nil, nil, services.StoreError(err)
	}
	for _, r := range rows {
		if r.Device == "" {
			byIP = append(byIP, r.CreatedAt)
		}
	}
	return acct, byIP, nil
}

// failureRowsRead bounds the audit rows a sign-in reads: far more than a
// lock needs (failures from known browsers are mixed in), and few, because
// refused attempts write none.
const failureRowsRead = 200

// The device cookie: the account id, a random nonce, and our MAC over both
// (keyed from MPAUTH_SECRET_KEY, so every instance checks it). Its name in
// the audit is a keyed hash of the nonce: the audit cannot be used to forge it.
const deviceNonceLen = 16

// knownDevice returns the audit name of the browser whose cookie this is,
// if the cookie is ours and for this account; "" otherwise.
func (a *Accounts) knownDevice(cookie string, adminID int64) string {
	id, nonce, ok := a.parseDevice(cookie)
	if !ok || id != adminID {
		return ""
	}
	return hex.EncodeToString(a.store.Keys().Fingerprint(nonce, []byte("admin_device_name"))[:8])
}

// deviceAccount is the account a genuine device cookie was issued for.
func (a *Accounts) deviceAccount(cookie string) (int64, bool) {
	id, _, ok := a.parseDevice(cookie)
	return id, ok
}

func (a *Accounts) parseDevice(cookie string) (id int64, nonce []byte, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(cookie)
	if err != nil || len(raw) != 8+deviceNonceLen+16 {
		return 0, nil, false
	}
	id, nonce, mac := int64(binary.BigEndian.Uint64(raw[:8])), raw[8:8+deviceNonceLen], raw[8+deviceNonceLen:]
	return id, nonce, hmac.Equal(mac, a.deviceMAC(id, nonce))
}

// signInLane lets one sign-in at a time through, first come first served,
// and turns attempts away once maxSignInQueue are in it.
type signInLane struct {
	turn  *semaphore.Weighted
	count atomic.Int32 // waiting or in
}

const maxSignInQueue = 8

// ErrSignInBusy turns a sign-in away when too many are waiting.
var ErrSignInBusy = &services.Error{Code: services.CodeRateLimited, Message: "Too many sign-in attempts right now; try again in a few seconds.", RetryAfter: 5 * time.Second}

func newSignInLane() *signInLane { return &signInLane{turn: semaphore.NewWeighted(1)} }

func (l *signInLane) enter(ctx context.Context) (leave func(), err error) {
	if l.count.Add(1) > maxSignInQueue {
		l.count.Add(-1)
		return nil, ErrSignInBusy
	}
	if err := l.turn.Acquire(ctx, 1); err != nil {
		l.count.Add(-1)
		return nil, services.StoreError(err)
	}
	return func() { l.turn.Release(1); l.count.Add(-1) }, nil
}

// deviceToken is the cookie for a browser that just signed in: the one it
// has if that is valid for the account, else a new one; and its audit name.
func (a *Accounts) deviceToken(cookie string, adminID int64) (token, name string) {
	if name := a.knownDevice(cookie, adminID); name != "" {
		return cookie, name
	}
	raw := make([]byte, 8, 8+deviceNonceLen+16)
	binary.BigEndian.PutUint64(raw, uint64(adminID))
	nonce := make([]byte, deviceNonceLen)
	rand.Read(nonce)
	raw = append(append(raw, nonce...), a.deviceMAC(adminID, nonce)...)
	token = base64.RawURLEncoding.EncodeToString(raw)
	return token, a.knownDevice(token, adminID)
}

func (a *Accounts) deviceMAC(adminID int64, nonce []byte) []byte {
	return a.store.Keys().Fingerprint(nonce, []byte("admin_device:"+strconv.FormatInt(adminID, 10)))
}

// makeDummy makes the hash an unknown account's password is checked against
// (a full argon2 run: done on the first sign-in, not at start-up).
func (a *Accounts) makeDummy() {
	h, err := HashPassword(RandomPassword())
	if err != nil {
		panic(err) // only a broken crypto/rand fails here
	}
	a.dummy = h
}
