package admin

import (
	"context"
	"errors"
	"fmt"
	"github.com/mpauth/mpauth/services"
	"strings"
	"time"

	"github.com/mpauth/mpauth/models"
)

// UserQuery is the users list's filter, as typed into the form.
type UserQuery struct {
	Search      string
	SearchKind  string
	AppID       string
	Phone       string // "bound", "unbound" or ""
	Status      string // "active", "blocked" or ""
	CreatedFrom string // YYYY-MM-DD, inclusive
	CreatedTo   string // YYYY-MM-DD, inclusive
	After       string // cursor
}

// Filtered reports whether anything narrows the list.
func (q UserQuery) Filtered() bool {
	return strings.TrimSpace(q.Search) != "" || q.AppID != "" || q.Phone != "" || q.Status != "" || q.CreatedFrom != "" || q.CreatedTo != ""
}

// UserRow is one user in a list, phone masked (Phone) unless an unmasked
// export asked for the number (FullPhone).
type UserRow struct {
	ID          string
	Nickname    string
	Status      string
	CreatedAt   time.Time
	LastLoginAt *time.Time
	Apps        []string
	OpenIDs     []string
	Phone       string
	FullPhone   string
}

// UserPage is one page of the users list.
type UserPage struct {
	Rows  []UserRow
	Next  string // cursor of the next page, "" on the last
	Total *Count // the table's size, for the unfiltered list only
}

func (q UserQuery) filter() (models.UserFilter, *models.TimeKey, error) {
	var f models.UserFilter
	if err := checkFilterText(q.AppID, q.After); err != nil {
		return f, nil, err
	}
	s, err := parseSearch(q.Search, q.SearchKind)
	if err != nil {
		return f, nil, err
	}
	f.UserID, f.WeChatID, f.Phone = s.userID, s.wechatID, s.phone
	f.AppID = strings.TrimSpace(q.AppID)
	switch q.Phone {
	case "":
	case "bound", "unbound":
		bound := q.Phone == "bound"
		f.PhoneBound = &bound
	default:
		return f, nil, invalid("Unknown phone filter.")
	}
	switch q.Status {
	case "", models.UserActive, models.UserBlocked:
		f.Status = q.Status
	default:
		return f, nil, invalid("Unknown status.")
	}
	if f.CreatedFrom, err = parseDay(q.CreatedFrom, false); err != nil {
		return f, nil, err
	}
	if f.CreatedTo, err = parseDay(q.CreatedTo, true); err != nil {
		return f, nil, err
	}
	after, err := decodeTimeKey(q.After)
	return f, after, err
}

// Users returns one page of users, newest first.
func (d *Dashboard) Users(ctx context.Context, who Principal, q UserQuery, m services.Meta) (UserPage, error) {
	if err := requireSignedIn(who); err != nil {
		return UserPage{}, err
	}
	f, after, err := q.filter()
	if err != nil {
		return UserPage{}, err
	}
	if err := d.checkPhoneSearch(ctx, who, ExportUsers, &f.Phone, m); err != nil {
		return UserPage{}, err
	}
	if err := d.checkPhoneMatches(ctx, f.Phone); err != nil {
		return UserPage{}, err
	}
	rows, next, err := d.userRows(ctx, f, after, PageSize, false)
	if err != nil {
		return UserPage{}, err
	}
	d.auditPhoneSearch(ctx, who, ExportUsers, f.Phone, hitsOf(len(rows), next != nil), m)
	page := UserPage{Rows: rows}
	if next != nil {
		page.Next = encodeTimeKey(*next)
	}
	if !q.Filtered() && after == nil {
		c, err := d.tableSize(ctx, models.TableUsers)
		if err != nil {
			return UserPage{}, err
		}
		page.Total = &c
	}
	return page, nil
}

// userRows reads one page plus the page's identities and phones (two
// queries by id, not one per row) and the key of the next page, if any.
func (d *Dashboard) userRows(ctx context.Context, f models.UserFilter, after *models.TimeKey, limit int, unmasked bool) ([]UserRow, *models.TimeKey, error) {
	users, err := d.store.ListUsers(ctx, f, after, limit+1)
	if err != nil {
		return nil, nil, services.StoreError(err)
	}
	var next *models.TimeKey
	if len(users) > limit {
		users = users[:limit]
		last := users[limit-1]
		next = &models.TimeKey{At: last.CreatedAt, ID: last.ID}
	}
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	idents, err := d.store.IdentitiesOfUsers(ctx, ids)
	if err != nil {
		return nil, nil, services.StoreError(err)
	}
	phones, err := d.store.PhonesOfUsers(ctx, ids)
	if err != nil {
		return nil, nil, services.StoreError(err)
	}
	byUser := map[string]*UserRow{}
	rows := make([]UserRow, len(users))
	for i, u := range users {
		rows[i] = UserRow{ID: u.ID, Nickname: u.Nickname, Status: u.Status, CreatedAt: u.CreatedAt, LastLoginAt: u.LastLoginAt}
		byUser[u.ID] = &rows[i]
	}
	for _, id := range idents {
		r := byUser[id.UserID]
		r.Apps = append(r.Apps, id.AppID)
		r.OpenIDs = append(r.OpenIDs, id.OpenID)
	}
	for _, p := range phones {
		r := byUser[p.UserID]
		r.Phone = maskNumber(p.CountryCode, p.PureNumber)
		if unmasked {
			r.FullPhone = p.PhoneE164
		}
	}
	return rows, next, nil
}

// UserDetail is everything the user page shows. Phone numbers are masked.
type UserDetail struct {
	models.User
	Identities   []models.WeChatIdentity
	Phone        *PhoneRow
	PhoneHistory []PhoneEventRow
	Sessions     []SessionRow
	Logins       []LoginAuditRow
	AdminActions []AdminAuditRow
}

// PhoneEventRow is one line of a user's phone history, masked.
type PhoneEventRow struct {
	Event    string
	Phone    string
	Previous string
	Source   string
	Actor    string
	At       time.Time
}

// SessionRow is one active login session; the token itself is never stored.
type SessionRow struct {
	ID         int64
	AppID      string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	IP         string
	UserAgent  string
}

// timelineLength is how many audit rows the user page shows; the audit
// pages, filtered by the user, have the rest.
const timelineLength = 20

// User returns one user's page.
func (d *Dashboard) User(ctx context.Context, who Principal, id string) (UserDetail, error) {
	if err := requireSignedIn(who); err != nil {
		return UserDetail{}, err
	}
	u, err := d.store.GetUser(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		return UserDetail{}, &services.Error{Code: services.CodeNotFound, Message: "No such user."}
	}
	if err != nil {
		return UserDetail{}, services.StoreError(err)
	}
	out := UserDetail{User: u}
	if out.Identities, err = d.store.IdentitiesOfUsers(ctx, []string{id}); err != nil {
		return UserDetail{}, services.StoreError(err)
	}
	switch pb, err := d.store.GetPhoneBinding(ctx, id); {
	case err == nil:
		row := phoneRow(pb, false)
		out.Phone = &row
	case !errors.Is(err, models.ErrNotFound):
		return UserDetail{}, services.StoreError(err)
	}
	events, err := d.store.PhoneHistory(ctx, id)
	if err != nil {
		return UserDetail{}, services.StoreError(err)
	}
	for _, e := range events {
		row := PhoneEventRow{Event: e.Event, Phone: maskE164(e.PhoneE164), Source: e.Source, Actor: e.Actor, At: e.CreatedAt}
		if e.PreviousE164 != "" {
			row.Previous = maskE164(e.PreviousE164)
		}
		out.PhoneHistory = append(out.PhoneHistory, row)
	}
	sessions, err := d.store.ActiveSessionsOfUser(ctx, id)
	if err != nil {
		return UserDetail{}, services.StoreError(err)
	}
	for _, s := range sessions {
		out.Sessions = append(out.Sessions, SessionRow{ID: s.ID, AppID: s.AppID, CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt, IP: s.IP, UserAgent: s.UserAgent})
	}
	if out.Logins, err = d.store.UserAuditTimeline(ctx, id, timelineLength); err != nil {
		return UserDetail{}, services.StoreError(err)
	}
	if out.AdminActions, err = d.store.ListAdminAudit(ctx, models.AdminAuditFilter{TargetType: models.TargetUser, TargetID: id}, nil, timelineLength); err != nil {
		return UserDetail{}, services.StoreError(err)
	}
	return out, nil
}

// SetUserBlocked blocks or unblocks a user. Blocking revokes every session
// the user has, so their tokens stop working at once and stay dead after an
// unblock (the user logs in again); logins are refused while blocked.
func (d *Dashboard) SetUserBlocked(ctx context.Context, who Principal, id string, blocked bool, reason string, m services.Meta) error {
	if err := requireAdmin(who); err != nil {
		return err
	}
	reason, err := checkReason(reason)
	if err != nil {
		return err
	}
	status, action := models.UserActive, models.ActionUnblockUser
	if blocked {
		status, action = models.UserBlocked, models.ActionBlockUser
	}
	stored := reason
	if !blocked {
		stored = ""
	}
	err = d.store.WithTx(ctx, func(tx *models.Store) error {
		if _, err := tx.GetUser(ctx, id); err != nil {
			return err
		}
		if err := tx.SetUserStatus(ctx, id, status, stored); err != nil {
			return err
		}
		if blocked {
			if _, err := tx.RevokeUserSessions(ctx, id, "blocked"); err != nil {
				return err
			}
		}
		return tx.AppendAdminAudit(ctx, auditRow(d.now(), &who, action, models.TargetUser, id, reason, "", m))
	})
	return userActionError(err)
}

// RevokeSession ends one of a user's login sessions at once.
func (d *Dashboard) RevokeSession(ctx context.Context, who Principal, userID string, sessionID int64, reason string, m services.Meta) error {
	if err := requireAdmin(who); err != nil {
		return err
	}
	reason, err := checkReason(reason)
	if err != nil {
		return err
	}
	err = d.store.WithTx(ctx, func(tx *models.Store) error {
		if err := tx.RevokeSessionOfUser(ctx, userID, sessionID, "admin: "+services.Clip(reason, 200)); err != nil {
			return err
		}
		return tx.AppendAdminAudit(ctx, auditRow(d.now(), &who, models.ActionRevokeSession, models.TargetUser, userID, reason, fmt.Sprintf("session %d", sessionID), m))
	})
	if errors.Is(err, models.ErrNotFound) {
		return &services.Error{Code: services.CodeNotFound, Message: "That session is no longer active.", Cause: err}
	}
	return userActionError(err)
}

// RevokeAllSessions ends every login session of a user; it reports how many.
func (d *Dashboard) RevokeAllSessions(ctx context.Context, who Principal, userID, reason string, m services.Meta) (int64, error) {
	if err := requireAdmin(who); err != nil {
		return 0, err
	}
	reason, err := checkReason(reason)
	if err != nil {
		return 0, err
	}
	var n int64
	err = d.store.WithTx(ctx, func(tx *models.Store) error {
		if _, err := tx.GetUser(ctx, userID); err != nil {
			return err
		}
		if n, err = tx.RevokeUserSessions(ctx, userID, "admin: "+services.Clip(reason, 200)); err != nil {
			return err
		}
		return tx.AppendAdminAudit(ctx, auditRow(d.now(), &who, models.ActionRevokeSessions, models.TargetUser, userID, reason, fmt.Sprintf("%d sessions", n), m))
	})
	return n, userActionError(err)
}

// RevealedPhone is a full number shown to an admin who gave a reason.
type RevealedPhone struct {
	UserID      string
	E164        string
	CountryCode string
	PureNumber  string
}

// RevealPhone shows a user's full number to an admin and records who, why
// and from where. The audit row keeps the masked number only.
func (d *Dashboard) RevealPhone(ctx context.Context, who Principal, userID, reason string, m services.Meta) (RevealedPhone, error) {
	if err := requireAdmin(who); err != nil {
		return RevealedPhone{}, err
	}
	reason, err := checkReason(reason)
	if err != nil {
		return RevealedPhone{}, err
	}
	var pb models.PhoneBinding
	err = d.store.WithTx(ctx, func(tx *models.Store) error {
		if pb, err = tx.GetPhoneBinding(ctx, userID); err != nil {
			return err
		}
		return tx.AppendAdminAudit(ctx, auditRow(d.now(), &who, models.ActionRevealPhone, models.TargetUser, userID, reason, maskE164(pb.PhoneE164), m))
	})
	if errors.Is(err, models.ErrNotFound) {
		return RevealedPhone{}, &services.Error{Code: services.CodeNotFound, Message: "This user has no phone number bound.", Cause: err}
	}
	if err != nil {
		return RevealedPhone{}, services.StoreError(err)
	}
	return RevealedPhone{UserID: userID, E164: pb.PhoneE164, CountryCode: pb.CountryCode, PureNumber: pb.PureNumber}, nil
}

func userActionError(err error) error {
	var se *services.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return err
	case errors.Is(err, models.ErrNotFound):
		return &services.Error{Code: services.CodeNotFound, Message: "No such user.", Cause: err}
	}
	return services.StoreError(err)
}
