package dashboard_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mpauth/mpauth/models"
)

// readCSV checks the export's envelope and returns its records.
func readCSV(t *testing.T, p page) [][]string {
	t.Helper()
	if p.status != http.StatusOK {
		t.Fatalf("export: status %d\n%s", p.status, p.body)
	}
	if ct := p.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := p.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") {
		t.Errorf("Content-Disposition %q", cd)
	}
	body, ok := strings.CutPrefix(p.body, "\ufeff")
	if !ok {
		t.Error("no UTF-8 byte order mark: Excel would garble Chinese")
	}
	records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v", err)
	}
	return records
}

func TestUserExportIsMaskedByDefaultAndAudited(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleAdmin)
	base := e.clock.Now().Add(-time.Hour)
	for i := range 1001 { // more than two batches
		f := fixtureUser{nickname: "用户" + itoa(int64(i)), created: base.Add(time.Duration(i) * time.Millisecond)}
		if i%2 == 0 {
			f.phone = "1390000" + strings.Repeat("0", 4-len(itoa(int64(i)))) + itoa(int64(i))
		}
		e.addUser(f)
	}
	records := readCSV(t, b.post("/admin/users/export", url.Values{}))
	if got := strings.Join(records[0], ","); got != "user_id,created_at,status,nickname,apps,openids,phone_masked,last_login_at" {
		t.Errorf("header %q", got)
	}
	if len(records) != 1002 {
		t.Fatalf("%d rows, want 1001 and a header", len(records)-1)
	}
	seen := map[string]bool{}
	for _, r := range records[1:] {
		if seen[r[0]] {
			t.Fatalf("user %s exported twice", r[0])
		}
		seen[r[0]] = true
	}
	if strings.Contains(strings.Join(records[1:][0], ","), "用户1000") == false {
		t.Errorf("first row is not the newest user: %v", records[1])
	}
	for _, r := range records[1:] {
		if fullNumber.MatchString(r[6]) {
			t.Fatalf("a full number in a masked export: %q", r[6])
		}
	}
	rows := e.adminAudit(models.ActionExport)
	if len(rows) != 1 || rows[0].TargetID != "users" || !strings.HasPrefix(rows[0].Detail, "masked") || rows[0].AdminName != "alice" {
		t.Errorf("export audit: %+v", rows)
	}
}

func TestUnmaskedExportNeedsAReasonAndSaysSoInTheAudit(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleAdmin)
	e.addUser(fixtureUser{phone: "13800138000", app: dashApp2})
	e.addUser(fixtureUser{phone: "13900139000"})

	if p := b.post("/admin/phones/export", url.Values{"unmasked": {"1"}}); p.status != http.StatusBadRequest || strings.Contains(p.body, "13800138000") {
		t.Fatalf("unmasked export without a reason: %d", p.status)
	}
	if n := len(e.adminAudit(models.ActionExport)); n != 0 {
		t.Fatalf("a refused export was audited %d times", n)
	}
	records := readCSV(t, b.post("/admin/phones/export", url.Values{"unmasked": {"1"}, "reason": {"carrier audit"}, "app": {dashApp2}}))
	if len(records) != 2 || records[1][2] != "'+8613800138000" {
		t.Fatalf("filtered unmasked export: %v", records)
	}
	rows := e.adminAudit(models.ActionExport)
	if len(rows) != 1 || rows[0].Reason != "carrier audit" || !strings.Contains(rows[0].Detail, "FULL PHONE NUMBERS") || !strings.Contains(rows[0].Detail, "app="+dashApp2) {
		t.Errorf("audit: %+v", rows)
	}
	// A search for a number is described in the audit without the number:
	// viewers read the admin audit.
	readCSV(t, b.post("/admin/users/export", url.Values{"q": {"13800138000"}}))
	if d := e.adminAudit(models.ActionExport)[0].Detail; strings.Contains(d, "13800138000") || !strings.Contains(d, "11 digits") {
		t.Errorf("audit detail %q", d)
	}
}

func TestCSVCellsCannotRunFormulas(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleAdmin)
	evil := []string{`=HYPERLINK("http://evil.example","x")`, "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "普通昵称", "a=b"}
	for i, nick := range evil {
		e.addUser(fixtureUser{nickname: nick, created: e.clock.Now().Add(-time.Duration(i) * time.Second)})
	}
	records := readCSV(t, b.post("/admin/users/export", url.Values{}))
	got := map[string]bool{}
	for _, r := range records[1:] {
		got[r[3]] = true
	}
	for _, want := range []string{`'=HYPERLINK("http://evil.example","x")`, "'+1+1", "'-2+3", "'@SUM(A1)", "'\tTAB", "'\rCR", "普通昵称", "a=b"} {
		if !got[want] {
			t.Errorf("no cell %q in %v", want, got)
		}
	}
}

func TestAuditExportsFollowTheFilter(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleAdmin)
	e.addAudit(models.LoginAudit{IP: "10.1.1.1", RequestID: "keep"})
	e.addAudit(models.LoginAudit{IP: "10.2.2.2", RequestID: "drop"})
	records := readCSV(t, b.post("/admin/audit/logins/export", url.Values{"ip": {"10.1.1.1"}}))
	if len(records) != 2 || records[1][11] != "keep" {
		t.Errorf("login audit export: %v", records)
	}
	records = readCSV(t, b.post("/admin/audit/admin/export", url.Values{"action": {models.ActionSignIn}}))
	if len(records) != 2 || records[1][3] != models.ActionSignIn || records[1][2] != "alice" {
		t.Errorf("admin audit export: %v", records)
	}
	if n := len(e.adminAudit(models.ActionExport)); n != 2 {
		t.Errorf("%d export rows, want 2", n)
	}
	// An export with no rows is a header alone, still audited.
	if records := readCSV(t, b.post("/admin/audit/logins/export", url.Values{"ip": {"192.0.2.200"}})); len(records) != 1 {
		t.Errorf("empty export: %v", records)
	}
}
