package admin

import (
	"context"
	"errors"
	"github.com/mpauth/mpauth/services"
	"strconv"
	"strings"

	"github.com/mpauth/mpauth/models"
)

// LoginAuditQuery is the login audit log's filter, as typed into the form.
type LoginAuditQuery struct {
	Event         string
	Result        string
	AppID         string
	WeChatErrCode string
	ErrorCode     string
	IP            string
	UserID        string
	From          string // YYYY-MM-DDTHH:MM in DisplayZone(), inclusive
	To            string // exclusive
	After         string
}

// LoginAuditPage is one page of the login audit log.
type LoginAuditPage struct {
	Rows []LoginAuditRow
	Next string
}

func (q LoginAuditQuery) filter() (models.LoginAuditFilter, *models.SerialKey, error) {
	if err := checkFilterText(q.Event, q.AppID, q.ErrorCode, q.IP, q.After); err != nil {
		return models.LoginAuditFilter{}, nil, err
	}
	f := models.LoginAuditFilter{
		Event: strings.TrimSpace(q.Event), Result: q.Result, AppID: strings.TrimSpace(q.AppID),
		ErrorCode: strings.TrimSpace(q.ErrorCode), IP: strings.TrimSpace(q.IP),
	}
	switch f.Result {
	case "", models.ResultSuccess, models.ResultFailure:
	default:
		return f, nil, invalid("Unknown result.")
	}
	if s := strings.TrimSpace(q.WeChatErrCode); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return f, nil, invalid("A WeChat errcode is a number, like 40029 or -1.")
		}
		f.WeChatErrCode = &n
	}
	if s := strings.TrimSpace(q.UserID); s != "" {
		if !isUUID(s) {
			return f, nil, invalid("A user id looks like 0190a6e4-7b1c-7def-8a2b-3c4d5e6f7a8b.")
		}
		f.UserID = strings.ToLower(s)
	}
	var err error
	if f.From, err = parseMinute(q.From); err != nil {
		return f, nil, err
	}
	if f.To, err = parseMinute(q.To); err != nil {
		return f, nil, err
	}
	after, err := decodeSerialKey(q.After)
	return f, after, err
}

// LoginAudit returns one page of login and phone attempts, newest first.
func (d *Dashboard) LoginAudit(ctx context.Context, who Principal, q LoginAuditQuery) (LoginAuditPage, error) {
	if err := requireSignedIn(who); err != nil {
		return LoginAuditPage{}, err
	}
	f, after, err := q.filter()
	if err != nil {
		return LoginAuditPage{}, err
	}
	rows, next, err := d.loginAuditRows(ctx, f, after, PageSize)
	if err != nil {
		return LoginAuditPage{}, err
	}
	page := LoginAuditPage{Rows: rows}
	if next != nil {
		page.Next = encodeSerialKey(*next)
	}
	return page, nil
}

func (d *Dashboard) loginAuditRows(ctx context.Context, f models.LoginAuditFilter, after *models.SerialKey, limit int) ([]LoginAuditRow, *models.SerialKey, error) {
	rows, err := d.store.ListLoginAudit(ctx, f, after, limit+1)
	if err != nil {
		return nil, nil, services.StoreError(err)
	}
	if len(rows) <= limit {
		return rows, nil, nil
	}
	rows = rows[:limit]
	last := rows[limit-1]
	return rows, &models.SerialKey{At: last.CreatedAt, ID: last.ID}, nil
}

// AdminAuditQuery is the admin audit log's filter.
type AdminAuditQuery struct {
	Admin      string // username
	Action     string
	TargetType string
	TargetID   string
	IP         string
	From       string
	To         string
	After      string
}

// AdminAuditPage is one page of the admin audit log.
type AdminAuditPage struct {
	Rows []AdminAuditRow
	Next string
}

// errNoRows: the filter names an admin that does not exist.
var errNoRows = errors.New("filter matches nothing")

func (d *Dashboard) adminAuditFilter(ctx context.Context, q AdminAuditQuery) (models.AdminAuditFilter, *models.SerialKey, error) {
	if err := checkFilterText(q.Admin, q.Action, q.TargetType, q.TargetID, q.IP, q.After); err != nil {
		return models.AdminAuditFilter{}, nil, err
	}
	f := models.AdminAuditFilter{TargetType: strings.TrimSpace(q.TargetType), TargetID: strings.TrimSpace(q.TargetID), IP: strings.TrimSpace(q.IP)}
	if a := strings.TrimSpace(q.Action); a != "" {
		f.Actions = []string{a}
	}
	var err error
	if f.From, err = parseMinute(q.From); err != nil {
		return f, nil, err
	}
	if f.To, err = parseMinute(q.To); err != nil {
		return f, nil, err
	}
	after, err := decodeSerialKey(q.After)
	if err != nil {
		return f, nil, err
	}
	if name := strings.TrimSpace(q.Admin); name != "" {
		acct, err := d.store.AdminByUsername(ctx, name)
		if errors.Is(err, models.ErrNotFound) {
			return f, nil, errNoRows
		}
		if err != nil {
			return f, nil, services.StoreError(err)
		}
		f.AdminID = &acct.ID
	}
	return f, after, nil
}

// AdminAudit returns one page of administrator actions, newest first.
func (d *Dashboard) AdminAudit(ctx context.Context, who Principal, q AdminAuditQuery) (AdminAuditPage, error) {
	if err := requireSignedIn(who); err != nil {
		return AdminAuditPage{}, err
	}
	f, after, err := d.adminAuditFilter(ctx, q)
	if errors.Is(err, errNoRows) {
		return AdminAuditPage{}, nil
	}
	if err != nil {
		return AdminAuditPage{}, err
	}
	rows, next, err := d.adminAuditRows(ctx, f, after, PageSize)
	if err != nil {
		return AdminAuditPage{}, err
	}
	page := AdminAuditPage{Rows: rows}
	if next != nil {
		page.Next = encodeSerialKey(*next)
	}
	return page, nil
}

func (d *Dashboard) adminAuditRows(ctx context.Context, f models.AdminAuditFilter, after *models.SerialKey, limit int) ([]AdminAuditRow, *models.SerialKey, error) {
	rows, err := d.store.ListAdminAudit(ctx, f, after, limit+1)
	if err != nil {
		return nil, nil, services.StoreError(err)
	}
	if len(rows) <= limit {
		return rows, nil, nil
	}
	rows = rows[:limit]
	last := rows[limit-1]
	return rows, &models.SerialKey{At: last.CreatedAt, ID: last.ID}, nil
}
