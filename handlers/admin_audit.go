package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/services"
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

func (f loginAuditForm) query() services.LoginAuditQuery {
	return services.LoginAuditQuery{Event: f.Event, Result: f.Result, AppID: f.App, WeChatErrCode: f.ErrCode, ErrorCode: f.Code,
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
	Page    services.LoginAuditPage
	Error   string
	Pager   pagerView
	Export  *exportView
}

func (a *AdminDeps) loginAudit(c *gin.Context) {
	var f loginAuditForm
	_ = c.ShouldBind(&f)
	ctx, who := c.Request.Context(), adminOf(c)
	apps, err := a.Dashboard.Apps(ctx)
	if err != nil {
		a.fail(c, err)
		return
	}
	p := loginAuditPage{
		layout: a.layout(c, "Login audit", "logins"),
		Form:   f,
		Events: options(f.Event, "", "Any",
			models.EventLogin, models.EventLogin, models.EventPhoneCode, models.EventPhoneCode,
			models.EventPhoneEncrypted, models.EventPhoneEncrypted, models.EventLogout, models.EventLogout),
		Results: options(f.Result, "", "Any", models.ResultSuccess, models.ResultSuccess, models.ResultFailure, models.ResultFailure),
		Apps:    valueOptions(f.App, "All apps", apps),
	}
	status := http.StatusOK
	p.Page, err = a.Dashboard.LoginAudit(ctx, who, f.query())
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

func (f adminAuditForm) query() services.AdminAuditQuery {
	return services.AdminAuditQuery{Admin: f.Admin, Action: f.Action, TargetType: f.TargetType, TargetID: f.Target, IP: f.IP, From: f.From, To: f.To, After: f.After}
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
	Page        services.AdminAuditPage
	Error       string
	Pager       pagerView
	Export      *exportView
}

var adminActions = []string{
	models.ActionSignIn, models.ActionSignInFailed, models.ActionSignInLocked, models.ActionSignOut,
	models.ActionRevealPhone, models.ActionExport, models.ActionPhoneSearch, models.ActionBlockUser, models.ActionUnblockUser,
	models.ActionRevokeSession, models.ActionRevokeSessions, models.ActionCreateAdmin, models.ActionResetPassword,
}

func (a *AdminDeps) adminAudit(c *gin.Context) {
	var f adminAuditForm
	_ = c.ShouldBind(&f)
	ctx, who := c.Request.Context(), adminOf(c)
	names, err := a.Dashboard.AdminNames(ctx)
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
		TargetTypes: options(f.TargetType, "", "Any", models.TargetUser, models.TargetUser, models.TargetAdmin, models.TargetAdmin, models.TargetList, models.TargetList),
	}
	status := http.StatusOK
	p.Page, err = a.Dashboard.AdminAudit(ctx, who, f.query())
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
