package dashboard

import (
	"github.com/mpauth/mpauth/handlers/httpx"
	"github.com/mpauth/mpauth/services/admin"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/mpauth/mpauth/services"
)

// userListForm is the users filter. The search box is read from POST only:
// a phone number typed there must not end up in a URL.
type userListForm struct {
	Q      string `form:"q"`
	Kind   string `form:"kind"`
	App    string `form:"app"`
	Phone  string `form:"phone"`
	Status string `form:"status"`
	From   string `form:"from"`
	To     string `form:"to"`
	After  string `form:"after"`
}

func (f userListForm) query() admin.UserQuery {
	return admin.UserQuery{Search: f.Q, SearchKind: f.Kind, AppID: f.App, Phone: f.Phone, Status: f.Status, CreatedFrom: f.From, CreatedTo: f.To, After: f.After}
}

func (f userListForm) fields() []field {
	return fields("q", f.Q, "kind", f.Kind, "app", f.App, "phone", f.Phone, "status", f.Status, "from", f.From, "to", f.To)
}

type usersPage struct {
	layout
	Form         userListForm
	Kinds        []option
	Apps         []option
	PhoneOptions []option
	Statuses     []option
	Page         admin.UserPage
	Filtered     bool
	Error        string
	Pager        pagerView
	Export       *exportView
}

func (a *Handler) users(c *gin.Context) {
	var f userListForm
	if !a.bind(c, &f) {
		return
	}
	if c.Request.Method == http.MethodGet {
		f.Q, f.Kind = "", ""
	}
	ctx, who := c.Request.Context(), adminOf(c)
	apps, err := a.dashboard.Apps(ctx)
	if err != nil {
		a.fail(c, err)
		return
	}
	q := f.query()
	p := usersPage{
		layout:       a.layout(c, "Users", "users"),
		Form:         f,
		Kinds:        options(f.Kind, searchKinds...),
		Apps:         valueOptions(f.App, "All apps", apps),
		PhoneOptions: options(f.Phone, "", "Any", "bound", "Bound", "unbound", "Not bound"),
		Statuses:     options(f.Status, "", "Any", "active", "Active", "blocked", "Blocked"),
		Filtered:     q.Filtered(),
	}
	status := http.StatusOK
	p.Page, err = a.dashboard.Users(ctx, who, q, httpx.Meta(c))
	if msg, st, ok := a.inlineError(c, err); ok {
		p.Error, status = msg, st
	} else if err != nil {
		a.fail(c, err)
		return
	}
	method := "get"
	if f.Q != "" {
		method = "post"
	}
	p.Pager = pagerView{Action: "/admin/users", Method: method, Fields: f.fields(), After: p.Page.Next, IsLater: f.After != "", Count: len(p.Page.Rows)}
	if who.IsAdmin() {
		p.Export = &exportView{Action: "/admin/users/export", Fields: f.fields(), Unmaskable: true}
	}
	a.page(c, status, "users", p)
}

type userPage struct {
	layout
	U admin.UserDetail
}

func (a *Handler) user(c *gin.Context) {
	u, err := a.dashboard.User(c.Request.Context(), adminOf(c), c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return
	}
	a.page(c, http.StatusOK, "user", userPage{layout: a.layout(c, "User", "users"), U: u})
}

// userAction runs an action from the user page and goes back to it with a
// message (post/redirect/get, so a reload does not repeat the action).
func (a *Handler) userAction(c *gin.Context, done string, action func(who admin.Principal, id, reason string) error) {
	id := c.Param("id")
	err := action(adminOf(c), id, c.PostForm("reason"))
	switch services.ErrorCode(err) {
	case services.CodeInvalidRequest:
		a.flash(c, flashErr, messageOf(err))
	case services.CodeNotFound:
		if _, uerr := a.dashboard.User(c.Request.Context(), adminOf(c), id); uerr != nil {
			a.fail(c, uerr)
			return
		}
		a.flash(c, flashErr, messageOf(err))
	default:
		if err != nil {
			a.fail(c, err)
			return
		}
		a.flash(c, flashOK, done)
	}
	c.Redirect(http.StatusSeeOther, "/admin/users/"+id)
}

func (a *Handler) blockUser(c *gin.Context) {
	a.userAction(c, "The user is blocked.", func(who admin.Principal, id, reason string) error {
		return a.dashboard.SetUserBlocked(c.Request.Context(), who, id, true, reason, httpx.Meta(c))
	})
}

func (a *Handler) unblockUser(c *gin.Context) {
	a.userAction(c, "The user is unblocked.", func(who admin.Principal, id, reason string) error {
		return a.dashboard.SetUserBlocked(c.Request.Context(), who, id, false, reason, httpx.Meta(c))
	})
}

func (a *Handler) revokeSession(c *gin.Context) {
	sid, err := strconv.ParseInt(c.Param("sid"), 10, 64)
	if err != nil {
		a.errorPage(c, http.StatusNotFound, "")
		return
	}
	a.userAction(c, "The session is revoked.", func(who admin.Principal, id, reason string) error {
		return a.dashboard.RevokeSession(c.Request.Context(), who, id, sid, reason, httpx.Meta(c))
	})
}

func (a *Handler) revokeAllSessions(c *gin.Context) {
	a.userAction(c, "All sessions of the user are revoked.", func(who admin.Principal, id, reason string) error {
		_, err := a.dashboard.RevokeAllSessions(c.Request.Context(), who, id, reason, httpx.Meta(c))
		return err
	})
}

type revealPage struct {
	layout
	UserID string
	Masked string
	Phone  *admin.RevealedPhone
	Reason string
	Error  string
}

// revealForm asks for the reason; it changes nothing (GET).
func (a *Handler) revealForm(c *gin.Context) {
	p, ok := a.revealPageFor(c)
	if !ok {
		return
	}
	a.page(c, http.StatusOK, "reveal", p)
}

// reveal shows the full number once, in the answer to the POST that
// recorded why.
func (a *Handler) reveal(c *gin.Context) {
	p, ok := a.revealPageFor(c)
	if !ok {
		return
	}
	p.Reason = c.PostForm("reason")
	phone, err := a.dashboard.RevealPhone(c.Request.Context(), adminOf(c), p.UserID, p.Reason, httpx.Meta(c))
	if services.ErrorCode(err) == services.CodeInvalidRequest {
		p.Error = messageOf(err)
		a.page(c, http.StatusBadRequest, "reveal", p)
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	p.Phone = &phone
	a.page(c, http.StatusOK, "reveal", p)
}

func (a *Handler) revealPageFor(c *gin.Context) (revealPage, bool) {
	who := adminOf(c)
	if !who.IsAdmin() {
		a.errorPage(c, http.StatusForbidden, "This needs the admin role; viewers see masked data only.")
		return revealPage{}, false
	}
	u, err := a.dashboard.User(c.Request.Context(), who, c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return revealPage{}, false
	}
	if u.Phone == nil {
		a.errorPage(c, http.StatusNotFound, "This user has no phone number bound.")
		return revealPage{}, false
	}
	return revealPage{layout: a.layout(c, "Reveal phone number", "users"), UserID: u.ID, Masked: u.Phone.Masked}, true
}
