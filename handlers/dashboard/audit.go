package dashboard

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/mpauth/mpauth/services"
	"github.com/mpauth/mpauth/services/admin"
)

// loginAuditForm is the login audit filter. It holds no phone numbers, so
// it is a plain GET form: a filtered view can be bookmarked and shared.
type loginAuditForm struct {
	Event   string `form:"event"`
	Result  string `form:"result"`
	App     string `form:"app"`
	ErrCode string `form:"errcode"`
	Code    string `form:"code"`
	IP      string `form:"ip"`
	User    string `form:"user"`
	From    string `form:"from"`
	To      string `form:"to"`
	After   string `form:"after"`
}

func (f loginAuditForm) query() admin.LoginAuditQuery {
	return admin.LoginAuditQuery{Event: f.Event, Result: f.Result, AppID: f.App, WeChatErrCode: f.ErrCode, ErrorCode: f.Code,
		IP: f.IP, UserID: f.User, From: f.From, To: f.To, After: f.After}
}

func (f loginAuditForm) fields() []field {
	return fields("event", f.Event, "result", f.Result, "app", f.App, "errcode", f.ErrCode, "code", f.Code, "ip", f.IP, "user", f.User, "from", f.From, "to", f.To)
}

type loginAuditPage struct {
	layout
	Form    loginAuditForm
	Events  []option
	Results []option
	Apps    []option
	Page    admin.LoginAuditPage
	Error   string
	Pager   pagerView
	Export  *exportView
}

func (a *Handler) loginAudit(c *gin.Context) {
	var f loginAuditForm
	if !a.bind(c, &f) {
		return
	}
	ctx, who := c.Request.Context(), adminOf(c)
	apps, err := a.dashboard.Apps(ctx)
	if err != nil {
		a.fail(c, err)
		return
	}
	p := loginAuditPage{
		layout: a.layout(c, "Login audit", "logins"),
		Form:   f,
		Events: options(f.Event, "", "Any",
			admin.EventLogin, admin.EventLogin, admin.EventPhoneCode, admin.EventPhoneCode,
			admin.EventPhoneEncrypted, admin.EventPhoneEncrypted, admin.EventLogout, admin.EventLogout),
		Results: options(f.Result, "", "Any", admin.ResultSuccess, admin.ResultSuccess, admin.ResultFailure, admin.ResultFailure),
		Apps:    valueOptions(f.App, "All apps", apps),
	}
	status := http.StatusOK
	p.Page, err = a.dashboard.LoginAudit(ctx, who, f.query())
	if services.ErrorCode(err) == services.CodeInvalidRequest {
		p.Error, status = messageOf(err), http.StatusBadRequest
	} else if err != nil {
		a.fail(c, err)
		return
	}
	p.Pager = pagerView{Action: "/admin/audit/logins", Method: "get", Fields: f.fields(), After: p.Page.Next, IsLater: f.After != "", Count: len(p.Page.Rows)}
	if who.IsAdmin() {
		p.Export = &exportView{Action: "/admin/audit/logins/export", Fields: f.fields()}
	}
	a.page(c, status, "logins", p)
}

type adminAuditForm struct {
	Admin      string `form:"admin"`
	Action     string `form:"action"`
	TargetType string `form:"target_type"`
	Target     string `form:"target"`
	IP         string `form:"ip"`
	From       string `form:"from"`
	To         string `form:"to"`
	After      string `form:"after"`
}

func (f adminAuditForm) query() admin.AdminAuditQuery {
	return admin.AdminAuditQuery{Admin: f.Admin, Action: f.Action, TargetType: f.TargetType, TargetID: f.Target, IP: f.IP, From: f.From, To: f.To, After: f.After}
}

func (f adminAuditForm) fields() []field {
	return fields("admin", f.Admin, "action", f.Action, "target_type", f.TargetType, "target", f.Target, "ip", f.IP, "from", f.From, "to", f.To)
}

type adminAuditPage struct {
	layout
	Form        adminAuditForm
	AdminNames  []option
	Actions     []option
	TargetTypes []option
	Page        admin.AdminAuditPage
	Error       string
	Pager       pagerView
	Export      *exportView
}

var adminActions = []string{
	admin.ActionSignIn, admin.ActionSignInFailed, admin.ActionSignInLocked, admin.ActionSignOut,
	admin.ActionRevealPhone, admin.ActionExport, admin.ActionPhoneSearch, admin.ActionBlockUser, admin.ActionUnblockUser,
	admin.ActionRevokeSession, admin.ActionRevokeSessions, admin.ActionCreateAdmin, admin.ActionResetPassword,
}

func (a *Handler) adminAudit(c *gin.Context) {
	var f adminAuditForm
	if !a.bind(c, &f) {
		return
	}
	ctx, who := c.Request.Context(), adminOf(c)
	names, err := a.dashboard.AdminNames(ctx)
	if err != nil {
		a.fail(c, err)
		return
	}
	actions := []option{{Value: "", Label: "Any", Selected: f.Action == ""}}
	for _, act := range adminActions {
		actions = append(actions, option{Value: act, Label: act, Selected: act == f.Action})
	}
	p := adminAuditPage{
		layout:      a.layout(c, "Admin audit", "admin-audit"),
		Form:        f,
		AdminNames:  valueOptions(f.Admin, "Anyone", names),
		Actions:     actions,
		TargetTypes: options(f.TargetType, "", "Any", admin.TargetUser, admin.TargetUser, admin.TargetAdmin, admin.TargetAdmin, admin.TargetList, admin.TargetList),
	}
	status := http.StatusOK
	p.Page, err = a.dashboard.AdminAudit(ctx, who, f.query())
	if services.ErrorCode(err) == services.CodeInvalidRequest {
		p.Error, status = messageOf(err), http.StatusBadRequest
	} else if err != nil {
		a.fail(c, err)
		return
	}
	p.Pager = pagerView{Action: "/admin/audit/admin", Method: "get", Fields: f.fields(), After: p.Page.Next, IsLater: f.After != "", Count: len(p.Page.Rows)}
	if who.IsAdmin() {
		p.Export = &exportView{Action: "/admin/audit/admin/export", Fields: f.fields()}
	}
	a.page(c, status, "admin_audit", p)
}
