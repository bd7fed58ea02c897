package dashboard

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"unicode"
)

// FuzzCSVCell: whatever a user typed (a nickname, a user agent, a reason),
// no cell a spreadsheet can see in the export starts a formula, whichever
// character it splits at (any punctuation, a space, a tab, a line break);
// only quotes were added; and the cell survives the CSV round trip.
func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"=HYPERLINK(\"http://x\")", "+8613800138000", "-1", "-1.5", "@SUM(A1)", "\tx", "\rx", "普通用户",
		"a,b\"c\nd", "", "x;=cmd|' /C calc'!A0", "＝1+1", " =1", "\"=1", "a;\"=1\";b", "-1;=2", "\xff=1",
		"a =1+1", "a|=2+2", "a:=3+3", "a/=1", "x==1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cell := csvCell(s)
		for _, sep := range separators {
			for _, part := range strings.Split(cell, sep) {
				if formulaAt(part) {
					t.Fatalf("csvCell(%q) = %q: split at %q, %q starts a formula", s, cell, sep, part)
				}
			}
		}
		if strings.ReplaceAll(cell, "'", "") != strings.ReplaceAll(s, "'", "") {
			t.Fatalf("csvCell(%q) = %q changed more than quotes", s, cell)
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

// separators are the characters a spreadsheet may be told to split at: any
// but letters, digits, and the quote that marks a cell as text.
var separators = func() []string {
	out := []string{" ", "\t", "\r", "\n", "，", "；", "｜"}
	for c := '!'; c <= '~'; c++ {
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) && c != '\'' {
			out = append(out, string(c))
		}
	}
	return out
}()

// formulaAt: after spaces and quotes, a formula's first character.
func formulaAt(part string) bool {
	rest := strings.TrimLeftFunc(part, func(r rune) bool { return r == ' ' || r == '"' })
	return rest != "" && strings.ContainsRune("=+-@＝＋－＠", []rune(rest)[0])
}
