package seed

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"golang.org/x/sync/errgroup"
)

// writer streams tables into the database and reports progress.
type writer struct {
	progress io.Writer
}

// copyPostgres writes with COPY, the fastest path into PostgreSQL. Users go
// first (the other tables reference them); the rest run side by side on
// their own connections, so index maintenance of one table overlaps the
// generation of another.
func (w writer) copyPostgres(ctx context.Context, db *sql.DB, p *population, res *Result) error {
	n, err := w.copyTable(ctx, db, p.usersTable())
	res.Users = n
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, t := range []struct {
		table table
		count *int
	}{
		{p.auditTable(), &res.Audit},
		{p.identitiesTable(), &res.Identities},
		{p.phonesTable(), &res.Phones},
		{p.phoneEventsTable(), &res.PhoneEvents},
	} {
		g.Go(func() error {
			n, err := w.copyTable(gctx, db, t.table)
			*t.count = n
			return err
		})
	}
	return g.Wait()
}

// copyTable copies one table in one transaction. The table's plain indexes
// are dropped before the COPY and built again after it (PostgreSQL manual,
// "Populating a Database"): one sort per index instead of millions of random
// B-tree inserts that outgrow shared_buffers. DDL is transactional, so a
// failed seed leaves the indexes as they were. Indexes behind a constraint
// (primary and unique keys) stay: they are what keeps the data honest.
func (w writer) copyTable(ctx context.Context, db *sql.DB, t table) (int, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	src := &copySource{table: t, row: make([]any, len(t.columns)), meter: w.meter(t)}
	var n int64
	err = conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("PostgreSQL driver is %T, not pgx", driverConn)
		}
		return pgx.BeginFunc(ctx, c.Conn(), func(tx pgx.Tx) error {
			defs, err := plainIndexes(ctx, tx, t.name)
			if err != nil {
				return err
			}
			for _, d := range defs {
				if _, err := tx.Exec(ctx, "DROP INDEX "+pgx.Identifier{d.name}.Sanitize()); err != nil {
					return err
				}
			}
			if n, err = tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.columns, src); err != nil {
				return err
			}
			src.meter.done()
			if len(defs) == 0 {
				return nil
			}
			start := time.Now()
			if _, err := tx.Exec(ctx, "SET LOCAL maintenance_work_mem = '256MB'"); err != nil {
				return err
			}
			for _, d := range defs {
				if _, err := tx.Exec(ctx, d.def); err != nil {
					return fmt.Errorf("rebuild index %s: %w", d.name, err)
				}
			}
			fmt.Fprintf(w.progress, "seed: %-20s %d index(es) built in %s\n", t.name, len(defs), time.Since(start).Round(100*time.Millisecond))
			return nil
		})
	})
	if err != nil {
		return int(n), fmt.Errorf("seed %s: %w", t.name, err)
	}
	return int(n), nil
}

type indexDef struct{ name, def string }

// plainIndexes lists a table's indexes that no constraint owns, with the
// statement that creates each: whatever migrations added, not a copy of them.
func plainIndexes(ctx context.Context, tx pgx.Tx, tableName string) ([]indexDef, error) {
	rows, err := tx.Query(ctx, `
		SELECT i.indexname, i.indexdef
		FROM pg_indexes i
		WHERE i.schemaname = current_schema() AND i.tablename = $1
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c
		                  WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)
		ORDER BY i.indexname`, tableName)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (indexDef, error) {
		var d indexDef
		return d, r.Scan(&d.name, &d.def)
	})
}

// copySource adapts a table to pgx.CopyFromSource.
type copySource struct {
	table table
	row   []any
	meter *meter
}

func (s *copySource) Next() bool {
	if !s.table.next(s.row) {
		return false
	}
	s.meter.add()
	return true
}

func (s *copySource) Values() ([]any, error) { return s.row, nil }
func (s *copySource) Err() error             { return nil }

// insertSQLite writes with multi-row INSERTs, many per transaction: SQLite
// has no COPY, and a commit per row would cost a sync each.
func (w writer) insertSQLite(ctx context.Context, db *sql.DB, p *population, res *Result) error {
	for _, t := range []struct {
		table table
		count *int
	}{
		{p.usersTable(), &res.Users},
		{p.identitiesTable(), &res.Identities},
		{p.phonesTable(), &res.Phones},
		{p.phoneEventsTable(), &res.PhoneEvents},
		{p.auditTable(), &res.Audit},
	} {
		n, err := w.insertTable(ctx, db, t.table)
		*t.count = n
		if err != nil {
			return err
		}
	}
	return nil
}

const (
	rowsPerInsert = 200    // 11 columns × 200 stays far below SQLite's 32766 variables
	rowsPerTx     = 20_000 // one commit per 100 statements
)

func (w writer) insertTable(ctx context.Context, db *sql.DB, t table) (int, error) {
	m := w.meter(t)
	row := make([]any, len(t.columns))
	args := make([]any, 0, rowsPerInsert*len(t.columns))
	written := 0
	var tx *sql.Tx
	defer func() {
		if tx != nil {
			tx.Rollback()
		}
	}()
	// insert writes the rows in args, opening a transaction when none is open.
	insert := func() error {
		if len(args) == 0 {
			return nil
		}
		if tx == nil {
			var err error
			if tx, err = db.BeginTx(ctx, nil); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, insertSQL(t, len(args)/len(t.columns)), args...); err != nil {
			return err
		}
		written += len(args) / len(t.columns)
		args = args[:0]
		return nil
	}
	commit := func() error {
		if tx == nil {
			return nil
		}
		err := tx.Commit()
		tx = nil
		return err
	}
	for t.next(row) {
		m.add()
		args = append(args, row...)
		if len(args) < cap(args) {
			continue
		}
		if err := insert(); err != nil {
			return written, fmt.Errorf("seed %s: %w", t.name, err)
		}
		if written%rowsPerTx == 0 {
			if err := commit(); err != nil {
				return written, fmt.Errorf("seed %s: %w", t.name, err)
			}
		}
	}
	if err := insert(); err != nil {
		return written, fmt.Errorf("seed %s: %w", t.name, err)
	}
	if err := commit(); err != nil {
		return written, fmt.Errorf("seed %s: %w", t.name, err)
	}
	m.done()
	return written, nil
}

func insertSQL(t table, rows int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(t.columns)), ",") + ")"
	var b strings.Builder
	b.WriteString("INSERT INTO " + t.name + " (" + strings.Join(t.columns, ", ") + ") VALUES ")
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(one)
	}
	return b.String()
}

// lockedWriter lets the tables written side by side share one progress stream.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// meter prints a table's progress about once a second, and once at the end.
type meter struct {
	w       io.Writer
	name    string
	total   int
	n       int
	start   time.Time
	printed time.Time
}

func (w writer) meter(t table) *meter {
	now := time.Now()
	return &meter{w: w.progress, name: t.name, total: t.total, start: now, printed: now}
}

func (m *meter) add() {
	m.n++
	if m.n&0x3fff == 0 {
		if now := time.Now(); now.Sub(m.printed) >= time.Second {
			m.printed = now
			m.print(now)
		}
	}
}

func (m *meter) done() { m.print(time.Now()) }

func (m *meter) print(now time.Time) {
	elapsed := now.Sub(m.start)
	rate := float64(m.n) / max(elapsed.Seconds(), 1e-9)
	if m.total > 0 {
		fmt.Fprintf(m.w, "seed: %-20s %9d/%d rows  %3.0f%%  %7.0f rows/s  %s\n", m.name, m.n, m.total, 100*float64(m.n)/float64(m.total), rate, elapsed.Round(100*time.Millisecond))
		return
	}
	fmt.Fprintf(m.w, "seed: %-20s %9d rows        %7.0f rows/s  %s\n", m.name, m.n, rate, elapsed.Round(100*time.Millisecond))
}
