package dashboard

import (
	"github.com/gin-gonic/gin"

	"github.com/mpauth/mpauth/handlers/httpx"
)

// bind reads a form (query or body) into v; a form it cannot read is an
// invalid request, shown as the 400 page.
func (a *Handler) bind(c *gin.Context, v any) bool {
	if err := httpx.BindForm(c, v); err != nil {
		a.fail(c, err)
		return false
	}
	return true
}

// option is one <option> of a filter menu; Label is translated.
type option struct {
	Value, Label string
	Selected     bool
}

// options builds a menu from value/label pairs, marking the current value.
func options(current string, pairs ...string) []option {
	out := make([]option, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, option{Value: pairs[i], Label: pairs[i+1], Selected: pairs[i] == current})
	}
	return out
}

// valueOptions builds a menu whose labels are the values, after an "all" entry.
func valueOptions(current, all string, values []string) []option {
	out := []option{{Value: "", Label: all, Selected: current == ""}}
	for _, v := range values {
		out = append(out, option{Value: v, Label: v, Selected: v == current})
	}
	return out
}

// field is a hidden form field: the pager and the export repeat the filter.
type field struct{ Name, Value string }

// fields keeps the non-empty name/value pairs.
func fields(kv ...string) []field {
	var out []field
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			out = append(out, field{kv[i], kv[i+1]})
		}
	}
	return out
}

// pagerView is the "more" control: keyset pagination has a next page and a
// way back to the first, never page numbers (they would need OFFSET).
type pagerView struct {
	Action  string
	Method  string
	Fields  []field
	After   string // cursor of the next page; "" on the last page
	IsLater bool   // this is not the first page
	Count   int
}

// exportView is the export form, for admins only.
type exportView struct {
	Action     string
	Fields     []field
	Unmaskable bool
}

var searchKinds = []string{
	"", "Guess from the text",
	"user_id", "User id",
	"wechat_id", "openid or unionid",
	"phone", "Whole phone number",
	"phone_last4", "Last 4 digits",
	"phone_contains", "Digits anywhere (4+)",
}

var phoneSearchKinds = []string{
	"", "Guess from the text",
	"phone", "Whole phone number",
	"phone_last4", "Last 4 digits",
	"phone_contains", "Digits anywhere (4+)",
}
