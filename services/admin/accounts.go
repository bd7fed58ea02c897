package admin

import (
	"context"
	"crypto/rand"
	"errors"
	"github.com/mpauth/mpauth/services"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mpauth/mpauth/models"
)

// Accounts manages dashboard accounts and signs them in.
type Accounts struct {
	store   *models.Store
	log     *slog.Logger
	clock   func() time.Time
	policy  SignInPolicy
	known   *signInLane // sign-ins from a browser known to the account, see SignIn
	unknown *signInLane // everyone else's

	once  sync.Once
	dummy string // a hash to verify against when the account does not exist, made on first use
}

// NewAccounts builds the dashboard's accounts and sign-in; a zero policy is
// DefaultSignInPolicy().
func NewAccounts(d services.Deps, policy SignInPolicy) *Accounts {
	d = d.Filled()
	if policy == (SignInPolicy{}) {
		policy = DefaultSignInPolicy()
	}
	return &Accounts{store: d.Store, log: d.Logger, clock: d.Now, policy: policy, known: newSignInLane(), unknown: newSignInLane()}
}

// Principal is the signed-in dashboard user.
type Principal struct {
	ID       int64
	Username string
	Role     string
}

// IsAdmin reports whether the account may reveal, export, block and revoke.
func (p Principal) IsAdmin() bool { return p.Role == models.RoleAdmin }

// CLIActor names the command line in the admin audit.
const CLIActor = "cli"

// CreateAdmin adds an account. actor names who did it in the audit (an
// admin's username, or CLIActor).
func (a *Accounts) CreateAdmin(ctx context.Context, username, password, role, actor string) (models.AdminUser, error) {
	name := models.NormalizeUsername(username)
	if err := checkUsername(name); err != nil {
		return models.AdminUser{}, &services.Error{Code: services.CodeInvalidRequest, Message: err.Error()}
	}
	if role != models.RoleAdmin && role != models.RoleViewer {
		return models.AdminUser{}, &services.Error{Code: services.CodeInvalidRequest, Message: `the role is "admin" or "viewer"`}
	}
	hash, err := HashPassword(password)
	if err != nil {
		return models.AdminUser{}, &services.Error{Code: services.CodeInvalidRequest, Message: err.Error()}
	}
	acct := models.AdminUser{Username: name, PasswordHash: hash, Role: role}
	err = a.store.WithTx(ctx, func(tx *models.Store) error {
		if err := tx.CreateAdminUser(ctx, &acct); err != nil {
			return err
		}
		return tx.AppendAdminAudit(ctx, &models.AdminAudit{
			AdminName: actor, Action: models.ActionCreateAdmin, TargetType: models.TargetAdmin, TargetID: name, Detail: "role " + role,
		})
	})
	if errors.Is(err, models.ErrConflict) {
		return models.AdminUser{}, &services.Error{Code: services.CodeInvalidRequest, Message: "an account named " + name + " already exists", Cause: err}
	}
	if err != nil {
		return models.AdminUser{}, services.StoreError(err)
	}
	return acct, nil
}

// ResetPassword sets a new password and signs the account out everywhere:
// whoever knew the old one loses their session too.
func (a *Accounts) ResetPassword(ctx context.Context, username, password, actor string) error {
	hash, err := HashPassword(password)
	if err != nil {
		return &services.Error{Code: services.CodeInvalidRequest, Message: err.Error()}
	}
	err = a.store.WithTx(ctx, func(tx *models.Store) error {
		acct, err := tx.AdminByUsername(ctx, username)
		if err != nil {
			return err
		}
		if err := tx.SetAdminPassword(ctx, acct.ID, hash); err != nil {
			return err
		}
		if _, err := tx.DeleteAdminSessionsOf(ctx, acct.ID); err != nil {
			return err
		}
		return tx.AppendAdminAudit(ctx, &models.AdminAudit{
			AdminName: actor, Action: models.ActionResetPassword, TargetType: models.TargetAdmin, TargetID: acct.Username,
		})
	})
	if errors.Is(err, models.ErrNotFound) {
		return &services.Error{Code: services.CodeNotFound, Message: "no account is named " + models.NormalizeUsername(username), Cause: err}
	}
	if err != nil {
		return services.StoreError(err)
	}
	return nil
}

// ListAdmins lists every account.
func (a *Accounts) ListAdmins(ctx context.Context) ([]models.AdminUser, error) {
	list, err := a.store.ListAdmins(ctx)
	if err != nil {
		return nil, services.StoreError(err)
	}
	return list, nil
}

// CountAdmins reports how many accounts exist.
func (a *Accounts) CountAdmins(ctx context.Context) (int64, error) {
	n, err := a.store.CountAdmins(ctx)
	if err != nil {
		return 0, services.StoreError(err)
	}
	return n, nil
}

// Principal loads the account behind a session on every request, so a
// disabled account or a changed role takes effect at once.
func (a *Accounts) Principal(ctx context.Context, id int64) (Principal, error) {
	acct, err := a.store.AdminByID(ctx, id)
	if errors.Is(err, models.ErrNotFound) || err == nil && acct.DisabledAt != nil {
		return Principal{}, &services.Error{Code: services.CodeUnauthorized, Message: "Sign in again."}
	}
	if err != nil {
		return Principal{}, services.StoreError(err)
	}
	return Principal{ID: acct.ID, Username: acct.Username, Role: acct.Role}, nil
}

// SignedOut records a sign-out.
func (a *Accounts) SignedOut(ctx context.Context, who Principal, m services.Meta) {
	a.audit(ctx, auditRow(a.now(), &who, models.ActionSignOut, models.TargetAdmin, who.Username, "", "", m))
}

func (a *Accounts) audit(ctx context.Context, row *models.AdminAudit) {
	if err := a.store.AppendAdminAudit(context.WithoutCancel(ctx), row); err != nil {
		a.log.ErrorContext(ctx, "admin audit write failed", "action", row.Action, "err", err.Error())
	}
}

// auditRow builds an admin_audit row for an action by who (nil:
// anonymous) at a time from the service's clock.
func auditRow(at time.Time, who *Principal, action, targetType, targetID, reason, detail string, m services.Meta) *models.AdminAudit {
	row := &models.AdminAudit{
		CreatedAt: at, Action: action, TargetType: targetType, TargetID: services.Clip(targetID, 128),
		Reason: services.Clip(reason, 500), IP: services.Clip(m.IP, 64), Detail: services.Clip(detail, 1000),
	}
	if who != nil {
		id := who.ID
		row.AdminID, row.AdminName = &id, who.Username
	}
	return row
}

func checkUsername(name string) error {
	if n := utf8.RuneCountInString(name); n < 2 || n > 64 {
		return errors.New("a username is 2 to 64 characters long")
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("._-@", r) {
			return errors.New("a username has letters, digits and . _ - @ only")
		}
	}
	return nil
}

// RandomPassword returns a password for generated accounts (demo mode):
// 26 base32 characters, 128 bits.
func RandomPassword() string { return rand.Text() }

func (a *Accounts) now() time.Time { return a.clock().UTC() }
