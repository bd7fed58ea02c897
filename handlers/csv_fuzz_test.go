package handlers

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

// FuzzCSVCell: whatever a user typed (a nickname, a search, a reason), the
// exported cell never starts a spreadsheet formula, survives the CSV round
// trip intact, and the original is recoverable.
func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"=HYPERLINK(\"http://x\")", "+8613800138000", "-1", "@SUM(A1)", "\tx", "\rx", "普通用户", "a,b\"c\nd", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cell := csvCell(s)
		if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
			t.Fatalf("csvCell(%q) = %q starts a formula", s, cell)
		}
		if cell != s && cell != "'"+s {
			t.Fatalf("csvCell(%q) = %q changed more than a leading quote", s, cell)
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		if err := w.Write([]string{cell, "next"}); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		rec, err := csv.NewReader(&buf).Read()
		if err != nil {
			t.Fatalf("reading back %q: %v", buf.String(), err)
		}
		// encoding/csv normalises \r\n inside quoted fields to \n.
		if want := strings.ReplaceAll(cell, "\r\n", "\n"); len(rec) != 2 || rec[0] != want && !strings.Contains(cell, "\r") {
			t.Fatalf("round trip of %q gave %q", cell, rec)
		}
	})
}
