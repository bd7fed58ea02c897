package services

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/mpauth/mpauth/models"
)

// SignInPolicy is the brute-force defence. Failed sign-ins are counted per
// account and per client IP from the admin audit itself (so every instance
// and every restart sees the same count): after a few failures each further
// attempt must wait twice as long as the last, and past the lock threshold
// the account or IP waits LockFor. Attempts refused while waiting are not
// checked at all, so a locked account cannot be guessed into.
type SignInPolicy struct {
	Window      time.Duration // failures older than this are forgotten
	AccountFree int           // failures per account before delays start
	AccountLock int           // failures per account that lock it
	IPFree      int           // the same per IP: higher, offices share an address
	IPLock      int
	FirstDelay  time.Duration // the first delay; each further failure doubles it
	LockFor     time.Duration
}

// DefaultSignInPolicy: 3 free failures per account, then 1s, 2s, 4s … and a
// 15-minute lock at 10; per IP 10 free and a lock at 30; counted over an hour.
var DefaultSignInPolicy = SignInPolicy{
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

func (a *Admins) policy() SignInPolicy {
	if a.Policy == (SignInPolicy{}) {
		return DefaultSignInPolicy
	}
	return a.Policy
}

var errSignInFailed = &Error{Code: CodeUnauthorized, Message: "The username or password is wrong."}

// SignIn checks a username and password. Every answer is the same whether or
// not the account exists: the same message, the same throttle, and the same
// argon2 work (a dummy hash stands in for a missing account).
func (a *Admins) SignIn(ctx context.Context, username, password string, m Meta) (AdminPrincipal, error) {
	name := clip(models.NormalizeUsername(username), 64)
	if name == "" || password == "" {
		return AdminPrincipal{}, &Error{Code: CodeInvalidRequest, Message: "Enter a username and a password."}
	}
	// One check at a time on this instance: the throttle's count is then exact
	// here, and a flood of attempts holds one 19 MiB argon2 buffer, not
	// hundreds.
	a.once.Do(a.init)
	select {
	case a.slot <- struct{}{}:
		defer func() { <-a.slot }()
	case <-ctx.Done():
		return AdminPrincipal{}, storeError(ctx.Err())
	}

	acct, err := a.Store.AdminByUsername(ctx, name)
	exists := err == nil
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return AdminPrincipal{}, storeError(err)
	}
	target := name
	if !exists {
		// A username that is no account is often a password typed in the
		// wrong box: the audit keeps only its hash.
		sum := sha256.Sum256([]byte(name))
		target = "?" + hex.EncodeToString(sum[:8])
	}

	now := a.now()
	p := a.policy()
	acctFails, ipFails, err := a.recentFailures(ctx, target, m.IP, now.Add(-p.Window))
	if err != nil {
		return AdminPrincipal{}, err
	}
	wait := max(p.wait(acctFails, p.AccountFree, p.AccountLock, now), p.wait(ipFails, p.IPFree, p.IPLock, now))
	if wait > 0 {
		a.logger().WarnContext(ctx, "admin sign-in refused while throttled", "ip", m.IP, "wait", wait.String())
		return AdminPrincipal{}, &Error{Code: CodeRateLimited, Message: "Too many failed sign-in attempts; wait before trying again.", RetryAfter: wait}
	}

	ok := false
	detail := "unknown account"
	switch {
	case !exists:
		VerifyPassword(a.dummy, password)
	case acct.DisabledAt != nil:
		VerifyPassword(acct.PasswordHash, password)
		detail = "account disabled"
	default:
		ok = VerifyPassword(acct.PasswordHash, password)
		detail = "wrong password"
	}
	if !ok {
		a.audit(ctx, adminAuditRow(now, nil, models.ActionSignInFailed, models.TargetAdmin, target, "", detail, m))
		if len(acctFails)+1 == p.AccountLock {
			a.audit(ctx, adminAuditRow(now, nil, models.ActionSignInLocked, models.TargetAdmin, target, "", "account locked after repeated failures", m))
		} else if len(ipFails)+1 == p.IPLock {
			a.audit(ctx, adminAuditRow(now, nil, models.ActionSignInLocked, models.TargetAdmin, target, "", "IP locked after repeated failures", m))
		}
		return AdminPrincipal{}, errSignInFailed
	}

	who := AdminPrincipal{ID: acct.ID, Username: acct.Username, Role: acct.Role}
	err = a.Store.WithTx(ctx, func(tx *models.Store) error {
		if err := tx.TouchAdminLogin(ctx, acct.ID, now); err != nil {
			return err
		}
		return tx.AppendAdminAudit(ctx, adminAuditRow(now, &who, models.ActionSignIn, models.TargetAdmin, acct.Username, "", "", m))
	})
	if err != nil {
		return AdminPrincipal{}, storeError(err)
	}
	// Sign-ins are rare: a good moment to drop sessions that timed out.
	if _, err := a.Store.DeleteExpiredAdminSessions(ctx, now); err != nil {
		a.logger().WarnContext(ctx, "delete expired admin sessions", "err", err.Error())
	}
	return who, nil
}

// recentFailures returns the failed sign-ins since a time, newest first: for
// the account, those after its last success; for the IP, all of them.
func (a *Admins) recentFailures(ctx context.Context, target, ip string, since time.Time) (acct, byIP []time.Time, err error) {
	p := a.policy()
	rows, err := a.Store.ListAdminAudit(ctx, models.AdminAuditFilter{
		TargetType: models.TargetAdmin, TargetID: target, From: since,
		Actions: []string{models.ActionSignIn, models.ActionSignInFailed},
	}, nil, p.AccountLock)
	if err != nil {
		return nil, nil, storeError(err)
	}
	for _, r := range rows {
		if r.Action == models.ActionSignIn {
			break
		}
		acct = append(acct, r.CreatedAt)
	}
	if ip == "" {
		return acct, nil, nil
	}
	rows, err = a.Store.ListAdminAudit(ctx, models.AdminAuditFilter{
		IP: ip, From: since, Actions: []string{models.ActionSignInFailed},
	}, nil, p.IPLock)
	if err != nil {
		return nil, nil, storeError(err)
	}
	for _, r := range rows {
		byIP = append(byIP, r.CreatedAt)
	}
	return acct, byIP, nil
}

func (a *Admins) init() {
	a.slot = make(chan struct{}, 1)
	h, err := HashPassword(RandomPassword())
	if err != nil {
		panic(err) // only a broken crypto/rand fails here
	}
	a.dummy = h
}
