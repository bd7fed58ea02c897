package dashboard

import (
	"github.com/mpauth/mpauth/handlers/httpx"
	"github.com/mpauth/mpauth/services/admin"
	"net/http"

	"github.com/gin-gonic/gin"
)

// phoneListForm is the phone bindings filter; like the users search, the
// number is read from POST only.
type phoneListForm struct {
	Q      string `form:"q"`
	Kind   string `form:"kind"`
	App    string `form:"app"`
	Source string `form:"source"`
	From   string `form:"from"`
	To     string `form:"to"`
	After  string `form:"after"`
}

func (f phoneListForm) query() admin.PhoneQuery {
	return admin.PhoneQuery{Search: f.Q, SearchKind: f.Kind, AppID: f.App, Source: f.Source, BoundFrom: f.From, BoundTo: f.To, After: f.After}
}

func (f phoneListForm) fields() []field {
	return fields("q", f.Q, "kind", f.Kind, "app", f.App, "source", f.Source, "from", f.From, "to", f.To)
}

type phonesPage struct {
	layout
	Form     phoneListForm
	Kinds    []option
	Apps     []option
	Sources  []option
	Page     admin.PhonePage
	Filtered bool
	Error    string
	Pager    pagerView
	Export   *exportView
}

func (a *Handler) phones(c *gin.Context) {
	var f phoneListForm
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
	p := phonesPage{
		layout:   a.layout(c, "Phone bindings", "phones"),
		Form:     f,
		Kinds:    options(f.Kind, phoneSearchKinds...),
		Apps:     valueOptions(f.App, "All apps", apps),
		Sources:  options(f.Source, "", "Any", "code", "code", "encrypted", "encrypted"),
		Filtered: len(f.fields()) > 0,
	}
	status := http.StatusOK
	p.Page, err = a.dashboard.Phones(ctx, who, f.query(), httpx.Meta(c))
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
	p.Pager = pagerView{Action: "/admin/phones", Method: method, Fields: f.fields(), After: p.Page.Next, IsLater: f.After != "", Count: len(p.Page.Rows)}
	if who.IsAdmin() {
		p.Export = &exportView{Action: "/admin/phones/export", Fields: f.fields(), Unmaskable: true}
	}
	a.page(c, status, "phones", p)
}
