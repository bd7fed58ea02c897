package models

import (
	"context"
	"strings"
	"time"
)

// Admin lists are read newest first with keyset pagination: a page asks for
// the rows after the last key it showed, which costs the same on page 1 and
// page 10,000 (OFFSET would read and discard every earlier row).

// TimeKey is the position of a row in a list ordered by (time DESC, id DESC)
// with a text id (users: UUIDs).
type TimeKey struct {
	At time.Time
	ID string
}

// SerialKey is the position of a row ordered by (created_at DESC, id DESC)
// with an integer id (the audit tables).
type SerialKey struct {
	At time.Time
	ID int64
}

// PhoneMatch selects phone bindings by number; at most one field is set.
// Digits must be digits only: the caller validated them.
type PhoneMatch struct {
	E164   string // the whole number, +8613800138000
	Last4  string // the last four digits
	Digits string // a substring (4 or more digits) of the national number
	// MinLength, with Last4, keeps only national numbers at least this long
	// (those whose mask shows the last 4 digits, for a viewer's search).
	MinLength int
}

func (m PhoneMatch) empty() bool { return m.E164 == "" && m.Last4 == "" && m.Digits == "" }

// MaxPhoneMatches bounds how many bindings a phone search may match. The
// matches are read first, through their index, and then sorted: that plan
// stays fast however rare or common the digits are, as long as the set is
// bounded. A search matching more asks for more digits instead.
const MaxPhoneMatches = 10_000

// phoneMatches is a derived table of the bindings that match m, at most
// MaxPhoneMatches+1 of them: the LIMIT also keeps the planner from merging it
// into an outer query and walking that query's index instead.
func (s *Store) phoneMatches(m PhoneMatch, columns string) (string, []any) {
	cond, args := s.phoneMatchSQL(m)
	return "(SELECT " + columns + " FROM phone_bindings pb WHERE " + cond + " LIMIT ?)", append(args, MaxPhoneMatches+1)
}

// CountPhoneMatches counts the bindings that match m, stopping past
// MaxPhoneMatches.
func (s *Store) CountPhoneMatches(ctx context.Context, m PhoneMatch) (int64, error) {
	sub, args := s.phoneMatches(m, "1")
	var n int64
	err := s.conn(ctx).Raw("SELECT count(*) FROM "+sub+" AS pm", args...).Scan(&n).Error
	return n, translate(err)
}

// phoneMatchSQL is the condition on a phone_bindings row aliased pb. Each
// form has its index: the unique phone_e164, the last-4 expression index and,
// on PostgreSQL, the trigram index for substrings.
func (s *Store) phoneMatchSQL(m PhoneMatch) (string, []any) {
	switch {
	case m.E164 != "":
		return "pb.phone_e164 = ?", []any{m.E164}
	case m.Last4 != "":
		cond := "substr(pb.pure_number, -4) = ?"
		if s.dialect == Postgres {
			cond = "right(pb.pure_number, 4) = ?"
		}
		if m.MinLength > 0 {
			return cond + " AND length(pb.pure_number) >= ?", []any{m.Last4, m.MinLength}
		}
		return cond, []any{m.Last4}
	case m.Digits != "":
		return `pb.pure_number LIKE ? ESCAPE '\'`, []any{"%" + escapeLike(m.Digits) + "%"}
	}
	return "1 = 1", nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// utc keeps every timestamp parameter in UTC: SQLite compares timestamps as
// text, which orders correctly only when every value has the same offset.
func utc(t time.Time) time.Time { return t.UTC() }
