package admin

import (
	"context"
	"fmt"
	"github.com/mpauth/mpauth/services"
	"strings"

	"github.com/mpauth/mpauth/models"
)

// ExportRequest is how an admin asked for an export: masked unless Unmasked,
// which needs a reason.
type ExportRequest struct {
	Unmasked bool
	Reason   string
}

// exportBatch rows are read per query: memory stays constant however many
// rows the filter matches, and no transaction stays open for the download.
const exportBatch = 500

// Exported lists, the target_id of an export's audit row.
const (
	ExportUsers      = "users"
	ExportPhones     = "phone_bindings"
	ExportLoginAudit = "login_audit"
	ExportAdminAudit = "admin_audit"
)

// startExport checks the role and the reason and writes the audit row
// before the first byte is sent: once a download starts it cannot fail
// politely, and an export that was never audited must never happen.
func (d *Dashboard) startExport(ctx context.Context, who Principal, list string, req ExportRequest, filter string, m services.Meta) error {
	if err := requireAdmin(who); err != nil {
		return err
	}
	reason := strings.TrimSpace(req.Reason)
	detail := "masked"
	if req.Unmasked {
		var err error
		if reason, err = checkReason(req.Reason); err != nil {
			return &services.Error{Code: services.CodeInvalidRequest, Message: "An export with full phone numbers needs a reason: it is recorded in the admin audit log."}
		}
		detail = "FULL PHONE NUMBERS"
	}
	if filter != "" {
		detail += "; " + filter
	}
	return d.audit(ctx, auditRow(d.now(), &who, models.ActionExport, models.TargetList, list, reason, detail, m))
}

// ExportUsers streams every user the filter matches to emit, in list order.
func (d *Dashboard) ExportUsers(ctx context.Context, who Principal, q UserQuery, req ExportRequest, m services.Meta, emit func(UserRow) error) error {
	q.After = ""
	f, _, err := q.filter()
	if err != nil {
		return err
	}
	if err := d.checkPhoneMatches(ctx, f.Phone); err != nil {
		return err
	}
	desc := describeFilter("search", searchSummary(q.Search, q.SearchKind), "app", q.AppID, "phone", q.Phone, "status", q.Status, "created_from", q.CreatedFrom, "created_to", q.CreatedTo)
	if err := d.startExport(ctx, who, ExportUsers, req, desc, m); err != nil {
		return err
	}
	return streamPages(func(after *models.TimeKey) ([]UserRow, *models.TimeKey, error) {
		return d.userRows(ctx, f, after, exportBatch, req.Unmasked)
	}, emit)
}

// ExportPhones streams every binding the filter matches.
func (d *Dashboard) ExportPhones(ctx context.Context, who Principal, q PhoneQuery, req ExportRequest, m services.Meta, emit func(PhoneRow) error) error {
	q.After = ""
	f, _, err := q.filter()
	if err != nil {
		return err
	}
	if err := d.checkPhoneMatches(ctx, f.Phone); err != nil {
		return err
	}
	desc := describeFilter("search", searchSummary(q.Search, q.SearchKind), "app", q.AppID, "source", q.Source, "bound_from", q.BoundFrom, "bound_to", q.BoundTo)
	if err := d.startExport(ctx, who, ExportPhones, req, desc, m); err != nil {
		return err
	}
	return streamPages(func(after *models.TimeKey) ([]PhoneRow, *models.TimeKey, error) {
		return d.phoneRows(ctx, f, after, exportBatch, req.Unmasked)
	}, emit)
}

// ExportLoginAudit streams every login audit row the filter matches. The
// audit holds no phone numbers, so there is nothing to unmask.
func (d *Dashboard) ExportLoginAudit(ctx context.Context, who Principal, q LoginAuditQuery, m services.Meta, emit func(LoginAuditRow) error) error {
	q.After = ""
	f, _, err := q.filter()
	if err != nil {
		return err
	}
	desc := describeFilter("event", q.Event, "result", q.Result, "app", q.AppID, "errcode", q.WeChatErrCode, "error_code", q.ErrorCode,
		"ip", q.IP, "user", q.UserID, "from", q.From, "to", q.To)
	if err := d.startExport(ctx, who, ExportLoginAudit, ExportRequest{}, desc, m); err != nil {
		return err
	}
	return streamPages(func(after *models.SerialKey) ([]LoginAuditRow, *models.SerialKey, error) {
		return d.loginAuditRows(ctx, f, after, exportBatch)
	}, emit)
}

// ExportAdminAudit streams every admin audit row the filter matches.
func (d *Dashboard) ExportAdminAudit(ctx context.Context, who Principal, q AdminAuditQuery, m services.Meta, emit func(AdminAuditRow) error) error {
	q.After = ""
	f, _, err := d.adminAuditFilter(ctx, q)
	noRows := err == errNoRows
	if err != nil && !noRows {
		return err
	}
	desc := describeFilter("admin", q.Admin, "action", q.Action, "target_type", q.TargetType, "target", q.TargetID, "ip", q.IP, "from", q.From, "to", q.To)
	if err := d.startExport(ctx, who, ExportAdminAudit, ExportRequest{}, desc, m); err != nil {
		return err
	}
	if noRows {
		return nil
	}
	return streamPages(func(after *models.SerialKey) ([]AdminAuditRow, *models.SerialKey, error) {
		return d.adminAuditRows(ctx, f, after, exportBatch)
	}, emit)
}

// searchSummary describes a search for the audit without the number in it:
// the admin audit is readable by viewers, who must not learn numbers there.
func searchSummary(q, kind string) string {
	q = strings.TrimSpace(q)
	if q == "" {
		return ""
	}
	if digits, ok := phoneDigits(q); ok {
		return fmt.Sprintf("phone (%d digits, %s)", len(digits), orAuto(kind))
	}
	return fmt.Sprintf("%s (%s)", q, orAuto(kind))
}

func orAuto(kind string) string {
	if kind == SearchAuto {
		return "auto"
	}
	return kind
}

func describeFilter(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		if v := strings.TrimSpace(kv[i+1]); v != "" {
			parts = append(parts, kv[i]+"="+v)
		}
	}
	if len(parts) == 0 {
		return "no filter"
	}
	return strings.Join(parts, " ")
}

// streamPages walks a keyset-paged list to its end, handing each row to emit:
// one batch in memory at a time, whatever the list's size.
func streamPages[K, R any](page func(after *K) ([]R, *K, error), emit func(R) error) error {
	var after *K
	for {
		rows, next, err := page(after)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := emit(r); err != nil {
				return err
			}
		}
		if next == nil {
			return nil
		}
		after = next
	}
}
